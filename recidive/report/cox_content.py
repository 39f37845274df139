"""The Cox model of the section: hazard ratios, the proportional-hazards check, standardised rates.

The design (which characteristics, on which scale, what is pooled) is
:mod:`~recidive.report.cox_design`. Disclosure control shapes the model itself (rule R8 of
:mod:`~recidive.report.disclosure`): a characteristic held by fewer than ``min_cell``
persons (or by all but fewer than ``min_cell``), or with fewer than ``min_cell`` events on
either side, would let a hazard ratio or its interval reveal a small group, so it is left
out or pooled, and the section says which.

The proportional-hazards assumption is checked with the scaled Schoenfeld residuals
(:meth:`~recidive.estimation.cox.CoxModel.check_proportional_hazards`, R ``cox.zph``), per
term and globally. When it is rejected (p below :data:`PH_ALPHA`), the section keeps the
model and states it: the hazard ratio of such a term is an average over the observation
period of an effect that changes with time (with unobserved differences between persons
it weakens as the most prone reoffend first), so it is read as a summary, not as a
constant effect. Standardised rates by age group are given only where the age groups' own
rates are published. Published values are rounded to the precision the tables print;
nothing here formats text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from recidive import defaults
from recidive.estimation.cox import CoxModel
from recidive.report.cox_design import cox_design
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
#: Columns of the proportional-hazards check (one row per term, then ``GLOBAL``).
ZPH_COLUMNS: tuple[str, ...] = (
    "term",
    "label_key",
    "label_values",
    "chisq",
    "df",
    "p_value",
    "rejected",
)
#: Level below which the proportional-hazards test counts as rejected.
PH_ALPHA = 0.05


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
    zph : DataFrame
        The proportional-hazards check (``ZPH_COLUMNS``), per term and ``GLOBAL``.
    pooled : tuple of str
        The forms of exploitation in the pooled group (or joined with the reference).
    concordance : float or None
        Harrell's concordance of the model.
    """

    table: pd.DataFrame
    dropped: tuple[str, ...]
    standardised: pd.DataFrame
    notes: tuple[str, ...] = ()
    zph: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(ZPH_COLUMNS)))
    pooled: tuple[str, ...] = ()
    concordance: float | None = None


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
    >>> cox.table["covariate"].tolist()[:2]
    ['age_decades', 'prior_log2']
    """
    design = cox_design(frame, min_cell, rules)
    notes = ()
    if design.dropped:
        notes = (
            f"Cox model: {', '.join(design.dropped)} left out (fewer than {min_cell} persons "
            "or no events on one side)",
        )
    if design.pool:
        where = "a labelled group" if design.pool == "term" else "the reference, labelled"
        notes += (
            f"Cox model: small forms of exploitation pooled into {where} "
            f"({', '.join(design.pooled)})",
        )
    covariates = [r[0] for r in design.rows]
    if not covariates:
        empty = pd.DataFrame(columns=list(COX_COLUMNS))
        return CoxContent(empty, design.dropped, _no_standardised(), notes, pooled=design.pooled)
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
    if "age_decades" in covariates and not hidden_groups and standardise:
        standardised = _standardised(model, design.frame, frame, rules)
    return CoxContent(
        table,
        design.dropped,
        standardised,
        notes,
        zph=_zph(model, design),
        pooled=design.pooled if design.pool else (),
        concordance=round(float(model.concordance_), 3),
    )


def _zph(model, design) -> pd.DataFrame:
    """The proportional-hazards test per term and globally, rounded as published."""
    labels = {r[0]: (r[1], r[2]) for r in design.rows}
    rows = []
    for _, r in model.check_proportional_hazards().table.iterrows():
        key, values = labels.get(str(r["term"]), ("zph_global", {}))
        p = float(r["p_value"])
        rows.append(
            {
                "term": str(r["term"]),
                "label_key": key,
                "label_values": values,
                "chisq": round(float(r["chisq"]), 1),
                "df": int(round(float(r["df"]))),
                "p_value": round(p, 3),
                "rejected": bool(p < PH_ALPHA),
            }
        )
    return pd.DataFrame(rows, columns=list(ZPH_COLUMNS))


def _no_standardised() -> pd.DataFrame:
    return pd.DataFrame(columns=list(STANDARDISED_COLUMNS))


def _standardised(model, design: pd.DataFrame, frame: pd.DataFrame, rules) -> pd.DataFrame:
    """Standardised recidivism at the high horizon under and over the age cut.

    Direct standardisation with continuous age: for each age group, every pair of a
    person of the group (her age) and a person of the cohort (the other characteristics)
    is predicted, ``S0(t) ** exp(b_age a_j + r_i)``, and the predictions are averaged:
    the group's rate had it the cohort's mix of sex, prior cases and forms.
    """
    t = float(rules.high_horizon) * defaults.DAYS_PER_YEAR
    zero = design.iloc[:1].copy()
    covariates = [c for c in design.columns if c not in ("days", "event")]
    zero[covariates] = 0.0
    s0 = float(model.predict_survival(zero, [t]).iloc[0, 0])
    coef = model.summary.set_index("covariate")["coef"]
    rest = sum(float(coef[c]) * design[c].to_numpy(float) for c in covariates if c != "age_decades")
    rest_values, rest_counts = np.unique(np.round(np.asarray(rest, float), 12), return_counts=True)
    age_lp = float(coef["age_decades"]) * design["age_decades"].to_numpy(float)
    young = (frame["age_group"].astype(str) == f"<{rules.age_cut}").to_numpy()
    rows = []
    for label, mask in ((f"<{rules.age_cut}", young), (f"{rules.age_cut}+", ~young)):
        if not np.isfinite(s0) or not mask.any():
            rows.append(
                {
                    "age_group": label,
                    "horizon_years": float(rules.high_horizon),
                    "rate": np.nan,
                    "status": "insufficient_follow_up",
                }
            )
            continue
        lp = age_lp[mask][:, None] + rest_values[None, :]
        surv = (s0 ** np.exp(lp)) @ rest_counts / rest_counts.sum()
        rows.append(
            {
                "age_group": label,
                "horizon_years": float(rules.high_horizon),
                "rate": round(1.0 - float(surv.mean()), 3),
                "status": "ok",
            }
        )
    return pd.DataFrame(rows, columns=list(STANDARDISED_COLUMNS))
