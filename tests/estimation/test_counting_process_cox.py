"""Cox models on counting-process (entry, duration] data against R ``coxph``.

References: ``tests/r/counting_process.R`` -> ``counting_process.json`` (simulated
(start, stop] rows with heavy ties, gaps and delayed entry, a time-varying ``tv``;
survival's ``heart`` (time-varying transplant) and ``cgd`` (recurrent infections:
Andersen-Gill and gap time)), and ``counting_process_extra.R`` -> ``.json`` (frequency
weights as the expanded data, predicted survival). R's conventions are in the JSONs'
``meta.notes``: with ``cluster(id)`` the Wald test uses the robust variance, the score
test is model-based and ``rscore`` is the robust score test; aliased coefficients are NA.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from recidive import AliasedCovariateWarning, ArgumentError, CoxModel
from recidive.estimation.cox import cox_zph, fit_cox, predict_survival

from ._reference import DATA_DIR, R_DIR, arr, load_json

TOL = 1e-8  # coefficients, standard errors, log-likelihoods, tests, concordance, zph
REF = load_json(R_DIR / "counting_process.json")
EXTRA = load_json(R_DIR / "counting_process_extra.json")
COV = ["tv", "x", "factor3"]
HEART_COV = ["age", "year", "surgery", "transplant"]
CGD_COV = ["treat", "sex", "age", "inherit", "steroids"]
TIES = ["efron", "breslow"]


def _cp() -> pd.DataFrame:
    cp = pd.read_csv(DATA_DIR / "counting_process.csv")
    cp["factor3"] = pd.Categorical(cp["factor3"], ["a", "b", "c"])
    cp["s2"] = (cp["stratum"] == "s2").astype(float)  # constant within each stratum
    cp["x3"] = cp["x"] + 2 * cp["tv"]  # a linear combination of x and tv
    return cp


CP = _cp()
HEART = pd.read_csv(DATA_DIR / "heart.csv")
CGD = pd.read_csv(DATA_DIR / "cgd.csv").assign(
    treat=lambda d: pd.Categorical(d["treat"], ["placebo", "rIFN-g"]),
    sex=lambda d: pd.Categorical(d["sex"], ["male", "female"]),
    inherit=lambda d: pd.Categorical(d["inherit"], ["X-linked", "autosomal"]),
    gap=lambda d: d["tstop"] - d["tstart"],
)


def _r_se(values) -> np.ndarray:
    """R's standard errors, NaN where R has an aliased (NA) coefficient (R gives 0)."""
    return arr(values)


def check_fit(res, r, what: str) -> dict:
    """Compare a fit with R's ``fit_info``; return the largest absolute differences."""
    aliased = np.array([c is None for c in r["coef"]])
    diffs = {}

    def close(name, got, expected):
        got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
        assert np.array_equal(np.isnan(got), np.isnan(expected)), f"{what} {name}: NaN pattern"
        diff = float(np.nanmax(np.abs(got - expected), initial=0.0))
        assert diff <= TOL, f"{what} {name}: {diff:g}"
        diffs[name] = diff

    assert list(res.names) == [n.replace("factor3b", "factor3[b]").replace("factor3c", "factor3[c]")
                               .replace("treatrIFN-g", "treat[rIFN-g]").replace("sexfemale", "sex[female]")
                               .replace("inheritautosomal", "inherit[autosomal]")
                               for n in r["names"]]  # fmt: skip
    close("coef", res.coef, arr(r["coef"]))
    se, naive = arr(r["se"]), arr(r["naive_se"])
    se[aliased], naive[aliased] = np.nan, np.nan  # R: 0; recidive: NaN (not estimated)
    close("se", res.std_err, se)
    close("naive_se", res.naive_std_err, naive)
    frame = res.to_frame()
    close("summary std_err", frame["std_err"], se)
    close("summary naive_std_err", frame["naive_std_err"], naive)
    close("loglik", res.log_likelihood, r["loglik"])
    close("loglik_null", res.log_likelihood_null, r["loglik_null"])
    for name, test in [("lr", res.likelihood_ratio_test), ("score", res.score_test),
                       ("wald", res.wald_test)]:  # fmt: skip
        key = {"lr": "lr_test", "score": "score_test", "wald": "wald_test"}[name]
        close(name, test.statistic, r[key]["statistic"])
        assert test.df == r[key]["df"], f"{what} {name} df"
        close(name + " p", test.p_value, r[key]["p"])
    if r["robust"]:
        close("robust score", res.robust_score_test.statistic, r["robust_score_test"]["statistic"])
        assert res.robust_score_test.df == r["robust_score_test"]["df"]
        assert "robust_score" in res.tests_frame()["test"].tolist()
    else:
        assert res.robust_score_test is None
    c = r["concordance"]
    close("concordance", res.concordance, c["concordance"])
    close("concordance se", res.concordance_std_err, c["std"])
    counts = res.concordance_counts
    for ours, theirs in [("concordant", "concordant"), ("discordant", "discordant"),
                         ("tied_x", "tied.x"), ("tied_y", "tied.y"), ("tied_xy", "tied.xy")]:  # fmt: skip
        assert counts[ours] == c[theirs], f"{what} concordance {ours}"
    assert res.n_iter == r["iterations"]
    assert res.metadata["robust"] == r["robust"]
    return diffs


