"""The design of the section's Cox model: which characteristics enter it, on which scale.

Decisions, each for a reason:

Age at the index offence, continuous, per 10 years
    The Recidivemonitor's split at 23 throws away most of what age says: within each side
    recidivism keeps falling with age, and the split makes the other terms carry that
    residue (with age only as ``<23`` the number of prior cases, which rises with age,
    came out at HR 1.00). Age enters linearly on the log-hazard scale, as a hazard ratio
    per 10 years; the fine age bands would cost four terms and publish small bands.
Prior cases as ``log2(1 + n)``
    The counts are heavily skewed (a few persons with dozens of cases); a linear term lets
    those few set the slope. On ``log2(1 + n)`` the hazard ratio is per doubling of
    ``1 + n``: from 0 to 1 prior case, from 1 to 3, from 3 to 7.
Sex, and the exploitation forms against the largest
    Each as a 0/1 term when disclosure control allows it (rule R8 of
    :mod:`~recidive.report.disclosure`: at least ``min_cell`` persons and ``min_cell``
    events on each side). Forms too small for a term of their own are pooled into one
    explicitly labelled group, "other forms (pooled)", when that group is large enough;
    only when even the pool is too small do its persons join the reference, and the
    reference's label then says so. No form goes silently into the reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recidive import schema
from recidive.report.qualifiers import QualifierRules

#: Years per unit of the age term (hazard ratio per 10 years of age).
AGE_STEP_YEARS = 10.0
#: The pooled small forms' covariate name.
POOLED_FORMS = "form_pooled"


@dataclass(frozen=True)
class CoxDesign:
    """The model frame, its covariates and what disclosure control left out or pooled.

    ``rows`` holds (covariate, label key, label values, n with the characteristic or None
    for a continuous term); ``dropped`` the characteristics left out; ``pooled`` the forms
    in the pooled group (every form not modelled on its own, present or not, so that the
    list does not tell which small forms exist); ``reference`` the reference form;
    ``pool`` where the small forms present went: ``"term"`` (the labelled pooled term),
    ``"reference"`` (too few even pooled) or ``""`` (no small form present).
    """

    frame: pd.DataFrame
    rows: tuple[tuple[str, str, dict, int | None], ...]
    dropped: tuple[str, ...]
    pooled: tuple[str, ...] = ()
    reference: str | None = None
    pool: str = ""


def cox_design(frame: pd.DataFrame, min_cell: int, rules: QualifierRules) -> CoxDesign:
    """Covariates of the section's Cox model from a cohort's survival frame.

    Examples
    --------
    >>> import recidive as rc
    >>> cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=500, seed=3))
    >>> design = cox_design(cohort.survival_frame("general"), 10, QualifierRules())
    >>> [r[0] for r in design.rows][:3]
    ['age_decades', 'prior_log2', 'female']
    """
    design = pd.DataFrame({"days": frame["days"], "event": frame["event"]})
    rows: list[tuple[str, str, dict, int | None]] = []
    dropped: list[str] = []
    event = frame["event"].to_numpy()

    def usable(mask: np.ndarray) -> bool:
        k, n = int(mask.sum()), len(mask)
        events, rest = int(event[mask].sum()), int(event[~mask].sum())
        return min_cell <= k <= n - min_cell and min(events, rest) >= max(min_cell, 1)

    age = frame["age_at_index"].astype(float).to_numpy()
    if np.nanstd(age) > 0:
        design["age_decades"] = age / AGE_STEP_YEARS
        rows.append(("age_decades", "cov_age_decades", {}, None))
    prior = frame["prior_cases"].astype(float).to_numpy()
    if np.unique(prior).size > 1:
        design["prior_log2"] = np.log2(1.0 + prior)
        rows.append(("prior_log2", "cov_prior_log2", {}, None))
    female = (frame["sex"].astype(str) == "F").to_numpy()
    if usable(female):
        design["female"] = female.astype(float)
        rows.append(("female", "cov_female", {}, int(female.sum())))
    else:
        dropped.append("sex")
    pooled, reference, pool = _form_terms(frame, design, rows, usable)
    return CoxDesign(design, tuple(rows), tuple(dropped), pooled, reference, pool)


def _form_terms(frame, design, rows, usable) -> tuple[tuple[str, ...], str | None, str]:
    """One term per form large enough; the others pooled into one labelled term."""
    forms = frame["exploitation_form"].astype(str).to_numpy()
    counts = pd.Series(forms).value_counts()
    if len(counts) <= 1:
        return (), (str(counts.index[0]) if len(counts) else None), ""
    reference = str(counts.index[0])
    small = []
    for form in counts.index[1:]:
        mask = forms == form
        if usable(mask):
            name = f"form_{form}"
            design[name] = mask.astype(float)
            rows.append((name, "cov_form", {"name": form, "ref": reference}, int(mask.sum())))
        else:
            small.append(str(form))
    used = {r[2]["name"] for r in rows if r[1] == "cov_form"}
    known = list(dict.fromkeys([*schema.EXPLOITATION_FORMS, *counts.index.astype(str)]))
    pooled = tuple(f for f in known if f != reference and f not in used)
    if not small:
        return pooled, reference, ""
    mask = np.isin(forms, small)
    if usable(mask):
        design[POOLED_FORMS] = mask.astype(float)
        rows.append((POOLED_FORMS, "cov_form_pooled", {"ref": reference}, int(mask.sum())))
        return pooled, reference, "term"
    # even the pool is too small: its persons join the reference, which says so
    for i, row in enumerate(rows):
        if row[1] == "cov_form":
            rows[i] = (row[0], "cov_form_ref_pooled", row[2], row[3])
    return pooled, reference, "reference"
