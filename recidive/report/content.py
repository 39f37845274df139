"""The numbers of the recidivism section, estimated from a cohort and made safe.

This is the only module of the report layer that estimates: it calls the
estimators (:func:`recidive.recidivism_rates`, :func:`recidive.age_profile`,
:func:`recidive.kaplan_meier`, :func:`recidive.logrank_test`,
:class:`recidive.CoxModel`) and then applies disclosure control
(:mod:`recidive.report.disclosure`) to every number before anything is formatted.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from recidive import defaults
from recidive.errors import InsufficientFollowUpWarning, SmallCellWarning
from recidive.report import disclosure
from recidive.report.sentences import QualifierRules, _key

BY_TYPE_HORIZONS: tuple[float, ...] = defaults.HORIZONS_YEARS
AGE_HORIZONS: tuple[float, ...] = defaults.HORIZONS_YEARS


@dataclass(frozen=True)
class Content:
    """Every number of the section after disclosure control (no text).

    ``tables`` hold numeric frames (suppressed cells NaN); ``numbers`` the key
    figures as JSON-ready dicts; ``curves`` the Kaplan-Meier tables the figures draw.
    """

    numbers: dict
    tables: dict[str, pd.DataFrame]
    curves: dict[str, pd.DataFrame]
    logrank: dict
    method: dict
    suppression_notes: tuple[str, ...] = field(default_factory=tuple)


def _clean(value):
    """NaN/numpy to JSON-ready Python values."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def cell(row: pd.Series) -> dict:
    """A rate row as a JSON-ready dict (``None`` for suppressed or not estimable)."""
    keys = (
        "horizon_years",
        "rate",
        "std_err",
        "ci_lower",
        "ci_upper",
        "n",
        "n_events",
        "n_at_risk",
        "status",
    )
    out = {k: _clean(row[k]) for k in keys if k in row.index}
    for k in ("n", "n_events", "n_at_risk"):
        if out.get(k) is not None:
            out[k] = int(out[k])
    return out


def _rate_frame(table) -> pd.DataFrame:
    frame = table.to_frame() if hasattr(table, "to_frame") else pd.DataFrame(table)
    return frame.reset_index(drop=True)


def _rates(cohort, criteria, horizons, by, kw) -> pd.DataFrame:
    """Rates per criterion (``recidivism_rates`` shape, leading ``criterion`` column)."""
    import recidive as rc

    table = rc.recidivism_rates(cohort, list(criteria), horizons=horizons, by=by, **kw)
    return _rate_frame(table)


