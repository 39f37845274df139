"""Mean predicted risk of a Cox model over a population, with its influence function.

Adjusted recidivism (:mod:`recidive.estimation.adjusted_rates`) averages a Cox model's
``1 - S(t | x)`` over a population. Its standard error comes from the influence function of
that mean, one value per person of the fitted data, so that the variance is
``sum_i IF_i^2`` (R ``riskRegression::ate``'s estimator, written out in
``tests/r/adjusted_rates.R``). With ``L0`` the cumulative baseline hazard at the centred
covariates, ``e_j = exp(x_j' beta)``, ``S_j = exp(-L0(t) e_j)`` over the ``m`` rows ``j`` of
the population::

    IF_i = 1{i in population} (F_i - mean F) / m                   (who is in the population)
         + mean_j(S_j e_j) IF_i(L0(t))                              (the baseline hazard)
         + L0(t) mean_j(S_j e_j x_j)' IF_i(beta)                     (the coefficients)
    IF_i(beta) = U_i V,   IF_i(L0(t)) = q_i(t) - H(t)' IF_i(beta)
    q_i(t) = delta_i 1{T_i <= t} / S0(T_i) - r_i sum_{t_k <= min(T_i, t)} dL0_k / S0_k
    H(t) = sum_{t_k <= t} E_k dL0_k

``U_i`` is the Breslow score residual ``sum_k (dN_ik - Y_ik r_i dL0_k)(x_i - E_k)`` (R's
``residuals(fit, "dfbeta") %*% solve(vcov)``). riskRegression 2022.11.28 uses
``dN_ik - Y_ik r_i / S0_k`` instead, one event per distinct time: it departs from the
score residual where event times are tied (``score="riskRegression"`` reproduces it for
the tests). With Efron ties ``dL0_k`` is the Efron-adjusted increment (R ``survfit``'s
``ctype = 2``) and the rest as above, as ``ate`` does for an Efron fit: the point estimate
is exact, the standard error the Breslow form evaluated at the Efron fit.

Every sum over event times is a cumulative sum over the rows sorted by time once, so the
cost is a few passes over an ``n x p`` matrix per (population, horizon).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CoxPieces:
    """The fitted model's per-time sums and per-person influence of ``beta``."""

    time: np.ndarray  # (n,) durations
    event: np.ndarray  # (n,) 0/1
    x: np.ndarray  # (n, p) centred covariates
    center: np.ndarray  # (p,) the column means taken off
    beta: np.ndarray  # (p,)
    risk: np.ndarray  # (n,) exp(x' beta)
    event_times: np.ndarray  # (K,) distinct event times, ascending
    s0: np.ndarray  # (K,) sum of risk over the risk set
    cum_dl: np.ndarray  # (K,) cumulative baseline hazard L0 at event_times
    cum_h: np.ndarray  # (K, p) H at event_times
    cum_dl_s0: np.ndarray  # (K,) sum dL0_k / S0_k
    own: np.ndarray  # (n,) index of the last event time <= T_i (-1: none)
    # the score residual U_i = x_i u_i + r_i D(T_i) - delta_i E(T_i), kept in parts so that
    # IF(beta) v = U (V v) costs one matrix-vector product and no n x p matrix
    u_scale: np.ndarray  # (n,) delta_i - r_i C(T_i)
    cum_ce: np.ndarray  # (K + 1, p) D at "no event yet" and at each event time
    mean_x: np.ndarray  # (K, p) E_k
    variance: np.ndarray  # (p, p)

    def if_beta_dot(self, v: np.ndarray) -> np.ndarray:
        """``IF_i(beta)' v`` for every fitted row."""
        vv = self.variance @ v
        out = (self.x @ vv) * self.u_scale + self.risk * (self.cum_ce @ vv)[self.own + 1]
        events = self.event == 1
        out[events] -= (self.mean_x @ vv)[self.own[events]]
        return out

    def last_event(self, t) -> np.ndarray:
        """Index of the last event time at or before ``t`` (-1: none)."""
        return np.searchsorted(self.event_times, t, side="right") - 1

    def q(self, t: float) -> np.ndarray:
        """``q_i(t)``, the influence of each person on ``L0(t)`` at fixed ``beta``."""
        counted = (self.event == 1) & (self.time <= t)
        first = np.where(counted, 1.0 / self.s0[np.maximum(self.own, 0)], 0.0)
        upto = np.minimum(self.own, self.last_event(t))  # last event time <= min(T_i, t)
        spent = np.where(upto >= 0, self.cum_dl_s0[np.maximum(upto, 0)], 0.0)
        return first - self.risk * spent

    def at(self, t: float) -> tuple[float, np.ndarray]:
        """``L0(t)`` and ``H(t)``."""
        k = int(self.last_event(t))
        if k < 0:
            return 0.0, np.zeros(self.x.shape[1])
        return float(self.cum_dl[k]), self.cum_h[k]


