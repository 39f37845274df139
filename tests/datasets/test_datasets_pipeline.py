"""The pipeline recovers the published figures from the reference registry, and every cohort
rule changes them."""

from __future__ import annotations

import pytest

import recidive as rc
from recidive.datasets._calibration import published_targets

TARGETS = published_targets()


@pytest.fixture(scope="module")
def population_figures(figures) -> dict:
    """Figures from one registry of population size (400,000 persons)."""
    return figures(rc.datasets.reference_registry(n_persons=400_000, seed=2022))


@pytest.mark.parametrize("name", list(TARGETS))
def test_population_size_recovers_every_target_within_half_a_point(population_figures, name):
    assert population_figures[name] == pytest.approx(TARGETS[name], abs=0.005)


@pytest.mark.parametrize("name", list(TARGETS))
def test_default_size_recovers_every_target_within_one_point(default_figures, name):
    assert default_figures[name] == pytest.approx(TARGETS[name], abs=0.01)


def test_raw_share_of_young_recidivists_is_reported_next_to_the_corrected_one(default_figures):
    # not a target: the share under 23 among all recidivists observed over their own follow-up
    assert 0.38 < default_figures["raw_share_recidivists_under_23"] < 0.46


@pytest.fixture(scope="module")
def rule_effects(default_registry, figures, default_figures) -> dict:
    """Change (percentage points) of every figure when one rule departs from the default."""
    variants = {
        "count_acquittals": rc.CohortRules(excluded_disposals=()),
        "ignore_deaths": rc.CohortRules(censor_at_death=False),
        "ignore_emigration": rc.CohortRules(censor_at_emigration=False),
        "start_at_disposal": rc.CohortRules(start="disposal"),
        "count_non_crimes": rc.CohortRules(crimes_only=False),
        "remove_detention_time": rc.CohortRules(remove_detention_time=True),
    }
    out = {}
    for label, rules in variants.items():
        fig = figures(default_registry, rules)
        out[label] = {k: 100 * (fig[k] - default_figures[k]) for k in TARGETS}
    return out


def test_counting_acquittals_and_dismissals_raises_recidivism_by_over_3_points(rule_effects):
    effect = rule_effects["count_acquittals"]
    assert all(effect[f"general_{h}y"] > 3.0 for h in (2, 5, 7))


def test_counting_non_crimes_raises_recidivism_by_over_2_points(rule_effects):
    effect = rule_effects["count_non_crimes"]
    assert all(effect[f"general_{h}y"] > 2.0 for h in (2, 5, 7))


def test_not_censoring_at_death_lowers_7_year_recidivism_by_over_1_point(rule_effects):
    # the dead stay in the risk set without being able to reoffend
    assert rule_effects["ignore_deaths"]["general_7y"] < -1.0


def test_not_censoring_at_emigration_lowers_7_year_recidivism_by_over_1_point(rule_effects):
    assert rule_effects["ignore_emigration"]["general_7y"] < -1.0


def test_starting_at_disposal_lowers_2_year_recidivism_by_over_2_points(rule_effects):
    # custody time (with few offences) enters the clock, and offences in custody count
    assert rule_effects["start_at_disposal"]["general_2y"] < -2.0


def test_removing_detention_time_raises_specific_recidivism(rule_effects):
    # detentions follow convictions, so they mostly fall after the first reoffence: they
    # shorten the time at risk to a first case of a given category
    effect = rule_effects["remove_detention_time"]
    assert all(effect[f"{cat}_5y"] > 0.15 for cat in ("property", "violence", "drugs"))
    assert effect["general_7y"] >= 0.0


def test_the_default_rules_leave_the_age_shares_of_offenders_alone(rule_effects):
    for label in ("count_acquittals", "ignore_deaths", "count_non_crimes"):
        assert rule_effects[label]["share_under_23"] == pytest.approx(0.0, abs=1e-9)