FITS = {  # name in the JSON -> fit_cox keyword arguments
    "plain": {},
    "strata": {"strata": "stratum"},
    "cluster": {"cluster": "id"},
    "strata_cluster": {"strata": "stratum", "cluster": "id"},
}


@pytest.mark.parametrize("ties", TIES)
@pytest.mark.parametrize("kind", list(FITS))
def test_counting_process_cox_equals_r(ties, kind):
    res = fit_cox(CP, "stop", "event", COV, entry="start", ties=ties, **FITS[kind])
    check_fit(res, REF["cox"][ties][kind], f"{ties} {kind}")
    assert res.n == 891 and res.n_events == 281


@pytest.mark.parametrize("ties", TIES)
def test_row_by_row_equals_collapsed(ties):
    """The exact collapse keys (entry in the key) change nothing."""
    collapsed = fit_cox(CP, "stop", "event", ["tv", "factor3"], entry="start", ties=ties)
    rows = fit_cox(CP, "stop", "event", ["tv", "factor3"], entry="start", ties=ties,
                   collapse=False)  # fmt: skip
    assert collapsed.metadata["n_distinct_rows"] < rows.metadata["n_distinct_rows"] == 891
    np.testing.assert_allclose(collapsed.coef, rows.coef, rtol=0, atol=1e-12)
    np.testing.assert_allclose(collapsed.variance_matrix, rows.variance_matrix, atol=1e-13)
    assert collapsed.concordance == pytest.approx(rows.concordance, abs=1e-13)


@pytest.mark.parametrize("kind", ["weights", "weights_cluster"])
def test_breslow_weights_equal_r(kind):
    """With Breslow ties R's case weights are frequency weights; with cluster(id) R sums
    w * dfbeta per cluster, which recidive does too."""
    kw = {"cluster": "id"} if kind == "weights_cluster" else {}
    res = fit_cox(CP, "stop", "event", COV, entry="start", ties="breslow", weights="weight", **kw)
    r = REF["cox"]["breslow"][kind]
    np.testing.assert_allclose(res.coef, r["coef"], rtol=0, atol=TOL)
    np.testing.assert_allclose(res.std_err, r["se"], rtol=0, atol=TOL)
    np.testing.assert_allclose(res.naive_std_err, r["naive_se"], rtol=0, atol=TOL)
    assert res.log_likelihood == pytest.approx(r["loglik"], abs=TOL)
    assert res.wald_test.statistic == pytest.approx(r["wald_test"]["statistic"], abs=TOL)
    assert res.score_test.statistic == pytest.approx(r["score_test"]["statistic"], abs=TOL)
    if kw:
        rscore = r["robust_score_test"]["statistic"]
        assert res.robust_score_test.statistic == pytest.approx(rscore, abs=TOL)


@pytest.mark.parametrize("ties", TIES)
@pytest.mark.parametrize("kind", ["expanded", "expanded_cluster"])
def test_frequency_weights_equal_r_on_the_expanded_data(ties, kind):
    """Efron included: a row of weight w is w rows (in its cluster, with cluster=)."""
    kw = {"cluster": "id"} if kind == "expanded_cluster" else {}
    res = fit_cox(CP, "stop", "event", COV, entry="start", ties=ties, weights="weight", **kw)
    r = EXTRA["cox"][ties][kind]
    np.testing.assert_allclose(res.coef, r["coef"], rtol=0, atol=TOL)
    np.testing.assert_allclose(res.std_err, r["se"], rtol=0, atol=TOL)
    np.testing.assert_allclose(res.naive_std_err, r["naive_se"], rtol=0, atol=TOL)
    assert res.log_likelihood == pytest.approx(r["loglik"], abs=TOL)
    assert res.concordance == pytest.approx(r["concordance"]["concordance"], abs=TOL)
    assert res.concordance_std_err == pytest.approx(r["concordance"]["std"], abs=TOL)
    if kw:
        rscore = r["robust_score_test"]["statistic"]
        assert res.robust_score_test.statistic == pytest.approx(rscore, abs=TOL)
    assert res.n == r["n"]


