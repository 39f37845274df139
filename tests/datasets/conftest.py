"""Fixtures of the dataset tests: registries generated once, and the pipeline's figures."""

from __future__ import annotations

import dataclasses

import pytest

import recidive as rc

CATEGORIES = ("property", "violence", "drugs", "human_trafficking")

#: The seed's population, the one the reference registry is calibrated for.
DOMESTIC = rc.CohortRules(population=rc.datasets.REFERENCE_POPULATION)


def estimated_figures(registry: rc.Registry, rules: rc.CohortRules = DOMESTIC) -> dict:
    """``build_cohort``, ``recidivism_rates`` and ``age_profile``: every published figure.

    By default for the seed's population (offenders of domestic sexual exploitation); keyed
    as the targets. ``share_recidivists_under_23`` is ``age_profile``'s corrected share
    ``p F<23(7) / (p F<23(7) + (1 - p) F23+(7))`` with ``F`` = 1 - Kaplan-Meier by age group;
    ``raw_share_recidivists_under_23`` the share under 23 among the recidivists seen within 7 years.
    """
    return cohort_figures(rc.build_cohort(registry, rules))


def cohort_figures(cohort: rc.Cohort) -> dict:
    """Every published figure of a cohort (see :func:`estimated_figures`)."""
    criteria = ["general", *CATEGORIES]
    rates = rc.recidivism_rates(cohort, criteria, horizons=(2, 5, 7)).to_frame()
    rate = rates.set_index(["criterion", "horizon_years"])["rate"]
    out = {f"general_{h}y": float(rate["general", float(h)]) for h in (2, 5, 7)}
    out.update({f"{cat}_5y": float(rate[cat, 5.0]) for cat in CATEGORIES})
    profile = rc.age_profile(cohort, horizon_years=7)
    out["share_under_23"] = profile.share_young_offenders
    out["share_recidivists_under_23"] = profile.share_young_recidivists
    out["raw_share_recidivists_under_23"] = profile.share_young_recidivists_raw
    return out


def form_figures(cohort: rc.Cohort, form: str) -> dict:
    """Every published figure of the persons of one exploitation form of a cohort."""
    persons = cohort.persons[cohort.persons["exploitation_form"] == form]
    return cohort_figures(dataclasses.replace(cohort, persons=persons.reset_index(drop=True)))


@pytest.fixture(scope="session")
def figures():
    """The function :func:`estimated_figures`."""
    return estimated_figures


@pytest.fixture(scope="session")
def default_registry() -> rc.Registry:
    """The reference registry at its default size and seed (generated once)."""
    return rc.datasets.reference_registry()


@pytest.fixture(scope="session")
def default_figures(default_registry) -> dict:
    """The published figures estimated from the default reference registry's population."""
    return estimated_figures(default_registry)


@pytest.fixture(scope="session")
def population_registry() -> rc.Registry:
    """One registry of population size (400,000 persons, 280,000 of domestic exploitation)."""
    return rc.datasets.reference_registry(n_persons=400_000, seed=2022)


@pytest.fixture(scope="session")
def population_cohort(population_registry) -> rc.Cohort:
    """The cohort of every person of the population-size registry."""
    return rc.build_cohort(population_registry)
