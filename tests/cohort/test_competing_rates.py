"""recidivism_rates(estimator="aalen-johansen"): death competes, emigration censors.

References: R ``cmprsk::cuminc`` (point estimates) and R ``survfit``'s multi-state curves
(standard errors and log intervals) on ``tests/data/sim_competing.csv``
(``tests/r/cuminc_rates.R`` -> ``tests/r/cuminc_rates.json``), and
:func:`recidive.cumulative_incidence` on the reference registry's cohort.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import recidive as rc
from recidive.cohort import Cohort

HERE = Path(__file__).resolve().parents[1]
REF = json.loads((HERE / "r" / "cuminc_rates.json").read_text())
SIM = pd.read_csv(HERE / "data" / "sim_competing.csv")


def _sim_cohort() -> Cohort:
    """A cohort whose general criterion is the simulated data: cause 2 = death."""
    n = len(SIM)
    persons = pd.DataFrame(
        {
            "person_id": np.arange(n),
            "sex": SIM["sex"],
            "birth_date": pd.Timestamp("1980-01-01"),
            "age_at_index": 30.0,
            "age_band": "30-39",
            "age_group": "23+",
            "exploitation_form": SIM["group"],
            "prior_cases": 0,
            "start_date": pd.Timestamp("2010-01-01"),
            "end_date": pd.Timestamp("2018-01-01"),
            # emigration must stay censoring: the censored rows alternate cut_off/emigration
            "end_reason": np.where(
                SIM["cause"] == 2, "death", np.where(np.arange(n) % 2, "emigration", "cut_off")
            ),
            "followup_days": SIM["days"],
            "general_days": SIM["days"],
            "general_event": (SIM["cause"] == 1).astype("int8"),
        }
    )
    return Cohort(
        persons,
        pd.DataFrame(),
        pd.DataFrame(),
        rc.CohortRules(),
        pd.Timestamp("2018-01-01"),
        "sim",
        ("general",),
    )


@pytest.fixture(scope="module")
def sim_rates() -> pd.DataFrame:
    table = rc.recidivism_rates(
        _sim_cohort(),
        horizons=(2, 5, 7),
        by=["exploitation_form"],
        estimator="aalen-johansen",
        conf_type="log",
    )
    assert table.metadata["estimator"] == "aalen_johansen"
    return table.to_frame()


@pytest.mark.parametrize("block", ["overall", "group_a", "group_b", "group_c"])
def test_point_estimates_equal_cmprsk_cuminc(sim_rates, block):
    group = "all" if block == "overall" else block.split("_")[1]
    rows = sim_rates[sim_rates["exploitation_form"] == group].sort_values("horizon_years")
    expected = REF["cuminc"][block]["cause_1"]["cif"]
    np.testing.assert_allclose(rows["rate"], expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("block", ["overall", "group_a", "group_b", "group_c"])
def test_standard_errors_and_intervals_equal_survfit_multistate(sim_rates, block):
    group = "all" if block == "overall" else block.split("_")[1]
    rows = sim_rates[sim_rates["exploitation_form"] == group].sort_values("horizon_years")
    ref = REF["survfit"][block]["cause_1"]
    np.testing.assert_allclose(rows["std_err"], ref["std_err"], rtol=1e-8)
    np.testing.assert_allclose(rows["ci_lower"], ref["lower"], rtol=1e-8)
    np.testing.assert_allclose(rows["ci_upper"], ref["upper"], rtol=1e-8)
    n = len(SIM) if group == "all" else int((SIM["group"] == group).sum())
    assert (rows["n"] == n).all()


def test_emigration_is_censoring_and_death_competes():
    """Only deaths move rate from the Kaplan-Meier value: with no deaths the two agree."""
    cohort = _sim_cohort()
    persons = cohort.persons.assign(
        end_reason=np.where(cohort.persons["end_reason"] == "death", "emigration", "cut_off")
    )
    no_death = Cohort(
        persons,
        *[
            getattr(cohort, f)
            for f in ("attrition", "cases", "rules", "cutoff_date", "fingerprint", "criteria")
        ],
    )
    aj = rc.recidivism_rates(no_death, estimator="aalen-johansen").to_frame()
    km = rc.recidivism_rates(no_death).to_frame()
    np.testing.assert_allclose(aj["rate"], km["rate"], atol=1e-12)
    with_death = rc.recidivism_rates(cohort, estimator="aalen-johansen").to_frame()
    assert (with_death["rate"].to_numpy() < km["rate"].to_numpy()).all()


def test_equals_cumulative_incidence_on_the_reference_cohort():
    reg = rc.datasets.reference_registry(n_persons=3000, seed=11)
    cohort = rc.build_cohort(reg)
    assert (cohort.persons["end_reason"] == "death").sum() > 0
    table = rc.recidivism_rates(
        cohort,
        ["general", "violence"],
        horizons=(2, 5),
        by=["age_group"],
        estimator="aalen-johansen",
    ).to_frame()
    persons = cohort.persons
    for criterion in ("general", "violence"):
        for group in ("all", "<23", "23+"):
            rows = persons if group == "all" else persons[persons["age_group"] == group]
            event = rows[f"{criterion}_event"].to_numpy()
            cause = np.where(event == 1, 1, np.where(rows["end_reason"] == "death", 2, 0))
            cif = rc.cumulative_incidence(rows[f"{criterion}_days"], cause, conf_type="log-log").at(
                np.array([2, 5]) * 365.25
            )
            got = table[(table["criterion"] == criterion) & (table["age_group"] == group)]
            np.testing.assert_allclose(got["rate"], cif["cif"], rtol=0, atol=1e-10)
            np.testing.assert_allclose(got["std_err"], cif["std_err"], rtol=0, atol=1e-10)
            np.testing.assert_allclose(got["ci_upper"], cif["ci_upper"], rtol=0, atol=1e-10)


def test_unknown_estimator_is_refused():
    with pytest.raises(rc.errors.ArgumentError, match="estimator must be one of"):
        rc.recidivism_rates(_sim_cohort(), estimator="nelson-aalen")
