"""Cox model against R survival 3.5-3 (coxph, cox.zph, survfit.coxph).

Rossi: ../shared/reference/rossi_r_survival.json (made by rossi_r_survival.R there).
Own data: tests/r/cox_reference.json, made by tests/r/cox_reference.R from the
seeded data of tests/r/cox_make_data.py.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recidive import CoxModel
from recidive.estimation.cox import cox_zph, fit_cox, predict_survival

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "reference"
if not (SHARED / "rossi.csv").exists():  # the lead's tree keeps reference/ beside main/
    SHARED = Path("/work/shared/reference")
ROSSI_COLS = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
TIGHT = 1e-8  # coefficients, standard errors, variance
REST = 1e-8  # log-likelihoods, tests, concordance, zph, predictions (all reach < 1e-9)


def _load(path):
    with open(path) as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def rossi():
    return pd.read_csv(SHARED / "rossi.csv")


@pytest.fixture(scope="module")
def rossi_ref():
    return _load(SHARED / "rossi_r_survival.json")["coxph"]


@pytest.fixture(scope="module")
def cohort():
    return pd.read_csv(ROOT / "tests" / "data" / "cox_cohort.csv")


@pytest.fixture(scope="module")
def ref():
    return _load(ROOT / "tests" / "r" / "cox_reference.json")


def _check_fit(res, r):
    np.testing.assert_allclose(res.coef, r["coef"], rtol=0, atol=TIGHT)
    np.testing.assert_allclose(res.std_err, r["se"], rtol=0, atol=TIGHT)
    np.testing.assert_allclose(res.variance_matrix, np.array(r["vcov"]), rtol=0, atol=TIGHT)
    assert res.log_likelihood == pytest.approx(r["loglik"], abs=REST)
    assert res.log_likelihood_null == pytest.approx(r["loglik_null"], abs=REST)
    assert res.likelihood_ratio_test.statistic == pytest.approx(r["lr_test"], abs=REST)
    assert res.wald_test.statistic == pytest.approx(r["wald_test"], abs=REST)
    assert res.score_test.statistic == pytest.approx(r["score_test"], abs=REST)
    assert res.concordance == pytest.approx(r["concordance"], abs=REST)
    assert res.concordance_std_err == pytest.approx(r["concordance_se"], abs=REST)
    counts = res.concordance_counts
    for ours, theirs in [("concordant", "concordant"), ("discordant", "discordant"),
                         ("tied_x", "tied.x"), ("tied_y", "tied.y"), ("tied_xy", "tied.xy")]:  # fmt: skip
        assert counts[ours] == r["concordance_counts"][theirs]
    assert res.n_iter == r["iterations"]
    assert res.n == r["n"] and res.n_events == r["nevent"]


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_rossi_matches_r(rossi, rossi_ref, ties):
    r = rossi_ref[ties]
    cox = CoxModel(ties=ties).fit(rossi, "week", "arrest", ROSSI_COLS)
    r = dict(r, coef=[r["coef"][c] for c in ROSSI_COLS], se=[r["se"][c] for c in ROSSI_COLS])
    _check_fit(cox.results_, r)
    s = cox.summary
    assert list(s.columns) == ["covariate", "coef", "std_err", "naive_std_err", "hazard_ratio",
                               "ci_lower", "ci_upper", "z", "p_value"]  # fmt: skip
    np.testing.assert_array_equal(s["naive_std_err"], s["std_err"])  # not robust
    np.testing.assert_allclose(s["p_value"], [rossi_ref[ties]["p"][c] for c in ROSSI_COLS],
                               rtol=1e-7)  # fmt: skip
    np.testing.assert_allclose(s["z"], [rossi_ref[ties]["z"][c] for c in ROSSI_COLS], atol=1e-7)
    assert cox.n_iter_ == r["iterations"] and cox.concordance_ == pytest.approx(r["concordance"])
    assert cox.likelihood_ratio_test_.df == 7
    assert cox.results_.metadata["ties"] == ties


COV = ["young", "prior", "sex", "form"]
REFS = {"form": "crimineel"}
NAMES = ["young", "prior", "sex[M]", "form[arbeid]", "form[binnenlands]",
         "form[grensoverschrijdend]"]  # fmt: skip


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("kind", ["strata", "plain", "robust"])
def test_cohort_matches_r(cohort, ref, ties, kind):
    kw = {"strata": {"strata": "region"}, "plain": {}, "robust": {"robust": True}}[kind]
    res = fit_cox(cohort, "days", "event", COV, reference_levels=REFS, ties=ties, **kw)
    assert list(res.names) == NAMES
    assert res.metadata["reference_levels"] == {"sex": "F", "form": "crimineel"}
    r = ref["cohort"][ties][kind]
    _check_fit(res, r)
    if kind == "robust":
        np.testing.assert_allclose(np.sqrt(np.diag(res.naive_variance_matrix)), r["naive_se"],
                                   atol=TIGHT)  # fmt: skip


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("kind", ["strata", "plain"])
def test_zph_matches_r(cohort, ref, ties, kind):
    kw = {"strata": "region"} if kind == "strata" else {}
    cox = CoxModel(ties=ties).fit(cohort, "days", "event", COV, reference_levels=REFS, **kw)
    z = cox.check_proportional_hazards()
    r = ref["cohort"][ties][f"zph_{kind}"]
    assert z.table["term"].tolist() == r["terms"]
    np.testing.assert_allclose(z.table["chisq"], r["chisq"], atol=REST)
    np.testing.assert_allclose(z.table["df"], r["df"])
    np.testing.assert_allclose(z.table["p_value"], r["p"], atol=REST)
    resid = z.residuals
    np.testing.assert_allclose(resid[["young", "prior", "sex", "form"]].iloc[:10],
                               np.array(r["y_head"]), atol=REST)  # fmt: skip
    np.testing.assert_allclose(resid["transformed_time"].iloc[:10], r["x_head"], atol=REST)
    np.testing.assert_allclose(resid["time"].iloc[:10], r["time_head"])


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_predicted_survival_matches_r(cohort, ref, ties):
    newdata = pd.DataFrame({
        "young": [0, 1, 1], "prior": [0, 2, 5], "sex": ["M", "F", "M"],
        "form": ["crimineel", "arbeid", "binnenlands"], "region": ["noord", "zuid", "midden"],
    })  # fmt: skip
    r = ref["cohort"][ties]
    times = r["predict_times"]
    plain = fit_cox(cohort, "days", "event", COV, reference_levels=REFS, ties=ties)
    got = predict_survival(plain, newdata, times).to_numpy().T
    np.testing.assert_allclose(got, np.array(r["predict_plain"]), atol=REST)
    strat = fit_cox(cohort, "days", "event", COV, reference_levels=REFS, ties=ties,
                    strata="region")  # fmt: skip
    got = predict_survival(strat, newdata, times).to_numpy().T
    np.testing.assert_allclose(got, np.array(r["predict_strata"]), atol=REST)
    beyond = predict_survival(plain, newdata, [10_000])
    assert beyond.isna().all().all()


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_frequency_weights_equal_r_on_expanded_data(ref, ties):
    collapsed = pd.read_csv(ROOT / "tests" / "data" / "cox_collapsed.csv")
    res = fit_cox(collapsed, "months", "event", ["young", "group"], weights="n", ties=ties)
    r = ref["expanded"][ties]
    _check_fit(res, r)
    z = cox_zph(res)
    np.testing.assert_allclose(z.table["chisq"], r["zph"]["chisq"], atol=1e-7)


def test_standardized_survival(cohort):
    cox = CoxModel().fit(cohort, "days", "event", COV, reference_levels=REFS)
    out = cox.standardized_survival(cohort, "form", [100, 365, 729])
    assert list(out.columns) == ["group", "time", "survival", "rate"]
    assert out["group"].unique().tolist() == ["arbeid", "binnenlands", "crimineel",
                                              "grensoverschrijdend"]  # fmt: skip
    np.testing.assert_allclose(out["rate"], 1 - out["survival"])
    # by hand: everyone set to "arbeid", predicted, averaged
    manual = cohort.assign(form="arbeid")
    expect = cox.predict_survival(manual, [100, 365, 729]).mean(axis=0).to_numpy()
    np.testing.assert_allclose(out.loc[out["group"] == "arbeid", "survival"], expect)
    # adjusted curves are ordered like the hazard ratios
    at = out[out["time"] == 365].set_index("group")["survival"]
    coef = cox.coef_
    assert (at["crimineel"] < at["arbeid"]) == (coef["form[arbeid]"] < 0)


def test_results_are_immutable_and_render(rossi):
    res = fit_cox(rossi, "week", "arrest", ROSSI_COLS)
    with pytest.raises(AttributeError):
        res.coef = None
    with pytest.raises(ValueError):
        res.coef[0] = 1.0
    assert "<table" in res._repr_html_() and "fin" in repr(res)
    assert res.metadata["package_version"]
    assert res.tests_frame()["test"].tolist() == ["likelihood_ratio", "wald", "score"]
    z = CoxModel().fit(rossi, "week", "arrest", ROSSI_COLS).check_proportional_hazards()
    assert z.to_frame()["term"].iloc[-1] == "GLOBAL" and "<table" in z._repr_html_()