@pytest.mark.parametrize("ties", TIES)
def test_time_varying_covariate_heart_equals_r(ties):
    """Stanford heart transplant: transplant switches on at the row where it happens."""
    plain = fit_cox(HEART, "stop", "event", HEART_COV, entry="start", ties=ties)
    check_fit(plain, REF["cox"][ties]["heart_plain"], f"{ties} heart")
    clustered = CoxModel(ties=ties).fit(HEART, "stop", "event", HEART_COV, entry="start",
                                        cluster="id")  # fmt: skip
    check_fit(clustered.results_, REF["cox"][ties]["heart_cluster"], f"{ties} heart cluster")
    assert clustered.results_.metadata["n_clusters"] == HEART["id"].nunique()
    summary = clustered.summary
    r = REF["cox"][ties]["heart_cluster"]
    np.testing.assert_allclose(summary["std_err"], r["se"], atol=TOL)  # robust
    np.testing.assert_allclose(summary["naive_std_err"], r["naive_se"], atol=TOL)
    assert clustered.robust_score_test_.statistic == pytest.approx(
        r["robust_score_test"]["statistic"], abs=TOL
    )


@pytest.mark.parametrize("ties", TIES)
def test_andersen_gill_and_gap_time_on_cgd_equal_r(ties):
    r = REF["recurrent"][ties]
    ag = fit_cox(CGD, "tstop", "status", CGD_COV, entry="tstart", ties=ties, cluster="id")
    check_fit(ag, r["andersen_gill"], f"{ties} Andersen-Gill")
    gap = fit_cox(CGD, "gap", "status", CGD_COV, ties=ties, cluster="id")
    check_fit(gap, r["gap_time"], f"{ties} gap time")


ALIASED = {  # name in the JSON -> covariates, keyword arguments, the aliased column
    "strata_constant": (["tv", "s2", "x", "factor3"], {"strata": "stratum"}, "s2"),
    "strata_constant_cluster": (
        ["tv", "s2", "x", "factor3"],
        {"strata": "stratum", "cluster": "id"},
        "s2",
    ),  # fmt: skip
    "linear_last": (["tv", "x", "x3", "factor3"], {}, "x3"),
    "linear_first": (["x3", "tv", "x", "factor3"], {}, "x"),
}


@pytest.mark.parametrize("ties", TIES)
@pytest.mark.parametrize("kind", list(ALIASED))
def test_aliased_covariate_is_nan_and_the_rest_equals_r(ties, kind):
    covariates, kw, aliased = ALIASED[kind]
    reason = "constant within every stratum" if "strata" in kw else "linear combination"
    with pytest.warns(
        AliasedCovariateWarning,
        match=rf"'{aliased}' is {'a ' if 'linear' in reason else ''}{reason}",
    ):
        res = fit_cox(CP, "stop", "event", covariates, entry="start", ties=ties, **kw)
    check_fit(res, REF["aliased"][ties][kind], f"{ties} {kind}")
    assert res.metadata["aliased"] == (aliased,)
    row = res.to_frame().set_index("covariate").loc[aliased]
    assert row.drop("z").isna().all()
    assert res.df == 4 and res.wald_test.df == 4


@pytest.mark.parametrize("ties", TIES)
def test_zph_on_intervals_equals_r(ties):
    for kind, kw in [("zph_plain", {}), ("zph_strata", {"strata": "stratum"})]:
        z = cox_zph(fit_cox(CP, "stop", "event", COV, entry="start", ties=ties, **kw))
        r = REF["cox"][ties][kind]
        assert z.table["term"].tolist() == r["terms"]
        np.testing.assert_allclose(z.table["chisq"], r["chisq"], atol=TOL)
        np.testing.assert_allclose(z.table["p_value"], r["p"], atol=TOL)
        assert z.table["df"].tolist() == r["df"]
    z = CoxModel(ties=ties).fit(HEART, "stop", "event", HEART_COV, entry="start")
    r = REF["cox"][ties]["zph_heart_plain"]
    np.testing.assert_allclose(z.check_proportional_hazards().table["chisq"], r["chisq"], atol=TOL)
    # R drops aliased columns from cox.zph: the stratified fit's test without s2
    with pytest.warns(AliasedCovariateWarning):
        res = fit_cox(CP, "stop", "event", ["tv", "s2", "x", "factor3"], entry="start",
                      strata="stratum", ties=ties)  # fmt: skip
    z = cox_zph(res)
    r = REF["cox"][ties]["zph_strata"]
    assert z.table["term"].tolist() == r["terms"]
    np.testing.assert_allclose(z.table["chisq"], r["chisq"], atol=TOL)


