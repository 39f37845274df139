"""Log-rank test across groups, as R ``survdiff`` (rho = 0)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import chdtrc

from recidive._version import __version__
from recidive.estimation._input import check_groups, check_time_event
from recidive.estimation.risk_table import build_risk_table


@dataclass(frozen=True, eq=False)
class GroupTest:
    """The shared shape of a chi-square test between groups (log-rank, equal MCFs).

    Subclasses name the test (``_name``, in ``metadata``) and its title (``_title``, in the
    notebook display) and document their attributes.
    """

    _name = "group test"
    _title = "Group test"

    statistic: float
    df: int
    p_value: float
    _groups: pd.DataFrame = field(repr=False)
    variance: np.ndarray = field(repr=False)
    weighted: bool = False
    version: str = __version__

    def to_frame(self) -> pd.DataFrame:
        """One row per group: ``group, n, observed, expected``."""
        return self._groups.copy()

    @property
    def metadata(self) -> dict[str, Any]:
        """Test name, statistic, df and p-value."""
        return {
            "test": self._name,
            "statistic": self.statistic,
            "df": self.df,
            "p_value": self.p_value,
            "weighted": self.weighted,
            "version": self.version,
        }

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>{self._title}</b>: chi-square = {self.statistic:.4g}, df = {self.df}, "
            f"p = {self.p_value:.4g}</p>"
        )
        return head + self._groups._repr_html_()


@dataclass(frozen=True, eq=False)
class LogRankResult(GroupTest):
    """Result of :func:`logrank_test` (immutable).

    Attributes
    ----------
    statistic : float
        Chi-square statistic.
    df : int
        Degrees of freedom (groups with expected events > 0, minus 1).
    p_value : float
    variance : ndarray
        Variance-covariance matrix of observed - expected per group.
    """

    _name = "log-rank"
    _title = "Log-rank test"


def logrank_test(time, event, groups, weights=None) -> LogRankResult:
    """Log-rank test of equal survival across groups, equal to R ``survdiff``.

    Parameters
    ----------
    time, event : array-like
        Follow-up times and 0/1 event flags.
    groups : array-like
        Group label of each row (two or more groups).
    weights : array-like, optional
        Frequency weights (the result equals that of the expanded data).

    Returns
    -------
    LogRankResult

    Examples
    --------
    >>> r = logrank_test([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], ["a", "b", "a", "b", "a", "b"])
    >>> r.df, round(r.statistic, 4)
    (1, 0.0739)
    """
    t, e, w = check_time_event(time, event, weights)
    codes, labels = check_groups(groups, t.shape[0])
    table = build_risk_table(t, e, w, codes, labels, (1,))
    n_groups = len(labels)
    utimes, pos = np.unique(table.time, return_inverse=True)
    n_times = utimes.shape[0]
    # at-risk and events per (distinct time, group); at-risk carried back within group
    d = np.zeros((n_times, n_groups))
    r = np.zeros((n_times, n_groups))
    d[pos, table.stratum] = table.events()
    exits = np.zeros((n_times, n_groups))
    exits[pos, table.stratum] = table.events() + table.n_censored
    r = np.cumsum(exits[::-1], axis=0)[::-1]
    n_tot = r.sum(axis=1)
    d_tot = d.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = r / n_tot[:, None]
        expected = (share * d_tot[:, None]).sum(axis=0)
        factor = np.where(n_tot > 1, d_tot * (n_tot - d_tot) / (n_tot - 1), 0.0)
    variance = np.diag((factor[:, None] * share).sum(axis=0)) - (share * factor[:, None]).T @ share
    observed = d.sum(axis=0)
    keep = expected > 0
    df = int(keep.sum()) - 1
    if keep.sum() < 2:
        stat = 0.0
    else:
        diff = (observed - expected)[keep][1:]
        vv = variance[np.ix_(keep, keep)][1:, 1:]
        try:
            stat = float(diff @ np.linalg.solve(vv, diff))
        except np.linalg.LinAlgError:  # singular (e.g. every subject at risk fails): g-inverse
            stat = float(diff @ np.linalg.pinv(vv) @ diff)
    p_value = float(chdtrc(df, stat)) if df > 0 else np.nan
    frame = pd.DataFrame(
        {
            "group": np.asarray(labels, dtype=object),
            "n": r[0] if n_times else np.zeros(n_groups),
            "observed": observed,
            "expected": expected,
        }
    )
    return LogRankResult(stat, df, p_value, frame, variance, weighted=w is not None)
