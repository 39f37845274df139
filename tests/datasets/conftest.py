"""Fixtures of the dataset tests: registries generated once, and the pipeline's figures."""

from __future__ import annotations

import pandas as pd
import pytest

import recidive as rc

CATEGORIES = ("property", "violence", "drugs", "human_trafficking")


def estimated_figures(registry: rc.Registry, rules: rc.CohortRules | None = None) -> dict:
    """``build_cohort`` then ``survival_rates``: every published figure, keyed as the targets.

    ``share_recidivists_under_23`` is the corrected share
    ``p F<23(7) / (p F<23(7) + (1 - p) F23+(7))`` with ``F`` = 1 - Kaplan-Meier by age group;
    ``raw_share_recidivists_under_23`` the share under 23 among all observed recidivists.
    """
    persons = rc.build_cohort(registry, rules or rc.CohortRules()).persons

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
    """The published figures estimated from the default reference registry."""
    return estimated_figures(default_registry)
