"""Concordance of a Cox model's linear predictor, as R ``coxph$concordance``.

R's conventions (``concordancefit(..., reverse=TRUE, timefix=FALSE)``): a pair
is comparable when the earlier time is an event (a censored time equal to an
event time counts as later); a higher risk score for the earlier event is
concordant; pairs tied on the risk score are ``tied.x`` (and count one half);
pairs of events at the same time are ``tied.y`` / ``tied.xy`` and are not
comparable. The standard error is R's infinitesimal-jackknife one,
``sqrt(sum(dfbeta^2) / 4)``. Weights are frequency weights: the result equals
that of the expanded data.

On counting-process data (rows at risk on ``(entry, time]``, R ``concordance4``) an event
is compared with the rows at risk at its time only: the partners above less those that
enter at or after it. With a cluster (R ``cluster(id)``) the jackknife influences are
summed per cluster before they are squared.

Counting is O(n log n) and fully vectorised. Each row's partners form one
contiguous range of a sorted array: for a death, the rows of its stratum sorted
by time descending with censored before deaths at a time (its partners are the
prefix before its own time's deaths); for any row, the deaths of its stratum
sorted by time (the earlier deaths, plus those at its own time for a censored
row). A wavelet matrix over the ranks of the risk score answers "weight below,
equal to and above my rank within this range" for all rows at once, one pass
per bit of the rank.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Concordance:
    concordance: float
    std_err: float
    concordant: float
    discordant: float
    tied_x: float
    tied_y: float
    tied_xy: float


def _range_rank(values, weights, lo, hi, q, nbits):
    """Weight of ``values < q`` and ``values == q`` among positions ``[lo, hi)``.

    A wavelet matrix, built and queried one bit level at a time (most significant
    first): at each level the rows are stably partitioned by the bit, and each query
    range moves to its zeros or its ones, collecting the weight of the zeros when
    the query's bit is one.
    """
    n = len(values)
    below = np.zeros(len(q))
    v, w = values, weights
    zp = np.zeros(n + 1, dtype=np.int64)
    wp = np.zeros(n + 1)
    for level in range(nbits - 1, -1, -1):
        one = ((v >> level) & 1).astype(bool)
        zero = ~one
        np.cumsum(zero, out=zp[1:])
        np.cumsum(np.where(one, 0.0, w), out=wp[1:])
        n_zero = zp[-1]
        qone = ((q >> level) & 1).astype(bool)
        below += np.where(qone, wp[hi] - wp[lo], 0.0)
        zlo, zhi = zp[lo], zp[hi]
        lo = np.where(qone, n_zero + lo - zlo, zlo)
        hi = np.where(qone, n_zero + hi - zhi, zhi)
        part = np.concatenate([np.flatnonzero(zero), np.flatnonzero(one)])
        v, w = v[part], w[part]
    np.cumsum(w, out=wp[1:])
    return below, wp[hi] - wp[lo]


def _partner_counts(values, weights, lo, hi, q, nbits):
    """Weight below, equal and above rank ``q`` in ``[lo, hi)`` of ``values``."""
    total = np.concatenate([[0.0], np.cumsum(weights)])
    below, equal = _range_rank(values, weights, lo, hi, q, nbits)
    return below, equal, total[hi] - total[lo] - below - equal


def concordance(time, event, weight, stratum, lp, entry=None, cluster=None) -> Concordance:
    """Harrell's C of ``lp`` with R's tie conventions and jackknife SE.

    ``lp`` is rounded to 10 decimals so that identical covariate rows, whose
    BLAS products may differ in the last bit, are tied on the risk score.
    ``entry`` (optional) are the rows' entry times, ``cluster`` their cluster codes.
    """
    lp = np.round(lp, 10)
    # distinct (stratum, time, event, entry, rank) rows, sorted in that order
    tcode, tvals = pd.factorize(np.asarray(time), sort=True)
    rcode, rvals = pd.factorize(lp, sort=True)
    n_t, n_r = len(tvals), max(len(rvals), 1)
    # an entry as the code of the last time at or before it (-1: before all): rows at
    # risk at a time code k are those with entry code < k
    ecode = np.zeros(len(tcode), dtype=np.int64) if entry is None else (
        np.searchsorted(tvals, entry, side="right")
    )  # fmt: skip
    n_e = n_t + 1
    st = np.asarray(stratum, dtype=np.int64) * n_t + tcode  # (stratum, time)
    key = ((st * 2 + np.asarray(event, dtype=bool)) * n_e + ecode) * n_r + rcode
    inv, keys = pd.factorize(key, sort=True)
    w = np.bincount(inv, weight, minlength=len(keys))
    r = keys % n_r
    ec = (keys // n_r) % n_e - 1  # code of the last time at or before the entry
    e = (keys // (n_r * n_e)) % 2 == 1
    st = keys // (2 * n_r * n_e)
    s = st // n_t
    nbits = max(1, int(n_r - 1).bit_length())

    # deaths' partners: later times and censored rows at their time, same stratum
    desc = (s * n_t + (n_t - 1 - st % n_t)) * 2 + e  # time descending, censored first
    order = np.argsort(desc, kind="stable")
    desc_sorted = desc[order]
    dead = np.flatnonzero(e)
    lo = np.searchsorted(desc_sorted, s[dead] * n_t * 2)
    hi = np.searchsorted(desc_sorted, desc[dead])
    lt1, eq1, gt1 = (np.zeros(len(keys)) for _ in range(3))
    lt1[dead], eq1[dead], gt1[dead] = _partner_counts(r[order], w[order], lo, hi, r[dead], nbits)
    if entry is not None:  # less the partners that enter at or after the death's time
        late = _late_partners(s, ec, w, r, dead, st % n_t, n_t, nbits)
        lt1[dead] -= late[0]
        eq1[dead] -= late[1]
        gt1[dead] -= late[2]

    # every row's partners: deaths after its entry and before its time, and those at
    # its time if it is censored
    dead_st = st[dead]  # sorted
    lo = np.searchsorted(dead_st, s * n_t + ec, side="right")
    hi = np.where(e, np.searchsorted(dead_st, st), np.searchsorted(dead_st, st, side="right"))
    lt2, eq2, gt2 = _partner_counts(r[dead], w[dead], lo, hi, r, nbits)

    cc = lt1 + gt2
    dd = gt1 + lt2
    tt = eq1 + eq2
    wd = w[dead]
    dt = np.bincount(np.searchsorted(np.unique(dead_st), dead_st), wd)
    tied_all = float((dt * (dt - 1) / 2).sum())
    tied_xy = float((wd * (wd - 1) / 2).sum())
    tot = np.array([w @ lt1, w @ gt1, w @ eq1, tied_all - tied_xy, tied_xy])
    npair = tot[0] + tot[1] + tot[2]
    if npair == 0:
        return Concordance(np.nan, np.nan, *tot)
    somer = (tot[0] - tot[1]) / npair
    dfbeta = (cc - dd) / npair - somer / npair * (cc + dd + tt)
    if cluster is None:
        var = float(w @ dfbeta**2) / 4
    else:  # each row's influence (its weight times its key's), summed per cluster
        per_cluster = np.bincount(cluster, np.asarray(weight, dtype=float) * dfbeta[inv])
        var = float(per_cluster @ per_cluster) / 4
    return Concordance((somer + 1) / 2, np.sqrt(var), *tot)


def _late_partners(s, ec, w, r, dead, tcode, n_t, nbits):
    """Per death: weight below, equal and above its rank among the rows of its stratum that
    enter at or after its time (entry code >= the death's time code)."""
    # rows sorted by stratum, then entry code descending
    desc = s * (n_t + 1) + (n_t - 1 - ec)
    order = np.argsort(desc, kind="stable")
    desc_sorted = desc[order]
    lo = np.searchsorted(desc_sorted, s[dead] * (n_t + 1))
    hi = np.searchsorted(desc_sorted, s[dead] * (n_t + 1) + (n_t - 1 - tcode[dead]), side="right")
    return _partner_counts(r[order], w[order], lo, hi, r[dead], nbits)
