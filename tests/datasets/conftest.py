"""Fixtures of the dataset tests: registries generated once, and the pipeline's figures."""

from __future__ import annotations

import pandas as pd
import pytest

import recidive as rc

CATEGORIES = ("property", "violence", "drugs", "human_trafficking")

#: The seed's population, the one the reference registry is calibrated for.
DOMESTIC = rc.CohortRules(population=rc.datasets.REFERENCE_POPULATION)


def estimated_figures(registry: rc.Registry, rules: rc.CohortRules = DOMESTIC) -> dict:
    """``build_cohort`` then ``survival_rates``: every published figure, keyed as the targets.

    By default for the seed's population (offenders of domestic sexual exploitation).
    ``share_recidivists_under_23`` is the corrected share
    ``p F<23(7) / (p F<23(7) + (1 - p) F23+(7))`` with ``F`` = 1 - Kaplan-Meier by age group;
    ``raw_share_recidivists_under_23`` the share under 23 among all observed recidivists.
    """
    return figures_of(rc.build_cohort(registry, rules).persons)


def figures_of(persons: pd.DataFrame) -> dict:
    """Every published figure of some cohort persons (see :func:`estimated_figures`)."""

    def rates(criterion: str, by: list[str] | None = None) -> pd.DataFrame:
        return rc.survival_rates(
            persons, duration=f"{criterion}_days", event=f"{criterion}_event", by=by
        ).to_frame()

    out = {}
    general = rates("general").set_index("horizon_years")["rate"]
    for h in (2, 5, 7):
        out[f"general_{h}y"] = float(general[float(h)])
    for cat in CATEGORIES:
        out[f"{cat}_5y"] = float(rates(cat).set_index("horizon_years")["rate"][5.0])
    young = (persons["age_group"] == "<23").to_numpy()
    p = float(young.mean())
    by_age = rates("general", by=["age_group"])
    f7 = by_age[by_age["horizon_years"] == 7.0].set_index("age_group")["rate"]
    out["share_under_23"] = p
    out["share_recidivists_under_23"] = float(p * f7["<23"] / (p * f7["<23"] + (1 - p) * f7["23+"]))
    out["raw_share_recidivists_under_23"] = float(
        young[persons["general_event"].to_numpy() == 1].mean()
    )
    return out


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
