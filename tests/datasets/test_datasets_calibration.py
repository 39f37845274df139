"""The parameters are solved from the model's population values and stored as constants."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import numpy as np
import pytest

import recidive as rc
from recidive.datasets import _parameters
from recidive.datasets._calibration import calibrate, calibrated_constants, published_targets
from recidive.datasets._population import population_values

DATASETS_DIR = Path(rc.datasets.__file__).parent


@pytest.fixture(scope="module")
def solved():
    return calibrate()


def test_calibration_reproduces_the_stored_constants(solved):
    stored = calibrated_constants(_parameters.REFERENCE_PARAMETERS)
    fresh = calibrated_constants(solved)
    assert fresh.keys() == stored.keys()
    for name in stored:
        if isinstance(stored[name], dict):
            for cat in stored[name]:
                assert fresh[name][cat] == pytest.approx(stored[name][cat], rel=1e-8)
        else:
            assert np.allclose(fresh[name], stored[name], rtol=1e-8, atol=0)


def test_population_values_equal_the_published_figures():
    values = population_values(_parameters.REFERENCE_PARAMETERS)
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


def test_other_targets_give_other_figures_through_the_pipeline(figures):
    # the figures come from the model, not from constants: calibrate to other targets and the
    # pipeline recovers those instead
    targets = published_targets() | {
        "general_2y": 0.30,
        "general_5y": 0.48,
        "general_7y": 0.55,
        "property_5y": 0.20,
        "share_under_23": 0.5,
    }
    params = calibrate(targets)
    assert population_values(params)["general_7y"] == pytest.approx(0.55, abs=1e-8)
    tables = rc.datasets.simulate_registry(100_000, seed=9, params=params)
    est = figures(rc.Registry(**tables, cutoff_date=params.cutoff_date))
    for name, target in targets.items():
        assert est[name] == pytest.approx(target, abs=0.01)


def test_fixed_parameters_can_be_changed_and_the_rest_re_solved():
    params = calibrate(frailty_var=1.0, death_rate=0.02)
    assert params.frailty_var == 1.0 and params.death_rate == 0.02
    assert params.beta_age != _parameters.BETA_AGE
    assert population_values(params)["general_5y"] == pytest.approx(0.58, abs=1e-8)


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
    params = _parameters.REFERENCE_PARAMETERS
    assert params.age_scale == _parameters.AGE_SCALE
    assert params.baseline_rates == _parameters.BASELINE_RATES
    assert dataclasses.is_dataclass(params)
    assert "python -m recidive.datasets._calibration" in _parameters.__doc__


def test_closed_form_population_values_agree_with_a_monte_carlo_of_the_model():
    # the latent counted-reoffence process without censoring, one million draws
    params = _parameters.REFERENCE_PARAMETERS
    rng = np.random.default_rng(20221206)
    n = 1_000_000
    age = params.age_min + rng.gamma(params.age_shape, params.age_scale, n)
    mu = params.prior_mean(age)
    prior = rng.negative_binomial(params.prior_size, params.prior_size / (params.prior_size + mu))
    female = rng.random(n) >= params.share_male
    z = rng.gamma(1 / params.frailty_var, params.frailty_var, n)
    intensity = z * np.exp(params.log_relative_hazard(age, prior, female))
    values = population_values(params)
    for h in (2, 5, 7):
        t = np.floor(h * 365.25) / 365.25
        p_event = 1 - np.exp(-intensity * params.baseline_cumhaz(t))
        assert p_event.mean() == pytest.approx(values[f"general_{h}y"], abs=0.002)
    share = params.category_share["property"]
    p_event = 1 - np.exp(-share * intensity * params.baseline_cumhaz(np.floor(5 * 365.25) / 365.25))
    assert p_event.mean() == pytest.approx(values["property_5y"], abs=0.002)
