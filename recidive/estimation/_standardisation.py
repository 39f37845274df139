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

Everything is a sum, so the work splits into passes over any split of the rows (one frame
in memory, the partitions of a Dask frame; :mod:`recidive.estimation._adjusted_passes`):

1. per distinct time, the sums of ``r``, ``r x``, events and tied risk
   (:func:`time_sums`), from which the driver builds the :class:`Baseline`;
2. per population, the sums of ``F_j``, ``S_j e_j`` and ``S_j e_j x_j``
   (:func:`population_sums`), from which the driver has the estimate and the weights of
   the influence function (:func:`mean_risk_terms`);
3. per row, ``IF_i`` (:func:`mean_risk_influence`), summed as squares.

The Kaplan-Meier rates of the indirect method take the same road from counts per time
(:func:`km_table`, :func:`km_rate`, :func:`km_influence`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recidive.estimation.kaplan_meier import product_limit


@dataclass(frozen=True)
class Baseline:
    """A fitted model's per-time sums over all rows: the same for every split of the rows."""

    beta: np.ndarray  # (p,)
    center: np.ndarray  # (p,) the column means taken off
    variance: np.ndarray  # (p, p) model-based
    event_times: np.ndarray  # (K,) distinct event times, ascending
    s0: np.ndarray  # (K,) sum of risk over the risk set
    mean_x: np.ndarray  # (K, p) E_k
    cum_dl: np.ndarray  # (K,) cumulative baseline hazard L0 at event_times
    cum_h: np.ndarray  # (K, p) H at event_times
    cum_dl_s0: np.ndarray  # (K,) sum dL0_k / S0_k
    cum_c: np.ndarray  # (K + 1,) C of the score residual at "no event yet" and each time
    cum_ce: np.ndarray  # (K + 1, p) D of the score residual, likewise

    def last_event(self, t) -> np.ndarray:
        """Index of the last event time at or before ``t`` (-1: none)."""
        return np.searchsorted(self.event_times, t, side="right") - 1

    def at(self, t: float) -> tuple[float, np.ndarray]:
        """``L0(t)`` and ``H(t)``."""
        k = int(self.last_event(t))
        if k < 0:
            return 0.0, np.zeros(len(self.beta))
        return float(self.cum_dl[k]), self.cum_h[k]


def time_sums(grid: np.ndarray, time, event, x: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Per time of ``grid``: the sums of ``r x`` (p columns), ``r``, events and ``r`` of events.

    ``x`` is centred; ``grid`` holds every distinct time of all rows (ascending). Adding the
    results of any split of the rows gives those of all rows.
    """
    at = np.searchsorted(grid, time)
    risk = np.exp(x @ beta)
    m = len(grid)
    columns = [np.bincount(at, weights=risk * x[:, j], minlength=m) for j in range(x.shape[1])]
    columns += [
        np.bincount(at, weights=risk, minlength=m),
        np.bincount(at, weights=event, minlength=m),
        np.bincount(at, weights=risk * event, minlength=m),
    ]
    return np.column_stack(columns)


def baseline(grid, sums, beta, center, variance, ties: str, score: str = "breslow") -> Baseline:
    """The :class:`Baseline` from the :func:`time_sums` of all rows.

    ``score`` is ``"breslow"`` (the score residual) or ``"riskRegression"`` (``ate``'s form
    at tied times).
    """
    p = len(beta)
    # sums over {T >= t}: reversed cumulative sums over the grid
    above = np.cumsum(sums[::-1, : p + 1], axis=0)[::-1]
    d_all = sums[:, p + 1]
    has_event = d_all > 0
    d = d_all[has_event]
    s0, s1 = above[has_event, p], above[has_event, :p]
    mean_x = s1 / s0[:, None]
    if ties == "efron":
        dl = _efron_increments(d, s0, sums[has_event, p + 2])
    else:
        dl = d / s0
    # the score residual: delta_i (x_i - E(T_i)) - r_i (x_i C(T_i) - D(T_i)),
    # C, D the sums of c_k and c_k E_k over t_k <= T_i
    c = dl if score == "breslow" else 1.0 / s0
    return Baseline(
        beta=np.asarray(beta, dtype=float),
        center=np.asarray(center, dtype=float),
        variance=np.asarray(variance, dtype=float),
        event_times=np.asarray(grid)[has_event],
        s0=s0,
        mean_x=mean_x,
        cum_dl=np.cumsum(dl),
        cum_h=np.cumsum(mean_x * dl[:, None], axis=0),
        cum_dl_s0=np.cumsum(dl / s0),
        cum_c=np.concatenate([[0.0], np.cumsum(c)]),
        cum_ce=np.vstack([np.zeros(p), np.cumsum(c[:, None] * mean_x, axis=0)]),
    )


def _efron_increments(d: np.ndarray, s0: np.ndarray, tied: np.ndarray) -> np.ndarray:
    """Efron-adjusted hazard increments ``sum_{r<d} 1 / (S0 - r/d * tied risk)``."""
    k = np.repeat(np.arange(len(d)), d.astype(np.int64))
    starts = np.concatenate([[0], np.cumsum(d.astype(np.int64))[:-1]])
    rank = np.arange(len(k)) - starts[k]
    part = 1.0 / (s0[k] - rank / d[k] * tied[k])
    return np.bincount(k, weights=part, minlength=len(d))


@dataclass(frozen=True)
class CoxRows:
    """Some fitted rows with what their influence needs (the :class:`Baseline` in ``base``)."""

    base: Baseline
    time: np.ndarray  # (n,) durations
    event: np.ndarray  # (n,) 0/1
    x: np.ndarray  # (n, p) centred covariates
    risk: np.ndarray  # (n,) exp(x' beta)
    own: np.ndarray  # (n,) index of the last event time <= T_i (-1: none)
    # the score residual U_i = x_i u_i + r_i D(T_i) - delta_i E(T_i), kept in parts so that
    # IF(beta) v = U (V v) costs one matrix-vector product and no n x p matrix
    u_scale: np.ndarray  # (n,) delta_i - r_i C(T_i)

    def if_beta_dot(self, v: np.ndarray) -> np.ndarray:
        """``IF_i(beta)' v`` for every row."""
        base = self.base
        vv = base.variance @ v
        out = (self.x @ vv) * self.u_scale + self.risk * (base.cum_ce @ vv)[self.own + 1]
        events = self.event == 1
        out[events] -= (base.mean_x @ vv)[self.own[events]]
        return out

    def q(self, t: float) -> np.ndarray:
        """``q_i(t)``, the influence of each row on ``L0(t)`` at fixed ``beta``."""
        base = self.base
        counted = (self.event == 1) & (self.time <= t)
        first = np.where(counted, 1.0 / base.s0[np.maximum(self.own, 0)], 0.0)
        upto = np.minimum(self.own, base.last_event(t))  # last event time <= min(T_i, t)
        spent = np.where(upto >= 0, base.cum_dl_s0[np.maximum(upto, 0)], 0.0)
        return first - self.risk * spent


def cox_rows(base: Baseline, x: np.ndarray, time, event) -> CoxRows:
    """The :class:`CoxRows` of some rows: ``x`` their uncentred design matrix."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=np.int64)
    xc = np.array(x, dtype=float, order="F")  # columns contiguous for the sums
    xc -= base.center
    risk = np.exp(xc @ base.beta)
    own = base.last_event(time)
    return CoxRows(base, time, event, xc, risk, own, event - risk * base.cum_c[own + 1])


def population_sums(
    base: Baseline, t: float, x: np.ndarray, eta: np.ndarray, shift=None
) -> np.ndarray:
    """``[m, sum F_j, sum S_j e_j, sum S_j e_j x_j]`` over some rows of a population.

    ``x`` are their centred covariates and ``eta`` their linear predictor. ``shift =
    (columns, values)`` (optional) gives every row the same (centred) values in those
    columns, e.g. the dummies of one group: ``eta`` must then leave those columns out.
    Adding the results of any split of the population gives those of all of it.
    """
    surv, e = _survival(base, t, eta, shift)
    weight = surv * e
    return np.concatenate([[len(eta), float((1.0 - surv).sum()), float(weight.sum())], weight @ x])


def _survival(base: Baseline, t: float, eta: np.ndarray, shift) -> tuple[np.ndarray, np.ndarray]:
    """``S(t | x)`` and ``exp(eta)`` of rows (with the ``shift`` of :func:`population_sums`)."""
    if shift is not None:
        columns, values = shift
        eta = eta + values @ base.beta[columns]
    e = np.exp(eta)
    return np.exp(-base.at(t)[0] * e), e


@dataclass(frozen=True)
class MeanRisk:
    """The mean risk of a population and the weights of its influence function."""

    estimate: float
    m: float  # rows in the population
    a: float  # mean S_j e_j
    v: np.ndarray  # (p,) L0(t) mean(S_j e_j x_j) - a H(t)


def mean_risk_terms(base: Baseline, t: float, sums: np.ndarray, shift=None) -> MeanRisk:
    """The :class:`MeanRisk` from the :func:`population_sums` of the whole population."""
    m = sums[0]
    a = sums[2] / m
    w = sums[3:] / m
    if shift is not None:
        columns, values = shift
        w[columns] = a * values
    big_l, big_h = base.at(t)
    return MeanRisk(float(sums[1] / m), float(m), float(a), big_l * w - a * big_h)


def mean_risk_influence(
    rows: CoxRows, q: np.ndarray, terms: MeanRisk, members, eta: np.ndarray, t: float, shift=None
) -> np.ndarray:
    """``IF_i`` of the mean risk for the given rows (``members``: those in the population).

    ``q`` is ``rows.q(t)``; ``eta`` (and ``shift``) are the members' as in
    :func:`population_sums`.
    """
    influence = terms.a * q + rows.if_beta_dot(terms.v)
    surv, _ = _survival(rows.base, t, eta, shift)
    influence[members] += (1.0 - surv - terms.estimate) / terms.m
    return influence


@dataclass(frozen=True)
class KMTable:
    """A population's Kaplan-Meier steps from its counts per time."""

    event_times: np.ndarray
    at_risk: np.ndarray
    survival: np.ndarray  # after each event time
    cum_d_y2: np.ndarray  # sum d / Y^2 up to each event time
    last_time: float  # the last observed time (NaN past it)


def km_table(grid: np.ndarray, n: np.ndarray, d: np.ndarray) -> KMTable:
    """The :class:`KMTable` of rows (``n``) and events (``d``) per time of ``grid``."""
    at_risk = np.cumsum(n[::-1])[::-1]
    steps = d > 0
    y, dk = at_risk[steps].astype(float), d[steps].astype(float)
    survival, _ = product_limit(y, dk)
    seen = np.flatnonzero(n > 0)
    last = float(grid[seen[-1]]) if len(seen) else float("-inf")
    return KMTable(grid[steps], y, survival, np.cumsum(dk / y**2), last)


def km_rate(table: KMTable, t: float) -> float:
    """``1 - KM(t)``: NaN past the last observed time."""
    if t > table.last_time:
        return float("nan")
    k = int(np.searchsorted(table.event_times, t, side="right")) - 1
    return 0.0 if k < 0 else float(1.0 - table.survival[k])


def km_influence(table: KMTable, time, event, members, t: float, surv: float) -> np.ndarray:
    """Influence function of ``1 - KM(t)`` of a population on some rows (zero off ``members``).

    ``-IF(S(t)) = S(t) sum_{t_k <= t} (dN_i - Y_i dLambda_k) / Y_k``: its sum of squares is
    the Aalen-type variance ``S^2 sum d_k / Y_k^2`` (Greenwood's ``d / (Y (Y - d))`` in the
    limit).
    """
    out = np.zeros(len(time))
    if not np.isfinite(surv):
        return out
    tm, ev = np.asarray(time, dtype=float)[members], np.asarray(event)[members]
    own = np.searchsorted(table.event_times, tm, side="right") - 1
    counted = (ev == 1) & (tm <= t)
    first = np.where(counted, 1.0 / table.at_risk[np.maximum(own, 0)], 0.0)
    upto = np.searchsorted(table.event_times, np.minimum(tm, t), side="right") - 1
    spent = np.where(upto >= 0, table.cum_d_y2[np.maximum(upto, 0)], 0.0)
    out[members] = surv * (first - spent)
    return out
