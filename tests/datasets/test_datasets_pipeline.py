"""The pipeline recovers the published figures from the reference registry's population, the
other exploitation forms differ from it, and every cohort rule changes the figures."""

from __future__ import annotations

import pytest
from conftest import cohort_figures, form_figures

import recidive as rc
from recidive.datasets._calibration import published_targets
from recidive.datasets._parameters import REFERENCE_PARAMETERS
from recidive.datasets._population import population_values

TARGETS = published_targets()
OTHER_FORMS = ("grensoverschrijdend_seksueel", "arbeid", "crimineel", "overig")


@pytest.fixture(scope="module")
def population_figures(figures, population_registry) -> dict:
    """The seed's population of one registry of population size (about 280,000 persons)."""
    return figures(population_registry)


@pytest.fixture(scope="module")
def figures_by_form(population_cohort) -> dict:
    """Every figure of each exploitation form, and of everyone, at population size."""
    out = {f: form_figures(population_cohort, f) for f in OTHER_FORMS}
    out["all"] = cohort_figures(population_cohort)
    return out


@pytest.mark.parametrize("name", list(TARGETS))
def test_population_size_recovers_every_target_within_half_a_point(population_figures, name):
    # Monte Carlo SD about 0.1 point
    assert population_figures[name] == pytest.approx(TARGETS[name], abs=0.005)


@pytest.mark.parametrize("form", [*OTHER_FORMS, "all"])
def test_every_form_recovers_the_models_values(figures_by_form, form):
    # the model's values are Kaplan-Meier limits computed by quadrature (no simulation);
    # 16,000 to 84,000 persons a form here: Monte Carlo SD 0.2-0.4 point
    forms = tuple(REFERENCE_PARAMETERS.exploitation_shares) if form == "all" else (form,)
    model = population_values(REFERENCE_PARAMETERS, forms)
    for name in TARGETS:
        assert figures_by_form[form][name] == pytest.approx(model[name], abs=0.015), name


def test_the_other_forms_differ_from_the_seed_population(figures_by_form):
    general = {f: figures_by_form[f]["general_7y"] for f in OTHER_FORMS}
    young = {f: figures_by_form[f]["share_under_23"] for f in OTHER_FORMS}
    assert all(abs(rate - TARGETS["general_7y"]) > 0.1 for rate in general.values())
    assert all(abs(share - TARGETS["share_under_23"]) > 0.1 for share in young.values())
    # labour exploitation: older, lowest recidivism; criminal exploitation: young, highest
    assert min(general, key=general.get) == "arbeid" == min(young, key=young.get)
    assert max(general, key=general.get) == "crimineel" == max(young, key=young.get)
    # the whole registry is not the seed's population
    assert TARGETS["general_7y"] - figures_by_form["all"]["general_7y"] > 0.03


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
        "count_acquittals": {"excluded_disposals": ()},
        "ignore_deaths": {"censor_at_death": False},
        "ignore_emigration": {"censor_at_emigration": False},
        "start_at_disposal": {"start": "disposal"},
        "count_non_crimes": {"crimes_only": False},
        "remove_detention_time": {"remove_detention_time": True},
    }
    out = {}
    for label, rule in variants.items():
        rules = rc.CohortRules(population=rc.datasets.REFERENCE_POPULATION, **rule)
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