def compute_content(
    cohort,
    min_cell: int = defaults.MIN_CELL,
    horizons: Sequence[float] = range(1, 8),
    rules: QualifierRules | None = None,
    benchmark_horizon: float = 2,
    conf_type: str = defaults.CONF_TYPE,
    conf_level: float = defaults.CONF_LEVEL,
    progress: Callable[[str], None] | None = None,
) -> Content:
    """Estimate every number of the section and suppress small cells.

    Parameters
    ----------
    cohort : Cohort
        From :func:`recidive.build_cohort`.
    min_cell : int
        Disclosure threshold in persons (see :mod:`recidive.report.disclosure`).
    horizons : sequence of float
        Horizons (years) of the general rates table and figure.
    rules : QualifierRules, optional
        Which horizons and criteria the key sentences need.
    benchmark_horizon : float
        Horizon of the benchmark; always estimated.
    conf_type, conf_level : str, float
        Pointwise CI of the Kaplan-Meier curves.
    progress : callable, optional
        Called with a short message before each long step.

    Returns
    -------
    Content

    Warns
    -----
    SmallCellWarning
        When cells were suppressed; the message lists them.

    Examples
    --------
    >>> import recidive as rc
    >>> cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=500, seed=3))
    >>> content = compute_content(cohort)  # doctest: +SKIP
    """
    import recidive as rc

    rules = rules or QualifierRules()
    say = progress or (lambda message: None)
    notes: list[str] = []
    needed = {float(benchmark_horizon), float(rules.high_horizon), float(rules.mid_horizon)}
    horizons = sorted({float(h) for h in horizons} | needed)
    kw = {"conf_type": conf_type, "conf_level": conf_level}
    with warnings.catch_warnings():
        # a horizon past follow-up is reported as "—" with a note in the section
        warnings.simplefilter("ignore", InsufficientFollowUpWarning)

        say("estimating general recidivism (Kaplan-Meier)")
        general, n1 = disclosure.suppress_rate_table(
            _rates(cohort, ["general"], horizons, None, kw),
            min_cell,
        )
        notes += n1

        say("estimating recidivism by type of offence")
        types = [c for c in rules.listed_criteria if c in cohort.criteria]
        type_horizons = sorted(set(BY_TYPE_HORIZONS) | {float(rules.serious_horizon)})
        by_type = pd.DataFrame()
        if types:
            by_type, n2 = disclosure.suppress_rate_table(
                _rates(cohort, types, type_horizons, None, kw),
                min_cell,
            )
            notes += n2

        say("estimating recidivism by age group")
        by_age, n3 = disclosure.suppress_rate_table(
            _rates(cohort, ["general"], AGE_HORIZONS, ["age_group"], kw),
            min_cell,
            group="age_group",
        )
        notes += n3
        hidden_groups = set(
            by_age.loc[by_age["status"] == "suppressed", "age_group"].astype(str)
        ) - {"all"}

        say("estimating the age profile of recidivists")
        profile = rc.age_profile(cohort, horizon_years=rules.high_horizon, cut=rules.age_cut)

    age = _age_numbers(profile, min_cell, bool(hidden_groups), notes)

    say("fitting Kaplan-Meier curves and the log-rank test")
    frame = cohort.survival_frame("general")
    curves = {"all": rc.kaplan_meier(frame["days"], frame["event"], **kw).to_frame()}
    groups = frame["age_group"].astype(str)
    for g in cohort.rules.age_group_labels:
        if g in hidden_groups or not (groups == g).any():
            continue
        mask = (groups == g).to_numpy()
        curves[g] = rc.kaplan_meier(frame["days"][mask], frame["event"][mask], **kw).to_frame()
    logrank = {"statistic": None, "df": None, "p_value": None}
    if not hidden_groups and groups.nunique() > 1:
        lr = rc.logrank_test(frame["days"], frame["event"], groups)
        logrank = _clean({"statistic": lr.statistic, "df": lr.df, "p_value": lr.p_value})

    say("fitting the Cox model")
    cox_table, standardised = _cox_tables(cohort, frame, min_cell, hidden_groups, rules, notes)

    say("applying disclosure control to the attrition table")
    attrition, n_read, n4 = _attrition(cohort, min_cell)
    notes += n4

    numbers = {
        "n_persons": int(len(cohort.persons)),
        "general": {_key(r.horizon_years): cell(r) for _, r in general.iterrows()},
        "by_type": {
            str(r.criterion): cell(r)
            for _, r in by_type.iterrows()
            if np.isclose(r.horizon_years, rules.serious_horizon)
        },
        "by_age": {f"{r.age_group}|{_key(r.horizon_years)}": cell(r) for _, r in by_age.iterrows()},
        "age": age,
        "logrank": logrank,
    }
    method = {
        "n_read": n_read,
        "n_analysed": int(len(cohort.persons)),
        "cutoff_date": _date(getattr(cohort, "cutoff_date", None)),
        "median_followup_years": _clean(
            float(np.median(cohort.persons["followup_days"])) / defaults.DAYS_PER_YEAR
            if "followup_days" in cohort.persons and len(cohort.persons)
            else float("nan")
        ),
        "conf_type": conf_type,
        "conf_level": conf_level,
        "min_cell": min_cell,
        "fingerprint": str(getattr(cohort, "fingerprint", "")),
        "rules": _clean(cohort.rules.to_dict()) if hasattr(cohort.rules, "to_dict") else {},
        "exploitation_forms": sorted(
            cohort.persons["exploitation_form"].astype(str).unique().tolist()
        ),
    }
    numbers["cohort"] = {
        "n_read": n_read,
        "n_analysed": method["n_analysed"],
        "cutoff_date": method["cutoff_date"],
        "median_followup_years": method["median_followup_years"],
    }
    if notes:
        shown = "; ".join(notes[:8]) + ("; …" if len(notes) > 8 else "")
        warnings.warn(
            SmallCellWarning(
                f"{len(notes)} cell(s) suppressed by disclosure control (min_cell={min_cell}): "
                f"{shown}. They show as × in the section and as null in its JSON; "
                "lower min_cell only if your disclosure rules allow it."
            ),
            stacklevel=3,
        )
    tables = {
        "general": general,
        "by_type": by_type,
        "by_age": by_age,
        "cox": cox_table,
        "standardised": standardised,
        "attrition": attrition,
    }
    return Content(_clean(numbers), tables, curves, logrank, method, tuple(notes))


