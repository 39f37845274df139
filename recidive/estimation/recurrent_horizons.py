"""Reoffending frequency at horizons: the MCF, per recidivist, and with death as terminal.

The frequency of reoffending within ``h`` years is the mean cumulative function (MCF) at
``h``: the Nelson-Aalen sum over event times ``t <= h`` of ``dN(t) / Y(t)``, with the
Lawless-Nadeau (1995) robust standard error, the same estimator as
:func:`recidive.mean_cumulative_function`. This module computes it for the simplest and
commonest event history, one stretch of follow-up ``(0, F_i]`` per person on the cohort's
clock, with three things that the general (entry, stop] routine does not do:

- several events of a person at one time (two counted cases on one day): ``dN_i(t)`` is a
  count, not a 0/1 flag. The increment of the influence ``D_i`` is linear in ``dN_i``, so
  the count enters the formulas as it is;
- events at time 0 (an offence during a detention that was running when follow-up
  started: the compressed clock of ``remove_detention_time`` counts it at day 0): the
  counting process lives on ``[0, inf)`` and everyone is at risk at 0;
- the frequency per recidivist, ``R(h) = MCF(h) / F(h)`` with ``F = 1 - S`` the
  Kaplan-Meier share of persons with at least one event by ``h`` (the mean number of
  events among those with one, ``E[N(h) | N(h) >= 1]``, in a world without censoring).
  Its standard error comes from the joint influence functions of the two estimators on the
  same persons (the delta method): with ``D_i`` the Lawless-Nadeau influence of person
  ``i`` on the MCF and ``a_i = dN1_i / Y1 - sum Y1_i dLambda1 / Y1`` its influence on the
  Nelson-Aalen estimate of the time to the first event, ``F`` has influence ``S a_i`` and

      IF_i(R) = D_i / F - MCF S a_i / F^2,    Var R = sum_i IF_i(R)^2.

  The interval is on the log scale, as the MCF's. The first-event variance this implies
  is the robust ``S^2 sum dN1 / Y1^2`` (not Greenwood's); the two agree to first order.

Death: the MCF censors at death, so it describes a world without death (as Kaplan-Meier
does for prevalence). The sensitivity treats death as a terminal event, the Ghosh-Lin
(2000) mean frequency ``sum_{t <= h} S_death(t-) dMCF(t)``, with ``S_death`` the
Kaplan-Meier curve of death (other ends of follow-up censored) on the same risk sets: the
mean number of events by ``h`` counting the dead as making no more. Only its point
estimate is given.

All sums are vectorised (``bincount``, ``cumsum``, ``searchsorted``): no loop over persons
or times; the horizons are few.
"""

from __future__ import annotations

import numpy as np