@pytest.mark.parametrize("ties", TIES)
def test_predicted_survival_on_intervals_equals_r(ties):
    x = EXTRA["cox"][ties]
    newdata = pd.DataFrame(EXTRA["newdata"])
    newdata["factor3"] = pd.Categorical(newdata["factor3"], ["a", "b", "c"])
    times = np.array(x["predict_plain"]["times"])
    plain = fit_cox(CP, "stop", "event", COV, entry="start", ties=ties)
    got = predict_survival(plain, newdata, times).to_numpy()
    expected = np.array([arr(col) for col in x["predict_plain"]["surv"]])
    np.testing.assert_allclose(got, expected, atol=TOL)
    strat = fit_cox(CP, "stop", "event", COV, entry="start", ties=ties, strata="stratum")
    got = predict_survival(strat, newdata, times).to_numpy()
    expected = np.array([arr(col) for col in x["predict_strata"]])
    last = np.array([x["strata_last_time"][s] for s in newdata["stratum"]])
    within = times[None, :] <= last[:, None]
    np.testing.assert_allclose(got[within], expected[within], atol=TOL)
    assert np.isnan(got[~within]).all()  # R carries the curve forward; recidive does not


def test_aliased_predictions_and_standardised_survival_ignore_the_aliased_column():
    with pytest.warns(AliasedCovariateWarning):
        res = fit_cox(CP, "stop", "event", ["tv", "x", "x3"], entry="start")
    reduced = fit_cox(CP, "stop", "event", ["tv", "x"], entry="start")
    people = CP.groupby("id").head(1)
    np.testing.assert_allclose(predict_survival(res, people, [5, 20]),
                               predict_survival(reduced, people, [5, 20]), atol=1e-12)  # fmt: skip


def test_standardized_survival_needs_one_row_per_clustered_person():
    cox = CoxModel().fit(CP, "stop", "event", COV, entry="start", cluster="id")
    with pytest.raises(ArgumentError, match=r"frame has several rows of one id .* 'id'"):
        cox.standardized_survival(CP, "factor3", [10])
    first = CP.groupby("id").head(1)
    out = cox.standardized_survival(first, "factor3", [10, 20])
    assert out["group"].unique().tolist() == ["a", "b", "c"]


def test_fits_raise_no_numpy_warning():
    """Aliasing, separation-free clustered and stratified fits: no numpy warning escapes."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", AliasedCovariateWarning)
        for covariates in (["tv", "s2", "x", "factor3"], ["tv", "x", "x3"]):
            res = fit_cox(CP, "stop", "event", covariates, entry="start", strata="stratum",
                          cluster="id")  # fmt: skip
            res.to_frame(), res.tests_frame(), res.concordance, cox_zph(res)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"entry": "stop"},
            r"entry column 'stop' is not before duration column 'stop' in 891 rows",
        ),
        ({"entry": "nope"}, r"entry column \['nope'\] not in the frame"),
        ({"entry": "start", "robust": True}, r"robust=True with entry= needs cluster="),
        ({"cluster": "nope"}, r"cluster column \['nope'\] not in the frame"),
        ({"cluster": "gappy"}, r"cluster column 'gappy' has missing values in 1 rows"),
        (
            {"entry": "start", "strata": "stratum", "covariates": ["s2"]},
            r"every covariate is aliased",
        ),
    ],
)
def test_argument_errors(kwargs, message):
    frame = CP.assign(gappy=CP["id"].where(CP.index != 5))
    kwargs = {"covariates": COV, **kwargs}
    with pytest.raises(ArgumentError, match=message), warnings.catch_warnings():
        warnings.simplefilter("ignore", AliasedCovariateWarning)
        fit_cox(frame, "stop", "event", **kwargs)


def test_constant_covariate_is_still_an_error():
    with pytest.raises(ArgumentError, match=r"covariate 'one' is constant"):
        fit_cox(CP.assign(one=1.0), "stop", "event", ["tv", "one"], entry="start")
