"""The reoffending frequency of the reference registry agrees with its generating model.

Two references, neither from the estimator: the expectation of the MCF estimate given the
persons' covariates and follow-up (exact: the counted cases are a Poisson process with a
frailty of mean 1, and who is at risk does not depend on it), and the model's population
value by quadrature. The estimate is that of the offenders of domestic sexual exploitation
(the seed's population) of the population-size registry (280,000 of them), where the
sampling error is small; the tolerance is four of the estimate's own standard errors.
Counting case-offence rows instead of cases would be about 39% too high (a case holds one
row per offence category, and some a second row of one): far outside it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import recidive as rc
from recidive.datasets._frequency import expected_mcf, mcf_limit
from recidive.datasets._model import REFERENCE_FORM
from recidive.datasets._parameters import REFERENCE_PARAMETERS

HORIZONS = (2, 5, 7)


@pytest.fixture(scope="module")
def domestic(population_cohort):
    persons = population_cohort.persons
    mine = persons[persons["exploitation_form"] == REFERENCE_FORM].reset_index(drop=True)
    return dataclasses.replace(population_cohort, persons=mine)


@pytest.fixture(scope="module")
def estimate(domestic):
    return rc.reoffending_frequency(domestic, horizons=HORIZONS).to_frame()


def test_frequency_equals_its_expectation_given_the_persons(domestic, estimate):
    p = domestic.persons
    log_r = REFERENCE_PARAMETERS.log_relative_hazard(
        p["age_at_index"].to_numpy(), p["prior_cases"].to_numpy(), (p["sex"] == "F").to_numpy(),
        p["exploitation_form"].astype(str).to_numpy(), p["start_date"].dt.year.to_numpy(),
    )  # fmt: skip
    expected = expected_mcf(REFERENCE_PARAMETERS, log_r, p["followup_days"].to_numpy(), HORIZONS)
    se = estimate["std_err"].to_numpy()
    assert (se / estimate["mcf"] < 0.02).all()  # a precise estimate
    np.testing.assert_array_less(np.abs(estimate["mcf"] - expected), 4 * se)


def test_frequency_equals_the_population_value(estimate):
    limit = mcf_limit(REFERENCE_PARAMETERS, HORIZONS)
    np.testing.assert_array_less(np.abs(estimate["mcf"] - limit), 4 * estimate["std_err"])
    # in a world without death the frequency exceeds the one where death ends it
    assert (estimate["mcf_death_terminal"] < estimate["mcf"]).all()
