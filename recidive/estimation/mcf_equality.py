"""A test of equal mean cumulative functions across groups.

The standard test is the pseudo-score test of Cook, Lawless and Nadeau (1996):
with the constant weight ``Y_g Y / Y`` it compares, per group ``g``, the
observed events ``O_g`` with those expected under a common rate,
``E_g = sum_k Y_g(T_k) dN(T_k) / Y(T_k)``, and takes the variance of
``U = O - E`` from the persons (robust, so a person's events may depend on each
other): ``V = sum_i w_i U_i U_i'`` with

    U_ig = sum_k (Z_ig(T_k) - Y_g(T_k) / Y(T_k)) (dN_i(T_k) - Y_i(T_k) dL(T_k)),

``Z_ig`` = 1 while person ``i`` is at risk in group ``g``, and ``dL = dN / Y`` the
pooled rate. The statistic ``U' V^- U`` is chi-square with (groups - 1) df.

The choice: the residuals use the pooled rate ``dL``, the rate under the null
hypothesis (the score-test principle). This is exactly the Andersen-Gill robust
score test, R ``coxph(Surv(start, stop, event) ~ group + cluster(id),
ties = "breslow")$rscore``, which any R user can reproduce, and it needs no
constant group per person (the group may be time-varying). Cook, Lawless and
Nadeau's eq. 3.3 (and ``reda::mcfDiff.test``'s default) use each group's own
rate instead; the two are equivalent under the null hypothesis and differ in
finite samples (on R's ``cgd`` data 10.24 here against 11.42). Efron's score at
beta = 0 differs from both with tied event times. Like the MCF, the test uses
(entry, stop] risk sets with gaps.

Vectorised as the MCF (:mod:`recidive.estimation._mcf_sums`): per-group at-risk
counts from difference arrays, each row's residual from cumulative sums over the
grid of distinct stop times, and the per-person sums with one ``reduceat``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import chdtrc

from recidive.estimation._input import check_groups, check_time
from recidive.estimation._mcf_sums import TimeGrid, at_risk, time_grid
from recidive.estimation._person_rows import PersonRows, check_length, check_person_rows
from recidive.estimation.logrank import GroupTest


@dataclass(frozen=True, eq=False)
class MCFTestResult(GroupTest):
    """Result of :func:`mcf_equality_test` (immutable).

    Attributes
    ----------
    statistic : float
        Chi-square statistic.
    df : int
        Degrees of freedom (groups at risk at some event time, minus 1).
    p_value : float
    variance : ndarray
        Robust covariance matrix of observed - expected per group.
    """

    _name = "equal_mcf_robust_score"
    _title = "Test of equal mean cumulative functions (robust score)"


def _group_counts(rows: PersonRows, grid: TimeGrid, n_groups: int) -> tuple[np.ndarray, ...]:
    """At-risk and event weights per (group, grid time), each of shape (groups, m)."""
    m = grid.size
    cells = n_groups * m
    group = rows.group.astype(np.int64) * m
    w = rows.weight
    enter = np.bincount(group + grid.first, weights=w, minlength=cells).reshape(n_groups, m)
    at_stop = group + grid.last
    leave = np.bincount(at_stop, weights=w, minlength=cells).reshape(n_groups, m)
    ev_w = rows.event if w is None else rows.event * w
    events = np.bincount(at_stop, weights=ev_w, minlength=cells).reshape(n_groups, m)
    y = np.stack([at_risk(enter[g].astype(float), leave[g].astype(float)) for g in range(n_groups)])
    return y, events


def _person_residuals(
    rows: PersonRows, grid: TimeGrid, y_group: np.ndarray, d_lambda: np.ndarray
) -> np.ndarray:
    """``U_ig`` of every person (rows) and group (columns), from per-row residuals."""
    y = y_group.sum(axis=0)
    first, after = grid.first, grid.last + 1
    padded = np.zeros(grid.size + 1)
    np.cumsum(d_lambda, out=padded[1:])
    own = rows.event - (padded[after] - padded[first])  # dN_i - Y_i dL of the row
    starts = rows.person_starts
    out = np.empty((starts.shape[0], y_group.shape[0]))
    for g in range(y_group.shape[0]):  # a handful of groups; rows and times are vectorised
        share = y_group[g] / y
        np.cumsum(share * d_lambda, out=padded[1:])
        expected = rows.event * share[after - 1] - (padded[after] - padded[first])
        out[:, g] = np.add.reduceat(np.where(rows.group == g, own, 0.0) - expected, starts)
    return out


def _persons_per_group(rows: PersonRows, n_groups: int) -> np.ndarray:
    """(Weighted) number of persons with at least one row in each group."""
    person = np.cumsum(rows.new_person) - 1
    pairs = person * n_groups + rows.group
    present = np.unique(pairs)
    weight = rows.person_weight()[present // n_groups]
    return np.bincount(present % n_groups, weights=weight, minlength=n_groups)


#: Relative size below which an eigenvalue of the variance counts as 0 (R's toler.chol).
_RANK_TOL = float(np.finfo(float).eps ** 0.75)


def _gross_scale(rows: PersonRows, grid: TimeGrid, d_lambda: np.ndarray) -> float:
    """The size the variance would have without cancellation: sum of w_i (N_i + L_i)^2.

    The residuals are differences of these terms, so a variance that is a tiny fraction of
    this scale is rounding noise of an exact 0 (no person-level variation at all).
    """
    padded = np.zeros(grid.size + 1)
    np.cumsum(d_lambda, out=padded[1:])
    gross = rows.event + (padded[grid.last + 1] - padded[grid.first])
    per_person = np.add.reduceat(gross, rows.person_starts)
    return float(rows.person_weight() @ per_person**2)


def _chi_square(
    u: np.ndarray, variance: np.ndarray, keep: np.ndarray, scale: float
) -> tuple[float, int]:
    df = int(keep.sum()) - 1
    if df < 1:
        return 0.0, max(df, 0)
    diff = u[keep][1:]
    vv = variance[np.ix_(keep, keep)][1:, 1:]
    if np.abs(vv).max() <= _RANK_TOL * scale:  # an exact 0 in rounding noise: observed
        return 0.0, df  # equals expected for every person (R's rscore is NaN there)
    # A generalized inverse, always: a singular variance (a group without person-level
    # variation, say) is rarely exactly singular in floating point, and ``solve`` would
    # divide by its rounding noise (1e-33 against 0.1). Directions whose eigenvalue is
    # below _RANK_TOL of the largest are taken as 0, as R coxph's generalized Cholesky
    # does (toler.chol = eps^0.75), so the statistic equals R's rscore there too.
    return float(diff @ np.linalg.pinv(vv, rtol=_RANK_TOL, hermitian=True) @ diff), df


def mcf_equality_test(stop, event, id, groups, entry=None, weights=None) -> MCFTestResult:
    """Test of equal mean cumulative functions across groups (robust score test).

    The Cook-Lawless-Nadeau (1996) pseudo-score test with the constant weight
    and pooled-rate residuals, which equals R
    ``coxph(Surv(entry, stop, event) ~ group + cluster(id), ties = "breslow")$rscore``,
    the Andersen-Gill robust score test (see the module docstring for the choice).

    Parameters
    ----------
    stop, event, id, entry, weights : array-like
        The (entry, stop] rows, as for
        :func:`~recidive.estimation.mean_cumulative.mean_cumulative_function`;
        ``weights`` are frequency weights (the result equals that of the
        expanded data; R's ``weights=`` in ``coxph`` are not read that way).
    groups : array-like
        Group of each row (two or more groups); it may change over a person's
        follow-up.

    Returns
    -------
    MCFTestResult

    Examples
    --------
    Four persons (A and B in group x, C and D in y), with gaps and delayed entry:

    >>> r = mcf_equality_test(
    ...     stop=[3, 5, 9, 3, 8, 10, 5, 7, 12, 4, 8], event=[1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1],
    ...     id=list("AAABBBCCCDD"), groups=list("xxxxxxyyyyy"),
    ...     entry=[0, 3, 5, 0, 6, 8, 2, 5, 7, 0, 4])
    >>> r.df, round(r.statistic, 4)
    (1, 1.7778)
    """
    n = check_time(stop, "stop").shape[0]  # groups are coded before the rows are sorted
    check_length(groups, "groups", n)
    codes, labels = check_groups(groups, n)
    rows = check_person_rows(stop, event, id, entry, weights, groups=codes)
    n_groups = len(labels)
    grid = time_grid(rows)
    y_group, events_group = _group_counts(rows, grid, n_groups)
    y, events = y_group.sum(axis=0), events_group.sum(axis=0)
    d_lambda = events / y
    observed = events_group.sum(axis=1)
    expected = (y_group * d_lambda).sum(axis=1)
    resid = _person_residuals(rows, grid, y_group, d_lambda)
    variance = (resid * rows.person_weight()[:, None]).T @ resid
    scale = _gross_scale(rows, grid, d_lambda)
    statistic, df = _chi_square(observed - expected, variance, expected > 0, scale)
    frame = pd.DataFrame(
        {
            "group": np.asarray(labels, dtype=object),
            "n": _persons_per_group(rows, n_groups),
            "observed": observed,
            "expected": expected,
        }
    )
    p_value = float(chdtrc(df, statistic)) if df > 0 else np.nan
    return MCFTestResult(statistic, df, p_value, frame, variance, weighted=rows.weight is not None)
