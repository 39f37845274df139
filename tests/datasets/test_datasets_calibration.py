"""The parameters are solved from the model's population values and stored as constants."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import DOMESTIC, estimated_figures

import recidive as rc
from recidive.datasets import _parameters
from recidive.datasets._calibration import calibrate, calibrated_constants, published_targets
from recidive.datasets._population import (
    Quadrature,
    covariate_grid,
    exit_cohorts,
    exit_year_rates,
    horizon_years,
    km_limit,
    population_values,
)

DATASETS_DIR = Path(rc.datasets.__file__).parent
PARAMS = _parameters.REFERENCE_PARAMETERS


@pytest.fixture(scope="module")
def solved():
    """The one recalibration of the reference model in the suite (about 3 s)."""
    return calibrate()


def test_calibration_reproduces_the_stored_constants(solved):
    stored = calibrated_constants(PARAMS)
    fresh = calibrated_constants(solved)
    assert fresh.keys() == stored.keys()
    for name in stored:
        if isinstance(stored[name], dict):
            for cat in stored[name]:
                assert fresh[name][cat] == pytest.approx(stored[name][cat], rel=1e-8)
        else:
            assert np.allclose(fresh[name], stored[name], rtol=1e-8, atol=0)


def test_population_values_equal_the_published_figures():
    values = population_values(PARAMS)
    for name, target in published_targets().items():
        assert values[name] == pytest.approx(target, abs=1e-8)


def test_published_targets_are_read_from_the_reference_file():
    assert published_targets() == {
        "general_2y": 0.36,
        "general_5y": 0.58,
        "general_7y": 0.65,
        "property_5y": 0.28,
        "violence_5y": 0.25,
        "drugs_5y": 0.12,
        "human_trafficking_5y": 0.09,
        "share_under_23": 0.333,
        "share_recidivists_under_23": 0.42,
    }


def test_other_targets_and_fixed_parameters_give_other_figures_through_the_pipeline():
    # the figures come from the model, not from constants: change fixed parameters and
    # calibrate to other targets, and the pipeline recovers those instead
    targets = published_targets() | {
        "general_2y": 0.30,
        "general_5y": 0.48,
        "general_7y": 0.55,
        "property_5y": 0.20,
        "share_under_23": 0.5,
    }
    params = calibrate(targets, frailty_var=1.0, death_rate=0.02)
    assert params.frailty_var == 1.0 and params.death_rate == 0.02
    assert params.beta_age != _parameters.BETA_AGE
    values = population_values(params)
    assert all(values[k] == pytest.approx(v, abs=1e-8) for k, v in targets.items())
    tables = rc.datasets.simulate_registry(120_000, seed=9, params=params)
    est = estimated_figures(rc.Registry(**tables, cutoff_date=params.cutoff_date))
    for name, target in targets.items():  # 84,000 persons: Monte Carlo SD at most 0.3 point
        assert est[name] == pytest.approx(target, abs=0.01), name


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize(
    "module",
    [
        "_model.py",
        "_sampler.py",
        "_population.py",
        "_calibration.py",
        "_parameters.py",
        "_reference.py",
    ],
)
def test_the_generator_and_calibration_never_see_estimates(module):
    imported = _imported_modules(DATASETS_DIR / module)
    forbidden = {
        "recidive.cohort",
        "recidive.cohort_rates",
        "recidive.estimation",
        "recidive.rules",
    }
    assert not {m for m in imported if any(m.startswith(f) for f in forbidden)}


def test_parameters_are_plain_documented_constants():
    assert PARAMS.age_scale == _parameters.AGE_SCALE
    assert PARAMS.baseline_rates == _parameters.BASELINE_RATES
    assert dataclasses.is_dataclass(PARAMS)
    assert "python -m recidive.datasets._calibration" in _parameters.__doc__


def test_a_finer_quadrature_gives_the_same_values_to_1e_5():
    fine = Quadrature(n_age=480, lattice_step=0.0025, gauss_nodes=16, min_weight=1e-15)
    coarse = population_values(PARAMS)
    finer = population_values(PARAMS, grid=covariate_grid(PARAMS, quadrature=fine))
    for name in coarse:
        assert finer[name] == pytest.approx(coarse[name], abs=1e-5), name


def test_exit_cohorts_follow_entry_and_custody():
    cohorts = exit_cohorts(PARAMS)
    assert cohorts.years[0] == 2008 and cohorts.years[-1] == 2022
    assert cohorts.weight.sum() == pytest.approx(1.0, abs=1e-12)
    # disposals are uniform over 2009-2019; custody moves a share into the next years
    full = dict(zip(cohorts.years, cohorts.weight, strict=True))
    assert full[2008] < full[2009] < full[2010] == pytest.approx(full[2015], rel=0.05)
    assert full[2020] > full[2021] > full[2022] > 0
    at_risk = cohorts.at_risk(np.array([0.0, 2.0, 7.0]))
    assert np.allclose(at_risk[:, 0], 1.0)
    assert at_risk[cohorts.years == 2012][0, 2] == pytest.approx(1.0)  # followed >= 8.5 years
    assert at_risk[cohorts.years == 2021][0, 1] == 0.0  # never followed 2 years


def test_the_kaplan_meier_limit_is_not_the_mixture_of_the_persons_curves():
    # later exit cohorts are followed for a shorter time and are younger, with more prior
    # cases: censoring depends on the covariates, and Kaplan-Meier converges to the
    # censoring-weighted curve the calibration matches, not to E[S(t | X)]
    grid = covariate_grid(PARAMS)
    h = (horizon_years(7),)
    km, mixture = km_limit(PARAMS, grid, h), km_limit(PARAMS, grid, h, censored=False)
    assert km["all"][0, 0] == pytest.approx(0.65, abs=1e-8)
    assert mixture["all"][0, 0] - km["all"][0, 0] > 0.002
    # without the drift over exit years censoring is independent of the covariates
    # within the form, and the two agree
    still = dataclasses.replace(PARAMS, age_scale_trend=0.0, prior_trend=0.0, log_hazard_trend=0.0)
    grid = covariate_grid(still)
    a, b = km_limit(still, grid, h), km_limit(still, grid, h, censored=False)
    assert all(a[g][0, 0] == pytest.approx(b[g][0, 0], abs=1e-12) for g in a)


def test_the_mixture_agrees_with_a_monte_carlo_of_the_model():
    # the latent counted-reoffence process without censoring: exit year, form, covariates
    # by form and exit year, frailty; half a million draws
    rng = np.random.default_rng(20221206)
    n = 500_000
    cohorts = exit_cohorts(PARAMS)
    forms = list(PARAMS.exploitation_shares)
    shares = np.array(list(PARAMS.exploitation_shares.values()))
    year = rng.choice(cohorts.years, size=n, p=cohorts.weight)
    form = np.asarray(forms, dtype=object)[rng.choice(len(forms), size=n, p=shares)]
    shape, scale = PARAMS.age_gamma(form, year)
    age = PARAMS.age_min + rng.gamma(shape, scale)
    mu = PARAMS.prior_mean(age, year)
    prior = rng.negative_binomial(PARAMS.prior_size, PARAMS.prior_size / (PARAMS.prior_size + mu))
    female = rng.random(n) >= PARAMS.share_male
    z = rng.gamma(1 / PARAMS.frailty_var, PARAMS.frailty_var, n)
    intensity = z * np.exp(PARAMS.log_relative_hazard(age, prior, female, form, year))
    grid = covariate_grid(PARAMS, tuple(forms))
    horizons = tuple(horizon_years(h) for h in (2, 5, 7))
    mixture = km_limit(PARAMS, grid, horizons, censored=False)
    young = age < 23
    for i, t in enumerate(horizons):
        p_event = 1 - np.exp(-intensity * PARAMS.baseline_cumhaz(t))
        assert p_event.mean() == pytest.approx(mixture["all"][0, i], abs=0.003)
        assert p_event[young].mean() == pytest.approx(mixture["<23"][0, i], abs=0.004)
    assert young.mean() == pytest.approx(grid.share_young(), abs=0.003)


def test_observed_recidivism_by_exit_year_trends_partly_because_of_composition():
    rates = exit_year_rates(PARAMS, horizon=2).set_index("exit_year")
    observed, adjusted = rates["observed_rate"], rates["adjusted_rate"]
    # the composition drifts towards more risk (younger, more prior cases) while the true
    # recidivism declines: observed rises a little, adjusted falls
    assert 0.01 < observed[2019] - observed[2008] < 0.06
    assert -0.08 < adjusted[2019] - adjusted[2008] < -0.02
    assert rates.loc[[2021, 2022], "observed_rate"].isna().all()  # never followed 2 years


def test_constant_recidivism_parameters_give_an_observed_trend_and_a_flat_adjusted_one():
    params = rc.datasets.constant_recidivism_parameters()
    assert params.log_hazard_trend == 0.0 and params.age_scale_trend == PARAMS.age_scale_trend
    rates = exit_year_rates(params, horizon=2).dropna().set_index("exit_year")
    assert np.ptp(rates["adjusted_rate"]) < 1e-12
    assert rates["observed_rate"].is_monotonic_increasing
    assert rates.loc[2019, "observed_rate"] - rates.loc[2008, "observed_rate"] > 0.05


def test_a_simulated_registry_without_true_change_shows_the_models_observed_trend():
    params = rc.datasets.constant_recidivism_parameters()
    tables = rc.datasets.simulate_registry(120_000, seed=17, params=params)
    cohort = rc.build_cohort(rc.Registry(**tables, cutoff_date=params.cutoff_date), DOMESTIC)
    persons = cohort.persons.assign(exit_year=cohort.persons["start_date"].dt.year)
    years = list(range(2009, 2020))
    frame = persons[persons["exit_year"].isin(years)]
    rates = rc.survival_rates(
        frame, duration="general_days", event="general_event", by=["exit_year"], horizons=(2,)
    ).to_frame()
    observed = rates[rates["exit_year"] != "all"].astype({"exit_year": int})
    model = exit_year_rates(params, horizon=2).set_index("exit_year")["observed_rate"]
    # about 7,000 persons an exit year: Monte Carlo SD about 0.6 point
    got = observed.set_index("exit_year")["rate"]
    assert np.allclose(got[years], model[years], atol=0.025)
    slope = np.polyfit(years, got[years], 1)[0]
    assert slope == pytest.approx(np.polyfit(years, model[years], 1)[0], abs=0.002)
    assert pd.Series(got[years]).iloc[-3:].mean() - pd.Series(got[years]).iloc[:3].mean() > 0.03
