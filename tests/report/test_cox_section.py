"""The section's Cox model: prior cases on log2(1 + n), continuous age, pooled small forms,
and the proportional-hazards check.

The expected hazard ratio of prior cases is worked out by simulation from the generator's
own parameters (``recidive.datasets._parameters.REFERENCE_PARAMETERS``): given each
person's covariates and observed censoring time, event times are drawn from the model's
gamma-frailty Poisson process and the same Cox model is fitted. The frailty attenuates
the marginal (population-averaged) coefficient below the conditional one, 0.25 x ln 2 per
doubling of 1 + n; the section's estimate must agree with the simulated marginal value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import recidive as rc
from recidive.datasets._parameters import REFERENCE_PARAMETERS as P
from recidive.report.cox_content import cox_content
from recidive.report.cox_design import POOLED_FORMS, cox_design
from recidive.report.i18n import text
from recidive.report.qualifiers import QualifierRules

REPLICATES = 3


def _simulated_coefficients(cohort, design, seed: int = 20251201) -> pd.DataFrame:
    """Cox coefficients of event times drawn from the generator's model, same censoring."""
    p = cohort.persons
    log_r = P.log_relative_hazard(
        p["age_at_index"].to_numpy(float),
        p["prior_cases"].to_numpy(float),
        (p["sex"].astype(str) == "F").to_numpy(),
        p["exploitation_form"].astype(str).to_numpy(),
        p["start_date"].dt.year.to_numpy(float),
    )
    rng = np.random.default_rng(seed)
    v = P.frailty_var
    covariates = [r[0] for r in design.rows]
    censor = p["followup_days"].to_numpy(float)
    fits = []
    for _ in range(REPLICATES):
        frailty = rng.gamma(1 / v, v, len(p))
        target = rng.exponential(size=len(p)) / (frailty * np.exp(log_r))
        days = P.baseline_cumhaz_inverse(target) * 365.25
        sim = design.frame.assign(days=np.minimum(days, censor), event=(days <= censor) * 1)
        fit = rc.CoxModel().fit(sim, "days", "event", covariates)
        fits.append(fit.summary.set_index("covariate")["coef"])
    return pd.DataFrame(fits)


def test_prior_cases_get_the_attenuated_marginal_hazard_ratio(default_cohort):
    frame = default_cohort.survival_frame("general")
    cox = cox_content(frame, 10, frozenset(), QualifierRules())
    row = cox.table.set_index("covariate").loc["prior_log2"]
    assert row["ci_lower"] > 1.05  # clearly positive
    design = cox_design(frame, 10, QualifierRules())
    fit = rc.CoxModel().fit(design.frame, "days", "event", [r[0] for r in design.rows])
    observed = fit.summary.set_index("covariate").loc["prior_log2"]
    sims = _simulated_coefficients(default_cohort, design)["prior_log2"]
    conditional = P.beta_prior * np.log(2)
    expected = float(sims.mean())
    assert expected < conditional - 0.01  # the frailty attenuates
    se = np.hypot(float(observed["std_err"]), float(sims.std(ddof=1)) / np.sqrt(REPLICATES))
    assert abs(float(observed["coef"]) - expected) < 3 * se
    assert row["hazard_ratio"] == pytest.approx(np.exp(observed["coef"]), abs=0.005)


def test_the_proportional_hazards_check_is_reported_per_term_and_globally(default_cohort):
    cox = cox_content(default_cohort.survival_frame("general"), 10, frozenset(), QualifierRules())
    zph = cox.zph.set_index("term")
    assert list(zph.index) == [*cox.table["covariate"], "GLOBAL"]
    assert zph.loc["GLOBAL", "df"] == len(cox.table)
    # the frailty makes the age effect weaken over time: the test sees it
    assert bool(zph.loc["age_decades", "rejected"]) and zph.loc["age_decades", "p_value"] < 0.05
    assert (zph["rejected"] == (zph["p_value"] < 0.05)).all()


def _with_small_forms(cohort, small: dict[str, int]) -> pd.DataFrame:
    """The survival frame with a few persons relabelled to small forms."""
    frame = cohort.survival_frame("general").copy()
    forms = np.full(len(frame), "binnenlands_seksueel", dtype=object)
    start = 0
    rng = np.random.default_rng(3)
    order = rng.permutation(len(frame))
    for form, k in small.items():
        forms[order[start : start + k]] = form
        start += k
    frame["exploitation_form"] = forms
    return frame


def test_small_forms_are_pooled_into_a_labelled_group(small_cohort):
    frame = _with_small_forms(small_cohort, {"arbeid": 9, "crimineel": 9, "overig": 9})
    cox = cox_content(frame, 10, frozenset(), QualifierRules())
    table = cox.table.set_index("covariate")
    assert POOLED_FORMS in table.index
    assert table.loc[POOLED_FORMS, "label_key"] == "cov_form_pooled"
    assert {"arbeid", "crimineel", "overig"} <= set(cox.pooled)
    assert "overige vormen (samengevoegd)" in text("cov_form_pooled", "nl", ref="x")
    assert "other forms (pooled)" in text("cov_form_pooled", "en", ref="x")


def test_a_pool_too_small_joins_the_reference_which_says_so(small_cohort):
    frame = _with_small_forms(small_cohort, {"arbeid": 60, "overig": 3})
    cox = cox_content(frame, 10, frozenset(), QualifierRules())
    keys = set(cox.table["label_key"])
    assert "cov_form_ref_pooled" in keys and "cov_form" not in keys
    assert POOLED_FORMS not in set(cox.table["covariate"])
    assert "overig" in cox.pooled
