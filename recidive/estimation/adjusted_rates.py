"""Recidivism adjusted for composition: the direct and the indirect (Recidivemonitor) method.

Observed recidivism of successive exit cohorts changes when policy works, but also when
the cohorts hold other offenders (younger, more prior cases). Adjusted ("gecorrigeerde")
recidivism takes the composition out, so that a trend is not a change of who was released.

- ``method="direct"`` (standardisation): a Cox model with the group as a factor plus the
  covariates; for each group ``g`` the mean over the reference population of
  ``1 - S(t | x, g)``: everyone in the reference given the group's hazard. R's
  ``rowMeans`` of ``survfit(coxph, newdata)`` and ``riskRegression::ate``; its standard
  error is the influence function of that mean (:mod:`recidive.estimation._standardisation`),
  ``ate``'s own. With Breslow ties ``ate``'s baseline is Breslow's; with Efron ties the
  baseline is the Efron-adjusted one (``survfit``'s default) and the standard error the
  Breslow form at the Efron fit, as ``ate`` does. If the hazards of the groups are not
  proportional, fitting the group as a stratum (a baseline per group) is the alternative:
  ``fit_cox(..., strata=group)`` with :func:`recidive.estimation.cox.standardized_survival`
  (point estimates only; ``tests/r/adjusted_rates.json`` holds R's for comparison).
- ``method="indirect"``, the Recidivemonitor's correction: ``observed_g - expected_g +
  observed_ref``, with ``observed`` the Kaplan-Meier rate, ``expected_g`` the mean over the
  group's rows of ``1 - S(t | x)`` of a Cox model on the covariates without the group, and
  ``observed_ref`` the Kaplan-Meier rate of the reference. Its standard error is the delta
  method by influence functions: the three terms' influence functions (Kaplan-Meier: the
  Aalen form; expected: as above) are summed per person, so their covariances are in.

The reference population is every row (``reference=None``, the pooled cohorts) or the rows
of one group (a base year). Which one the Recidivemonitor takes could not be read from its
stored sources (``tests/r/adjusted_rates.json``, ``meta.recidivemonitor``): its reports
speak of a "referentiegroep"; both are offered.

A horizon past a group's longest follow-up gives NaN with status
``insufficient_follow_up``, never an extrapolation of the pooled baseline. A group never
followed to the first horizon (the latest exit year, say) is left out of the model and of
the pooled reference, and reported with that status at every horizon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from recidive import defaults
from recidive._arguments import check_conf_level, check_horizons, check_time_unit, shown
from recidive.errors import ArgumentError
from recidive.estimation._standardisation import cox_pieces, km_influence, mean_risk
from recidive.estimation.cox import fit_cox
from recidive.estimation.cox._design import as_list, require_columns
from recidive.estimation.kaplan_meier import INSUFFICIENT, OK, kaplan_meier

METHODS = ("direct", "indirect")
TIES = ("efron", "breslow")
COLUMNS = (
    "horizon_years",
    "n",
    "observed_rate",
    "expected_rate",
    "adjusted_rate",
    "std_err",
    "ci_lower",
    "ci_upper",
    "status",
)


@dataclass(frozen=True, eq=False)
class AdjustedRates:
    """Observed and adjusted recidivism per group and horizon (from :func:`adjusted_rates`).

    ``to_frame()`` columns: the group column, ``horizon_years, n, observed_rate,
    expected_rate, adjusted_rate, std_err, ci_lower, ci_upper, status``; ``expected_rate``
    is NaN for the direct method. The other attributes are the call's settings.
    """

    table: pd.DataFrame
    group: str
    covariates: tuple[str, ...]
    method: str
    reference: object
    ties: str
    conf_level: float
    time_unit: str

    def to_frame(self) -> pd.DataFrame:
        """The rates as a new DataFrame."""
        return self.table.copy()

    def _repr_html_(self) -> str:
        return self.table.to_html(index=False, float_format=lambda v: f"{v:.4f}")


def adjusted_rates(
    frame: pd.DataFrame,
    duration: str,
    event: str,
    group: str,
    covariates: Sequence[str],
    horizons: Sequence[float] = defaults.HORIZONS_YEARS,
    time_unit: str = defaults.TIME_UNIT,
    method: str = "direct",
    reference: object = None,
    ties: str = "efron",
    conf_level: float = defaults.CONF_LEVEL,
) -> AdjustedRates:
    """Recidivism per group adjusted for the covariates (direct or indirect standardisation).

    Parameters
    ----------
    frame : DataFrame
        One row per person: duration, event, group and covariates.
    duration, event : str
        Columns of the time to the first reoffence (or censoring) and its 0/1 flag.
    group : str
        The column whose levels are compared, e.g. ``"exit_year"``.
    covariates : sequence of str
        Columns corrected for; numeric as they are, categorical/text as dummies.
    horizons : sequence of float
        Horizons in years.
    time_unit : {"days", "weeks", "months", "years"}
        Unit of ``duration``.
    method : {"direct", "indirect"}
        Standardisation of a Cox model with the group (direct), or the Recidivemonitor's
        observed - expected + observed of the reference (indirect). See the module notes.
    reference : optional
        None: the reference population is every row; else one level of ``group`` (a base
        year), whose rows are the reference.
    ties : {"efron", "breslow"}
        Ties of the Cox model; ``"breslow"`` reproduces ``riskRegression::ate``.
    conf_level : float
        Level of the Wald interval ``adjusted_rate -/+ z std_err`` (``ate``'s).

    Returns
    -------
    AdjustedRates

    Examples
    --------
    >>> import recidive as rc
    >>> cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=2000, seed=1))
    >>> frame = cohort.survival_frame("general")
    >>> frame = frame[frame["exit_year"].between(2010, 2016)]
    >>> adj = rc.adjusted_rates(frame, "days", "event", "exit_year",
    ...                         ["age_at_index", "sex", "prior_cases"], horizons=(2,))
    >>> adj.to_frame().columns[:4].tolist()
    ['exit_year', 'horizon_years', 'n', 'observed_rate']
    """
    covariates = as_list(covariates, "covariates")
    years = check_horizons(horizons)
    per_year = check_time_unit(time_unit)
    conf_level = check_conf_level(conf_level)
    if method not in METHODS:
        raise ArgumentError(f"method must be one of {METHODS}; got {shown(method)}")
    if ties not in TIES:
        raise ArgumentError(f"ties must be one of {TIES}; got {shown(ties)}")
    require_columns(frame, [duration, event, group, *covariates], "adjusted_rates")
    if group in covariates:
        raise ArgumentError(f"group {group!r} is also among the covariates; drop it from them")
    if reference is not None and reference not in set(pd.unique(frame[group])):
        raise ArgumentError(
            f"reference {shown(reference)} is not a level of {group!r}; use None (all rows) "
            f"or one of {sorted(pd.unique(frame[group]))}"
        )
    table = _rate_table(
        frame,
        duration,
        event,
        group,
        covariates,
        years * per_year,
        method,
        reference,
        ties,
        conf_level,
    )
    table.insert(1, "horizon_years", np.tile(years.astype(float), len(table) // len(years)))
    return AdjustedRates(
        table, group, tuple(covariates), method, reference, ties, conf_level, time_unit
    )


def _rate_table(
    frame,
    duration,
    event,
    group,
    covariates,
    times,
    method,
    reference,
    ties,
    conf_level,
    score: str = "breslow",
) -> pd.DataFrame:
    """The checked call's rows, group by group and time by time (``score``: see
    :func:`recidive.estimation._standardisation.cox_pieces`; the tests reproduce ``ate``)."""
    all_levels = sorted(pd.unique(frame[group]))
    longest = frame.groupby(group, observed=True)[duration].max()
    short = [lv for lv in all_levels if longest[lv] < min(times)]
    if reference in short or len(short) == len(all_levels):
        raise ArgumentError(
            f"{'the reference' if reference in short else 'no'} group of {group!r} is followed "
            f"up to the first horizon ({min(times):g} {duration} units); choose a shorter horizon"
            + (" or another reference" if reference in short else "")
        )
    # groups never followed to the first horizon stay out of the model (a level without
    # events there would have no finite coefficient) and are reported as such
    data = frame[~frame[group].isin(short)].reset_index(drop=True)
    levels = [lv for lv in all_levels if lv not in short]
    codes = pd.Categorical(data[group], categories=levels).codes
    model_frame = data[[duration, event, *covariates]].copy()
    model_frame[group] = pd.Categorical(data[group], categories=levels)
    terms = [group, *covariates] if method == "direct" else covariates
    fit = fit_cox(model_frame, duration, event, terms, ties=ties)
    if not np.all(fit._kept):
        aliased = [n for n, k in zip(fit.names, fit._kept, strict=True) if not k]
        raise ArgumentError(f"covariates {aliased} are aliased (collinear); drop them")
    pieces = cox_pieces(
        fit._design.matrix(model_frame),
        data[duration].to_numpy(float),
        data[event].to_numpy(np.int64),
        np.asarray(fit.coef),
        np.asarray(fit.naive_variance_matrix),
        ties,
        score,
    )
    ref_rows = (
        slice(None) if reference is None else np.flatnonzero(codes == levels.index(reference))
    )
    setup = _Setup(pieces, codes, ref_rows, fit._design.terms.get(group, ()))
    z = special.ndtri(1 - (1 - conf_level) / 2)
    rows = []
    for g, level in enumerate(levels):
        for t in times:
            row = _group_rate(setup, method, g, float(t))
            low, high = (
                row["adjusted_rate"] - z * row["std_err"],
                row["adjusted_rate"] + z * row["std_err"],
            )
            rows.append({group: level, **row, "ci_lower": low, "ci_upper": high})
    for level in short:
        n = int((frame[group] == level).sum())
        rows += [{group: level, "n": n, "status": INSUFFICIENT} for _ in times]
    columns = [group, *(c for c in COLUMNS if c != "horizon_years")]
    table = pd.DataFrame(rows).reindex(columns=columns)
    order = np.argsort([all_levels.index(v) for v in table[group]], kind="stable")
    return table.iloc[order].reset_index(drop=True)


class _Setup:
    """What every (group, time) row shares: the model's pieces, the rows, per-time terms."""

    def __init__(self, pieces, codes: np.ndarray, reference_rows, group_columns) -> None:
        self.pieces = pieces
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(codes.max() + 2))
        self.group_rows = [order[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        self.reference_rows = reference_rows
        self.group_columns = list(group_columns)  # dummies of levels 1.. (0: the reference)
        cols = self.group_columns
        x_ref = pieces.x[reference_rows]
        # the linear predictor without the group's dummies: they come in as a shift
        self.x_reference = x_ref
        self.eta_reference = x_ref @ pieces.beta - x_ref[:, cols] @ pieces.beta[cols]
        self._per_time: dict[float, tuple] = {}

    def shift(self, g: int) -> tuple[list[int], np.ndarray]:
        """Group ``g``'s dummies, centred as the fitted rows: their columns and values."""
        cols = self.group_columns
        return cols, (np.arange(1, len(cols) + 1) == g) - self.pieces.center[cols]

    def at(self, t: float) -> tuple:
        """``q(t)``, the reference's Kaplan-Meier rate and its influence (computed once)."""
        if t not in self._per_time:
            p, ref = self.pieces, self.reference_rows
            ref_rows = np.arange(len(p.time))[ref]
            observed = _km_rate(p.time[ref], p.event[ref], t)
            influence = km_influence(p.time, p.event, ref_rows, t, 1 - observed)
            self._per_time[t] = (p.q(t), observed, influence)
        return self._per_time[t]


def _group_rate(setup: _Setup, method: str, g: int, t: float) -> dict:
    """One (group, time) row: n, observed, expected, adjusted, std_err, status."""
    p = setup.pieces
    own = setup.group_rows[g]
    observed = _km_rate(p.time[own], p.event[own], t)
    nan = float("nan")
    row = {"n": len(own), "observed_rate": observed, "expected_rate": nan}
    if t > p.time[own].max():
        return {**row, "adjusted_rate": nan, "std_err": nan, "status": INSUFFICIENT}
    q, observed_ref, ref_influence = setup.at(t)
    if method == "direct":
        x, eta = setup.x_reference, setup.eta_reference
        # everyone in the reference given group g's hazard
        adjusted, influence = mean_risk(p, t, q, setup.reference_rows, x, eta, setup.shift(g))
    else:
        x = p.x[own]
        expected, influence = mean_risk(p, t, q, own, x, x @ p.beta)
        adjusted = observed - expected + observed_ref
        own_influence = km_influence(p.time, p.event, own, t, 1 - observed)
        influence = own_influence - influence + ref_influence
        row["expected_rate"] = expected
    status = OK if np.isfinite(adjusted) else INSUFFICIENT
    se = float(np.sqrt(influence @ influence)) if np.isfinite(adjusted) else nan
    return {**row, "adjusted_rate": adjusted, "std_err": se, "status": status}


def _km_rate(time: np.ndarray, event: np.ndarray, t: float) -> float:
    """``1 - KM(t)``: NaN past the last observed time."""
    return float(1.0 - kaplan_meier(time, event).at([t])["survival"].iloc[0])