def _date(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        return pd.Timestamp(value).date().isoformat()
    except (TypeError, ValueError):
        return str(value)


def _age_numbers(profile, min_cell: int, groups_hidden: bool, notes: list[str]) -> dict:
    """The shares under the age cut, suppressed where they would reveal small counts."""
    p = profile
    off_hidden = groups_hidden or disclosure.share_is_disclosive(p.n_young, p.n, min_cell)
    rec_hidden = off_hidden or disclosure.share_is_disclosive(
        p.n_young_recidivists, p.n_recidivists, min_cell
    )
    if off_hidden:
        notes.append(f"share under {p.cut} among offenders: fewer than {min_cell} persons")
    if rec_hidden:
        notes.append(f"share under {p.cut} among recidivists: fewer than {min_cell} persons")
    corrected = None if rec_hidden else _clean(p.share_young_recidivists)
    return {
        "cut": p.cut,
        "horizon_years": p.horizon_years,
        "share_under_cut_offenders": {
            "value": None if off_hidden else _clean(p.share_young_offenders),
            "n": int(p.n),
            "n_under_cut": None if off_hidden else int(p.n_young),
            "status": "suppressed" if off_hidden else "ok",
        },
        "share_under_cut_recidivists": {
            "value": corrected,
            "raw": None if rec_hidden else _clean(p.share_young_recidivists_raw),
            "n_recidivists": None if rec_hidden else int(p.n_recidivists),
            "n_under_cut": None if rec_hidden else int(p.n_young_recidivists),
            "rate_under_cut": None if rec_hidden else _clean(p.rate_young),
            "rate_cut_and_over": None if rec_hidden else _clean(p.rate_old),
            "method": "Kaplan-Meier corrected: p F<(t) / (p F<(t) + (1 - p) F>=(t))",
            "status": "suppressed"
            if rec_hidden
            else ("ok" if corrected is not None else "insufficient_follow_up"),
        },
    }


def _cox_design(frame: pd.DataFrame, min_cell: int, rules: QualifierRules):
    """Covariates for the Cox model; levels too small to publish are pooled or left out."""
    design = pd.DataFrame({"days": frame["days"], "event": frame["event"]})
    rows = []  # (covariate, label key, label value, n with characteristic)
    n = len(frame)

    def usable(mask: pd.Series) -> bool:
        k = int(mask.sum())
        events = int(frame["event"][mask].sum())
        rest_events = int(frame["event"][~mask].sum())
        return min_cell <= k <= n - min_cell and events > 0 and rest_events > 0

    young = frame["age_group"].astype(str) == f"<{rules.age_cut}"
    dropped = []
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
        else:
            dropped.append(str(form))
    return design, rows, dropped


def _cox_tables(cohort, frame, min_cell, hidden_groups, rules, notes):
    import recidive as rc

    design, rows, dropped = _cox_design(frame, min_cell, rules)
    if dropped:
        notes.append(
            f"Cox model: {', '.join(dropped)} left out (fewer than {min_cell} persons "
            "or no events on one side)"
        )
    covariates = [r[0] for r in rows]
    empty = pd.DataFrame(
        columns=[
            "covariate",
            "label_key",
            "label_values",
            "n_level",
            "hazard_ratio",
            "ci_lower",
            "ci_upper",
            "p_value",
            "status",
        ]
    )
    std_cols = ["age_group", "horizon_years", "rate", "status"]
    empty.attrs["dropped"] = dropped
    if not covariates:
        return empty, pd.DataFrame(columns=std_cols)
    model = rc.CoxModel(ties="efron").fit(
        design, duration="days", event="event", covariates=covariates
    )
    summary = model.summary.set_index("covariate")
    out = []
    for name, key, values, n_level in rows:
        s = summary.loc[name]
        out.append(
            {
                "covariate": name,
                "label_key": key,
                "label_values": values,
                "n_level": n_level,
                "hazard_ratio": float(s["hazard_ratio"]),
                "ci_lower": float(s["ci_lower"]),
                "ci_upper": float(s["ci_upper"]),
                "p_value": float(s["p_value"]),
                "status": "ok",
            }
        )
    cox_table = pd.DataFrame(out)
    cox_table.attrs["dropped"] = dropped
    standardised = pd.DataFrame(columns=std_cols)
    if "young" in covariates and not hidden_groups:
        standardised = _standardised(model, design, rules)
    return cox_table, standardised


def _standardised(model, design, rules) -> pd.DataFrame:
    """Standardised recidivism at the high horizon: everyone under / over the age cut."""
    t = float(rules.high_horizon) * defaults.DAYS_PER_YEAR
    result = model.standardized_survival(design, "young", [t])
    frame = result.to_frame() if hasattr(result, "to_frame") else pd.DataFrame(result)
    rows = []
    labels = {1.0: f"<{rules.age_cut}", 0.0: f"{rules.age_cut}+"}
    for _, r in frame.iterrows():
        value = float(r.get("survival", np.nan))
        rows.append(
            {
                "age_group": labels.get(float(r["group"]), str(r["group"])),
                "horizon_years": float(rules.high_horizon),
                "rate": 1.0 - value,
                "status": "ok" if np.isfinite(value) else "insufficient_follow_up",
            }
        )
    order = {labels[1.0]: 0, labels[0.0]: 1}
    frame = pd.DataFrame(rows)
    return frame.sort_values("age_group", key=lambda g: g.map(order)).reset_index(drop=True)


def _attrition(cohort, min_cell: int):
    attrition = getattr(cohort, "attrition", None)
    cols = ["table", "step", "reason", "n_excluded", "suppressed"]
    if attrition is None or len(attrition) == 0:
        return pd.DataFrame(columns=cols), int(len(cohort.persons)), []
    frame = attrition.reset_index(drop=True)
    parts, notes = [], []
    n_read = int(len(cohort.persons))
    for table, rows in frame.groupby("table", sort=False):
        rows = rows.reset_index(drop=True)
        total = None
        if table == "persons":
            n_read = int(rows["n_before"].iloc[0])
            # persons read - persons analysed = the exclusions; both are published, so
            # their difference is a published total of the exclusions
            total = n_read - int(len(cohort.persons))
        safe, hide_total, n = disclosure.suppress_counts(
            rows[["table", "step", "reason", "n_excluded"]], "n_excluded", min_cell, total
        )
        notes += [f"attrition {table} {m}" for m in n]
        if table == "persons" and hide_total:
            n_read = None
            notes.append("attrition: persons read hidden so it does not reveal a small step")
        parts.append(safe)
    return pd.concat(parts, ignore_index=True)[cols], n_read, notes
