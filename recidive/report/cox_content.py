"""The Cox model of the section: its covariates, hazard ratios and standardised rates.

Disclosure control shapes the model itself (rule R8 of :mod:`~recidive.report.disclosure`):
a characteristic held by fewer than ``min_cell`` persons (or by all but fewer than
``min_cell``), or with fewer than ``min_cell`` events on either side, would let a
hazard ratio or its interval (whose width goes with the events on each side) reveal a
small group, so it is left out of the design, and the section says which ones were
left out: for the forms of exploitation every form not in the model, present or not,
so the note does not tell which small forms exist. Standardised rates by age are given
only where the age groups' own rates are published. Published values are rounded to
the precision the tables print. What comes back is plain data in a :class:`CoxContent`;
nothing here formats text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recidive import defaults, schema
from recidive.estimation.cox import CoxModel
from recidive.report.qualifiers import QualifierRules

#: Columns of the hazard-ratio table (``label_key`` and ``label_values`` name the row
#: in the text catalogue; the table builder turns them into words).
COX_COLUMNS: tuple[str, ...] = (
    "covariate",
    "label_key",
    "label_values",
    "n_level",
    "hazard_ratio",
    "ci_lower",
    "ci_upper",
    "p_value",
    "status",
)
#: Columns of the standardised rates by age group.
STANDARDISED_COLUMNS: tuple[str, ...] = ("age_group", "horizon_years", "rate", "status")


@dataclass(frozen=True)
class CoxContent:
    """The Cox model's numbers after disclosure control.

    Attributes
    ----------
    table : DataFrame
        One row per covariate in the model (``COX_COLUMNS``); empty when none is left.
    dropped : tuple of str
        Characteristics left out because they would reveal a small group.
    standardised : DataFrame
        Standardised recidivism at the high horizon, under and over the age cut
        (``STANDARDISED_COLUMNS``); empty when age is not in the model or the age
        groups are hidden.
    notes : tuple of str
        What disclosure control left out, for the section's warning.
    """

    table: pd.DataFrame
    dropped: tuple[str, ...]
    standardised: pd.DataFrame
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Design:
    """The model frame, its covariates (name, label key, label values, n) and what was dropped."""

    frame: pd.DataFrame
    rows: tuple[tuple[str, str, dict, int | None], ...]
    dropped: tuple[str, ...]


def cox_content(
    frame: pd.DataFrame,
    min_cell: int,
    hidden_groups: frozenset[str],
    rules: QualifierRules,
    standardise: bool = True,
) -> CoxContent:
    """Fit the section's Cox model of general recidivism on the publishable covariates.

    Parameters
    ----------
    frame : DataFrame
        The cohort's survival frame of general recidivism (``days``, ``event``,
        ``age_group``, ``sex``, ``prior_cases``, ``exploitation_form``).
    min_cell : int
        Disclosure threshold in persons.
    hidden_groups : frozenset of str
        Age groups hidden by disclosure control; the standardised rates by age are
        then left out.
    rules : QualifierRules
        The age cut and the high horizon.
    standardise : bool
        Whether the age groups' rates at the high horizon are published, so that
        standardised rates by age may be too.

    Returns
    -------
    CoxContent

    Examples
    --------
    >>> import recidive as rc
    >>> cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=500, seed=3))
    >>> cox = cox_content(cohort.survival_frame("general"), 10, frozenset(), QualifierRules())
    >>> "young" in cox.table["covariate"].tolist()
    True
    """
    design = _cox_design(frame, min_cell, rules)
    notes = ()
    if design.dropped:
        notes = (
            f"Cox model: {', '.join(design.dropped)} left out (fewer than {min_cell} persons "
            "or no events on one side)",
        )
    covariates = [r[0] for r in design.rows]
    if not covariates:
        empty = pd.DataFrame(columns=list(COX_COLUMNS))
        return CoxContent(empty, design.dropped, _no_standardised(), notes)
    model = CoxModel(ties="efron").fit(
        design.frame, duration="days", event="event", covariates=covariates
    )
    summary = model.summary.set_index("covariate")
    table = pd.DataFrame(
        [
            {
                "covariate": name,
                "label_key": key,
                "label_values": values,
                "n_level": n_level,
                "hazard_ratio": round(float(summary.loc[name, "hazard_ratio"]), 2),
                "ci_lower": round(float(summary.loc[name, "ci_lower"]), 2),
                "ci_upper": round(float(summary.loc[name, "ci_upper"]), 2),
                "p_value": round(float(summary.loc[name, "p_value"]), 3),
                "status": "ok",
            }
            for name, key, values, n_level in design.rows
        ]
    )
    standardised = _no_standardised()
    if "young" in covariates and not hidden_groups and standardise:
        standardised = _standardised(model, design.frame, rules)
    return CoxContent(table, design.dropped, standardised, notes)


def _no_standardised() -> pd.DataFrame:
    return pd.DataFrame(columns=list(STANDARDISED_COLUMNS))


def _cox_design(frame: pd.DataFrame, min_cell: int, rules: QualifierRules) -> _Design:
    """Covariates for the Cox model; levels too small to publish are left out."""
    design = pd.DataFrame({"days": frame["days"], "event": frame["event"]})
    rows = []  # (covariate, label key, label values, n with the characteristic)
    dropped = []
    n = len(frame)

    def usable(mask: pd.Series) -> bool:
        k = int(mask.sum())
        events = int(frame["event"][mask].sum())
        rest_events = int(frame["event"][~mask].sum())
        return min_cell <= k <= n - min_cell and min(events, rest_events) >= max(min_cell, 1)

    young = frame["age_group"].astype(str) == f"<{rules.age_cut}"
    if usable(young):
        design["young"] = young.astype(float)
        rows.append(("young", "cov_young", {}, int(young.sum())))
    else:
        dropped.append(f"<{rules.age_cut}")
    female = frame["sex"].astype(str) == "F"
    if usable(female):
        design["female"] = female.astype(float)
        rows.append(("female", "cov_female", {}, int(female.sum())))
    else:
        dropped.append("sex")
    if frame["prior_cases"].astype(float).nunique() > 1:
        design["prior_cases"] = frame["prior_cases"].astype(float)
        rows.append(("prior_cases", "cov_prior_cases", {}, None))
    forms = frame["exploitation_form"].astype(str)
    counts = forms.value_counts()
    reference = str(counts.index[0]) if len(counts) else None
    for form in counts.index[1:]:
        mask = forms == form
        if usable(mask):
            name = f"form_{form}"
            design[name] = mask.astype(float)
            rows.append((name, "cov_form", {"name": form, "ref": reference}, int(mask.sum())))
    if len(counts) > 1:  # every other form not in the model, so no small form shows itself
        used = {r[2]["name"] for r in rows if r[1] == "cov_form"}
        known = list(dict.fromkeys([*schema.EXPLOITATION_FORMS, *counts.index.astype(str)]))
        dropped += [f for f in known if f != reference and f not in used]
    return _Design(design, tuple(rows), tuple(dropped))


def _standardised(model, design: pd.DataFrame, rules: QualifierRules) -> pd.DataFrame:
    """Standardised recidivism at the high horizon: everyone under / over the age cut."""
    t = float(rules.high_horizon) * defaults.DAYS_PER_YEAR
    result = model.standardized_survival(design, "young", [t])
    frame = result.to_frame() if hasattr(result, "to_frame") else pd.DataFrame(result)
    labels = {1.0: f"<{rules.age_cut}", 0.0: f"{rules.age_cut}+"}
    rows = []
    for _, r in frame.iterrows():
        value = float(r.get("survival", np.nan))
        rows.append(
            {
                "age_group": labels.get(float(r["group"]), str(r["group"])),
                "horizon_years": float(rules.high_horizon),
                "rate": round(1.0 - value, 3),
                "status": "ok" if np.isfinite(value) else "insufficient_follow_up",
            }
        )
    order = {labels[1.0]: 0, labels[0.0]: 1}
    frame = pd.DataFrame(rows)
    return frame.sort_values("age_group", key=lambda g: g.map(order)).reset_index(drop=True)