from recidive.estimation.mean_cumulative import mcf_conf_int


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a / b`` with 0 where ``b`` is 0 (a time nobody is at risk has no event)."""
    return np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape), where=b > 0)


def _events_by_person_time(person: np.ndarray, time: np.ndarray, count: np.ndarray):
    """Events summed per (person, time), sorted by person, then time."""
    order = np.lexsort((time, person))
    person, time, count = person[order], time[order], count[order]
    new = np.ones(person.shape[0], dtype=bool)
    new[1:] = (person[1:] != person[:-1]) | (time[1:] != time[:-1])
    first = np.flatnonzero(new)
    return person[first], time[first], np.add.reduceat(count, first) if first.size else count


def frequency_at_horizons(
    followup: np.ndarray,
    person: np.ndarray,
    time: np.ndarray,
    count: np.ndarray,
    death: np.ndarray,
    horizons: np.ndarray,
    conf_type: str,
    conf_level: float,
) -> dict[str, np.ndarray]:
    """MCF, its error and interval, the share with an event, per recidivist, and Ghosh-Lin.

    Parameters
    ----------
    followup : ndarray
        Per person, the end ``F_i >= 0`` of follow-up ``(0, F_i]`` (persons are 0..n-1).
    person, time, count : ndarray
        Per event record: the person's position, the time (``0 <= time <= F_i``) and the
        number of events (>= 1; records of one person and time are summed).
    death : ndarray of bool
        Per person, whether follow-up ended by death (for the Ghosh-Lin sensitivity).
    horizons : ndarray
        Times at which to evaluate, increasing.
    conf_type, conf_level
        Interval of the MCF and of the frequency per recidivist (``log`` or ``plain``).

    Returns
    -------
    dict of ndarray
        Per horizon: ``n_at_risk``, ``mcf``, ``std_err``, ``ci_lower``, ``ci_upper``,
        ``share_recidivists`` (``F``), ``per_recidivist`` with its ``std_err`` and limits
        (``per_recidivist_std_err``, ...), ``mcf_death_terminal`` and ``past`` (the
        horizon lies beyond the last follow-up: every estimate NaN).

    Examples
    --------
    Three persons followed to 10, 4 and 8; the first has events at 2 and 5 (two at 5),
    the second at 3.

    >>> out = frequency_at_horizons(np.array([10, 4, 8]), np.array([0, 0, 1]),
    ...     np.array([2, 5, 3]), np.array([1, 2, 1]), np.zeros(3, bool),
    ...     np.array([6.0]), "log", 0.95)
    >>> float(out["mcf"][0].round(4)), float(out["share_recidivists"][0].round(4))
    (1.6667, 0.6667)
    """
    n = followup.shape[0]
    person, time, count = _events_by_person_time(person, time, count.astype(np.float64))
    grid = np.unique(np.concatenate([followup, time]))
    y = n - np.searchsorted(np.sort(followup), grid, side="left")  # F_i >= t
    at_event = np.searchsorted(grid, time)
    events = np.bincount(at_event, weights=count, minlength=grid.size)
    d_lambda = _divide(events, y)
    mcf = np.cumsum(d_lambda)
    poisson = np.cumsum(_divide(events, y * y))  # G(t) = sum dN / Y^2
    at_end = np.searchsorted(grid, followup)

    # the first event of each person: Kaplan-Meier and its Nelson-Aalen influence
    head = np.ones(person.shape[0], dtype=bool)
    head[1:] = person[1:] != person[:-1]
    first_at = np.full(n, -1)
    first_at[person[head]] = at_event[head]
    has_event = first_at >= 0
    x1 = np.where(has_event, first_at, at_end)
    y1 = n - np.searchsorted(np.sort(x1), np.arange(grid.size), side="left")
    d1 = np.bincount(first_at[has_event], minlength=grid.size).astype(np.float64)
    surv = np.cumprod(1.0 - _divide(d1, y1))
    poisson1 = np.cumsum(_divide(d1, y1 * y1))

    # death as a terminal event: Kaplan-Meier of death on the same risk sets, just before t
    deaths = np.bincount(at_end[death], minlength=grid.size).astype(np.float64)
    alive_before = np.concatenate([[1.0], np.cumprod(1.0 - _divide(deaths, y))[:-1]])
    ghosh_lin = np.cumsum(alive_before * d_lambda)

    k = np.searchsorted(grid, horizons, side="right") - 1  # last grid time <= h
    past = horizons > (followup.max() if n else -np.inf)
    keys = ("n_at_risk", "mcf", "std_err", "share_recidivists", "per_recidivist")
    out = {name: np.full(horizons.shape[0], np.nan) for name in keys}
    out["per_recidivist_std_err"] = np.full(horizons.shape[0], np.nan)
    out["mcf_death_terminal"] = np.full(horizons.shape[0], np.nan)
    for j, kh in enumerate(k):
        if past[j]:
            continue
        out["n_at_risk"][j] = n - np.searchsorted(np.sort(followup), horizons[j], side="left")
        if kh < 0:  # before the first time: nothing has happened
            for name in ("mcf", "std_err", "share_recidivists", "mcf_death_terminal"):
                out[name][j] = 0.0
            continue
        within = at_event <= kh
        own = np.bincount(person[within], weights=count[within] / y[at_event[within]], minlength=n)
        influence = own - poisson[np.minimum(at_end, kh)]
        s = surv[kh]
        own1 = np.where(has_event & (first_at <= kh), 1.0 / np.maximum(y1[first_at], 1), 0.0)
        influence1 = own1 - poisson1[np.minimum(x1, kh)]
        out["mcf"][j] = mcf[kh]
        out["std_err"][j] = np.sqrt(np.sum(influence**2))
        out["share_recidivists"][j] = 1.0 - s
        out["mcf_death_terminal"][j] = ghosh_lin[kh]
        if s < 1.0:
            f = 1.0 - s
            ratio = influence / f - mcf[kh] * s * influence1 / (f * f)
            out["per_recidivist"][j] = mcf[kh] / f
            out["per_recidivist_std_err"][j] = np.sqrt(np.sum(ratio**2))
    out["ci_lower"], out["ci_upper"] = mcf_conf_int(
        out["mcf"], out["std_err"], conf_type, conf_level
    )
    lo, hi = mcf_conf_int(
        out["per_recidivist"], out["per_recidivist_std_err"], conf_type, conf_level
    )
    out["per_recidivist_ci_lower"], out["per_recidivist_ci_upper"] = lo, hi
    out["past"] = past
    return out