def cox_pieces(
    x: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    beta: np.ndarray,
    variance: np.ndarray,
    ties: str,
    score: str = "breslow",
) -> CoxPieces:
    """Risk-set sums and ``IF(beta)`` of a fitted Cox model on its own rows.

    ``x`` is the uncentred design matrix of the fitted rows, ``beta`` and ``variance`` the
    model's coefficients and (model-based) variance; ``score`` is ``"breslow"`` (the score
    residual) or ``"riskRegression"`` (``ate``'s form at tied times).
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=np.int64)
    xc = np.array(x, dtype=float, order="F")  # columns contiguous for the sums below
    center = xc.mean(axis=0)
    xc -= center
    risk = np.exp(xc @ beta)
    # sums per distinct time, then over {T >= t} as reversed cumulative sums: no sort of
    # the n x p matrix (registry days have a few thousand distinct values)
    times, at = np.unique(time, return_inverse=True)
    n_times = len(times)
    by_time = np.column_stack(
        [np.bincount(at, weights=risk * xc[:, j], minlength=n_times) for j in range(xc.shape[1])]
        + [np.bincount(at, weights=risk, minlength=n_times)]
    )
    above = np.cumsum(by_time[::-1], axis=0)[::-1]
    d_all = np.bincount(at, weights=event, minlength=n_times)
    has_event = d_all > 0
    event_times, d = times[has_event], d_all[has_event]
    s0, s1 = above[has_event, -1], above[has_event, :-1]
    mean_x = s1 / s0[:, None]
    if ties == "efron":
        tied = np.bincount(at, weights=risk * event, minlength=n_times)[has_event]
        dl = _efron_increments(d, s0, tied)
    else:
        dl = d / s0
    own = (np.cumsum(has_event) - 1)[at]  # last event time <= T_i
    c = dl if score == "breslow" else 1.0 / s0
    # the score residual: delta_i (x_i - E(T_i)) - r_i (x_i C(T_i) - D(T_i)),
    # C, D the sums of c_k and c_k E_k over t_k <= T_i
    cum_c = np.concatenate([[0.0], np.cumsum(c)])[own + 1]
    cum_ce = np.vstack([np.zeros(xc.shape[1]), np.cumsum(c[:, None] * mean_x, axis=0)])
    return CoxPieces(
        time=time,
        event=event,
        x=xc,
        center=center,
        beta=beta,
        risk=risk,
        event_times=event_times,
        s0=s0,
        cum_dl=np.cumsum(dl),
        cum_h=np.cumsum(mean_x * dl[:, None], axis=0),
        cum_dl_s0=np.cumsum(dl / s0),
        own=own,
        u_scale=event - risk * cum_c,
        cum_ce=cum_ce,
        mean_x=mean_x,
        variance=np.asarray(variance, dtype=float),
    )


def _efron_increments(d: np.ndarray, s0: np.ndarray, tied: np.ndarray) -> np.ndarray:
    """Efron-adjusted hazard increments ``sum_{r<d} 1 / (S0 - r/d * tied risk)``."""
    k = np.repeat(np.arange(len(d)), d.astype(np.int64))
    starts = np.concatenate([[0], np.cumsum(d.astype(np.int64))[:-1]])
    rank = np.arange(len(k)) - starts[k]
    part = 1.0 / (s0[k] - rank / d[k] * tied[k])
    return np.bincount(k, weights=part, minlength=len(d))


def mean_risk(
    pieces: CoxPieces,
    t: float,
    q: np.ndarray,
    rows: np.ndarray | slice,
    x: np.ndarray,
    eta: np.ndarray,
    shift: tuple[list[int], np.ndarray] | None = None,
) -> tuple[float, np.ndarray]:
    """Mean of ``1 - S(t | x)`` over a population, and its influence function.

    ``rows`` are the population's rows among the fitted ones (``slice(None)``: all), ``x``
    their centred covariates and ``eta`` their linear predictor. ``shift = (columns,
    values)`` (optional) gives every row of the population the same (centred) values in
    those columns, e.g. the dummies of one group: those columns of ``x`` are then ignored
    and ``eta`` must leave them out.
    ``q`` is ``pieces.q(t)``. Returns the estimate and ``IF`` (one value per fitted row).
    """
    m = len(eta)
    if shift is not None:
        columns, values = shift
        eta = eta + values @ pieces.beta[columns]
    e = np.exp(eta)
    big_l, big_h = pieces.at(t)
    surv = np.exp(-big_l * e)
    risk = 1.0 - surv
    estimate = float(risk.mean())
    weight = surv * e
    a = float(weight.mean())
    w = (weight @ x) / m
    if shift is not None:
        w[columns] = a * values
    influence = a * q + pieces.if_beta_dot(big_l * w - a * big_h)
    influence[rows] += (risk - estimate) / m
    return estimate, influence


def km_influence(time: np.ndarray, event: np.ndarray, rows: np.ndarray, t: float, surv: float):
    """Influence function of ``1 - KM(t)`` of the persons ``rows`` (zero elsewhere).

    ``-IF(S(t)) = S(t) sum_{t_k <= t} (dN_i - Y_i dLambda_k) / Y_k``: its sum of squares is
    the Aalen-type variance ``S^2 sum d_k / Y_k^2`` (Greenwood's ``d / (Y (Y - d))`` in the
    limit).
    """
    out = np.zeros(len(time))
    tm, ev = np.asarray(time, dtype=float)[rows], np.asarray(event)[rows]
    if not np.isfinite(surv):
        return out
    event_times, d = np.unique(tm[ev == 1], return_counts=True)
    sorted_t = np.sort(tm)
    at_risk = len(tm) - np.searchsorted(sorted_t, event_times, side="left")
    cum = np.cumsum(d / at_risk.astype(float) ** 2)
    own = np.searchsorted(event_times, tm, side="right") - 1
    counted = (ev == 1) & (tm <= t)
    first = np.where(counted, 1.0 / at_risk[np.maximum(own, 0)], 0.0)
    upto = np.searchsorted(event_times, np.minimum(tm, t), side="right") - 1
    spent = np.where(upto >= 0, cum[np.maximum(upto, 0)], 0.0)
    out[rows] = surv * (first - spent)
    return out
