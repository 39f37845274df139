"""Recidivism rates of a cohort: per criterion, by group, and the age profile of recidivists.

The cohort builder gives each criterion its own time to the first counted reoffence; this module
stacks those survival frames and hands them to the estimators. It never counts shares of persons
with unequal follow-up as rates: every rate is ``1 - S(t)`` from Kaplan-Meier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit
from scipy.stats import norm

from recidive import _engines, defaults
from recidive._arguments import check_conf, check_horizons, check_names, shown
from recidive.competing_rates import aalen_johansen_rates, competing_frame
from recidive.errors import ArgumentError
from recidive.estimation.horizon_rates import RateTable, survival_rates
from recidive.estimation.kaplan_meier import kaplan_meier

#: The estimators of :func:`recidivism_rates`.
ESTIMATORS: tuple[str, ...] = ("kaplan-meier", "aalen-johansen")


def _check_criteria(cohort, criteria: Sequence[str]) -> list[str]:
    return list(check_names(criteria, "criteria", cohort.criteria))


def recidivism_rates(
    cohort,
    criteria: Sequence[str] = ("general",),
    horizons: Sequence[float] = defaults.HORIZONS_YEARS,
    by: Sequence[str] | None = None,
    conf_type: str = defaults.CONF_TYPE,
    conf_level: float = defaults.CONF_LEVEL,
    estimator: str = "kaplan-meier",
) -> RateTable:
    """Cumulative recidivism of a cohort per criterion, overall and by group.

    Kaplan-Meier ``1 - S(t)`` by default; ``estimator="aalen-johansen"`` gives the
    cumulative incidence with death as a competing event (:mod:`recidive.competing_rates`:
    a person whose follow-up ended at death can no longer reoffend; emigration stays
    censoring, since an emigrant's reoffending is unobserved, not prevented).

    Parameters
    ----------
    cohort : Cohort
        From :func:`recidive.build_cohort`.
    criteria : sequence of str
        Recidivism criteria (``"general"``, an offence category such as ``"property"``,
        ``"serious"``, ...). Each is its own time to the first counted reoffence.
    horizons : sequence of float
        Horizons in years (365.25 days).
    by : sequence of str, optional
        Person columns to stratify by, e.g. ``["age_group"]`` or ``["exploitation_form"]``.
        Every criterion also gets its overall rows (``"all"`` in the ``by`` columns).
    conf_type : {"log-log", "log", "plain"}
        Pointwise confidence interval of the Kaplan-Meier curve.
    conf_level : float
        Confidence level.
    estimator : {"kaplan-meier", "aalen-johansen"}
        ``"aalen-johansen"`` uses the cohort's ``end_reason`` (death = competing event);
        it equals :func:`recidive.cumulative_incidence` on each stratum, and its CI
        transform applies to the cumulative incidence.

    Returns
    -------
    RateTable
        ``to_frame()`` columns: ``criterion``, the ``by`` columns, ``horizon_years``, ``n``,
        ``n_events``, ``n_at_risk``, ``rate``, ``std_err``, ``ci_lower``, ``ci_upper``,
        ``status``. A horizon past a stratum's follow-up gives NaN and
        ``insufficient_follow_up``.

    Examples
    --------
    >>> import recidive as rc
    >>> cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=2000, seed=1))
    >>> rates = rc.recidivism_rates(cohort, ["general", "property"], horizons=(2, 5))
    >>> list(rates.to_frame().columns[:3])
    ['criterion', 'horizon_years', 'n']
    """
    criteria = _check_criteria(cohort, criteria)
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    missing = [c for c in by if c not in cohort.persons.columns]
    if missing:
        raise ArgumentError(
            f"by columns {missing} not in cohort.persons; choose from {list(cohort.persons.columns)}"
        )
    if estimator not in ESTIMATORS:
        raise ArgumentError(
            f"estimator must be one of {', '.join(map(repr, ESTIMATORS))}; got {shown(estimator)}"
        )
    long = cohort.survival_long(criteria)
    if estimator == "aalen-johansen":
        if _engines.is_distributed(cohort.persons):
            raise ArgumentError(
                "estimator='aalen-johansen' needs a cohort in memory; compute the Dask "
                "cohort's persons first (cohort.persons.compute()) or use 'kaplan-meier'"
            )
        end_reason = pd.Series(np.tile(cohort.persons["end_reason"].astype(str), len(criteria)))
        frame = competing_frame(long, end_reason)
        return aalen_johansen_rates(frame, by, horizons, conf_type, conf_level)
    return survival_rates(
        long,
        duration="days",
        event="event",
        by=by,
        within=["criterion"],
        horizons=horizons,
        time_unit="days",
        conf_type=conf_type,
        conf_level=conf_level,
    )


@dataclass(frozen=True)
class AgeProfile:
    """How young the recidivists are, raw and corrected for unequal follow-up.

    Attributes
    ----------
    cut : int
        Age (years at the index offence) below which a person counts as young.
    horizon_years : float
        Follow-up that defines a recidivist for the corrected share.
    n, n_young : int
        Offenders in the cohort, and how many of them were younger than ``cut``.
    share_young_offenders : float
        ``n_young / n``.
    n_recidivists, n_young_recidivists : int
        Offenders seen to reoffend within ``horizon_years`` of their own (unequal)
        follow-up.
    share_young_recidivists_raw : float
        ``n_young_recidivists / n_recidivists``, within the same horizon as the corrected
        share, but depending on how long each person was followed: the young of the later
        exit cohorts, followed for less than the horizon, are under-counted.
    rate_young, rate_old : float
        Cumulative recidivism ``1 - S(horizon)`` of the young and the older offenders.
    share_young_recidivists : float
        The share of the young among those who reoffend within ``horizon_years``, had everyone
        been followed that long: ``p F_young / (p F_young + (1 - p) F_old)`` with ``p`` the
        share of the young and ``F`` the Kaplan-Meier cumulative recidivism at the horizon.
        NaN when a group's follow-up does not reach the horizon.
    ci_lower, ci_upper : float
        Confidence interval of ``share_young_recidivists`` (delta method on the logit
        scale, :func:`young_share_std_err`: the sampling variance of ``p`` and of both
        Kaplan-Meier estimates, Greenwood, the groups independent).
    std_err : float
        Its standard error (delta method).
    conf_level : float
    """

    cut: int
    horizon_years: float
    criterion: str
    n: int
    n_young: int
    share_young_offenders: float
    n_recidivists: int
    n_young_recidivists: int
    share_young_recidivists_raw: float
    rate_young: float
    rate_old: float
    share_young_recidivists: float
    status: str = field(default="ok")
    std_err: float = float("nan")
    ci_lower: float = float("nan")
    ci_upper: float = float("nan")
    conf_level: float = defaults.CONF_LEVEL

    def to_dict(self) -> dict:
        """All fields as a plain dict (JSON-serialisable)."""
        return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in vars(self).items()}

    def to_frame(self) -> pd.DataFrame:
        """One row with every field."""
        return pd.DataFrame([self.to_dict()])


def age_profile(
    cohort,
    horizon_years: float = 7,
    cut: int | None = None,
    criterion: str = "general",
    conf_level: float = defaults.CONF_LEVEL,
) -> AgeProfile:
    """Share of the young among offenders and among recidivists.

    The monitor's figure "42% of the recidivists were younger than 23" is a share of
    recidivists, not a recidivism rate. With unequal follow-up a raw share of the persons seen
    to reoffend depends on who was followed longest, so the corrected share weights the
    Kaplan-Meier cumulative recidivism of each age group at ``horizon_years`` by the group's
    share of the offenders: ``p F_young(t) / (p F_young(t) + (1 - p) F_old(t))``.

    Parameters
    ----------
    cohort : Cohort
    horizon_years : float
        Follow-up (years) that defines a recidivist for the corrected share.
    cut : int, optional
        Age cut in years at the index offence; default the cohort rules' ``monitor_age_cut``
        (23), for which the cohort's ``age_group`` (completed years) is used. Another cut
        uses ``age_at_index`` (days / 365.25).
    criterion : str
        Which recidivism criterion defines a recidivist.
    conf_level : float
        Level of the interval of the corrected share.

    Returns
    -------
    AgeProfile

    Examples
    --------
    >>> import recidive as rc
    >>> cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=2000, seed=1))
    >>> profile = rc.age_profile(cohort)
    >>> 0 < profile.share_young_recidivists < 1
    True
    """
    (criterion,) = _check_criteria(cohort, [criterion])
    (horizon_years,) = check_horizons([horizon_years], "horizon_years")
    _, conf_level = check_conf(defaults.CONF_TYPE, conf_level)
    if cut is not None and (isinstance(cut, bool) or not isinstance(cut, int | np.integer)):
        raise ArgumentError(f"cut must be a whole number of years or None; got {shown(cut)}")
    persons = cohort.persons
    if cut is None or int(cut) == cohort.rules.monitor_age_cut:
        # completed years at the index offence, as the cohort's monitor age group
        cut = cohort.rules.monitor_age_cut
        young = persons["age_group"] == cohort.rules.age_group_labels[0]
    else:
        cut = int(cut)
        young = persons["age_at_index"].astype(float) < cut
    horizon_days = horizon_years * defaults.DAYS_PER_YEAR
    if _engines.is_distributed(persons):
        counts = _engines.implementation("age_counts")(persons, young, criterion, horizon_days)
    else:
        counts = _age_counts(persons, young.to_numpy(), criterion, horizon_days)
    n, n_young, n_rec, n_young_rec, rate_young, rate_old, se_young, se_old = counts
    p = n_young / n if n else float("nan")
    denominator = p * rate_young + (1 - p) * rate_old
    corrected = p * rate_young / denominator if denominator > 0 else float("nan")
    status = "ok" if np.isfinite(corrected) else "insufficient_follow_up"
    se = young_share_std_err(p, n, rate_young, rate_old, se_young, se_old)
    lower, upper = logit_interval(corrected, se, conf_level)
    return AgeProfile(
        cut=cut,
        horizon_years=float(horizon_years),
        criterion=criterion,
        n=n,
        n_young=n_young,
        share_young_offenders=p,
        n_recidivists=n_rec,
        n_young_recidivists=n_young_rec,
        share_young_recidivists_raw=n_young_rec / n_rec if n_rec else float("nan"),
        rate_young=rate_young,
        rate_old=rate_old,
        share_young_recidivists=corrected,
        status=status,
        std_err=se,
        ci_lower=lower,
        ci_upper=upper,
        conf_level=conf_level,
    )


def young_share_std_err(
    p: float, n: int, rate_young: float, rate_old: float, se_young: float, se_old: float
) -> float:
    """Delta-method standard error of ``s = p F_y / (p F_y + (1 - p) F_o)``.

    With ``A = p F_y``, ``B = (1 - p) F_o`` and ``D = (A + B)^2``, the gradient is
    ``ds/dp = F_y F_o / D``, ``ds/dF_y = p B / D``, ``ds/dF_o = -(1 - p) A / D``; ``p`` is a
    binomial share (variance ``p (1 - p) / n``) and the two Kaplan-Meier estimates come
    from disjoint groups (Greenwood variances), so the three are asymptotically
    independent.

    Examples
    --------
    >>> round(young_share_std_err(0.5, 1000, 0.8, 0.4, 0.02, 0.02), 4)
    0.0188
    """
    a, b = p * rate_young, (1 - p) * rate_old
    d = (a + b) ** 2
    if not d > 0:
        return float("nan")
    grad = np.array([rate_young * rate_old / d, p * b / d, -(1 - p) * a / d])
    var = np.array([p * (1 - p) / n if n else np.nan, se_young**2, se_old**2])
    return float(np.sqrt(grad**2 @ var))


def logit_interval(share: float, std_err: float, conf_level: float) -> tuple[float, float]:
    """A confidence interval of a share on the logit scale (stays inside (0, 1)).

    Examples
    --------
    >>> [round(x, 3) for x in logit_interval(0.42, 0.01, 0.95)]
    [0.401, 0.44]
    """
    if not (np.isfinite(share) and np.isfinite(std_err) and 0 < share < 1):
        return float("nan"), float("nan")
    z = float(norm.ppf(0.5 + conf_level / 2))
    centre = np.log(share / (1 - share))
    half = z * std_err / (share * (1 - share))
    return float(expit(centre - half)), float(expit(centre + half))


def _age_counts(persons: pd.DataFrame, young: np.ndarray, criterion: str, horizon_days: float):
    """``n, n_young, n_rec, n_young_rec, rate_young, rate_old, se_young, se_old`` of a
    cohort in memory; recidivists are those seen to reoffend within ``horizon_days``."""
    days = persons[f"{criterion}_days"].to_numpy(dtype=float)
    event = persons[f"{criterion}_event"].to_numpy(dtype=np.int64)
    n, n_young = len(persons), int(young.sum())
    within = (event == 1) & (days <= horizon_days)
    n_rec, n_young_rec = int(within.sum()), int(within[young].sum())

    def cumulative(mask: np.ndarray) -> tuple[float, float]:
        if not mask.any():
            return float("nan"), float("nan")
        at = kaplan_meier(days[mask], event[mask]).at([horizon_days]).iloc[0]
        return float(1.0 - at["survival"]), float(at["std_err"])

    (rate_young, se_young), (rate_old, se_old) = cumulative(young), cumulative(~young)
    return n, n_young, n_rec, n_young_rec, rate_young, rate_old, se_young, se_old
