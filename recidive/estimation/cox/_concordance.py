"""Concordance of a Cox model's linear predictor, as R ``coxph$concordance``.

R's conventions (``concordancefit(..., reverse=TRUE, timefix=FALSE)``): a pair
is comparable when the earlier time is an event (a censored time equal to an
event time counts as later); a higher risk score for the earlier event is
concordant; pairs tied on the risk score are ``tied.x`` (and count one half);
pairs of events at the same time are ``tied.y`` / ``tied.xy`` and are not
comparable. The standard error is R's infinitesimal-jackknife one,
``sqrt(sum(dfbeta^2) / 4)``. Weights are frequency weights: the result equals
that of the expanded data.

Counting runs two sweeps over the distinct times with a Fenwick tree over the
ranks of the risk score, vectorised within each time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Concordance:
    concordance: float
    std_err: float
    concordant: float
    discordant: float
    tied_x: float
    tied_y: float
    tied_xy: float


class _Fenwick:
    def __init__(self, size: int) -> None:
        self.size = size
        self.tree = np.zeros(size + 1)
        self.node = np.zeros(size + 1)

    def add(self, idx: np.ndarray, w: np.ndarray) -> None:
        np.add.at(self.node, idx, w)
        while len(idx):
            np.add.at(self.tree, idx, w)
            idx = idx + (idx & -idx)
            keep = idx <= self.size
            idx, w = idx[keep], w[keep]

    def below(self, idx: np.ndarray) -> np.ndarray:
        """Sum of weights with rank < idx (ranks are 1-based)."""
        out = np.zeros(len(idx))
        i = idx - 1
        while True:
            live = i > 0
            if not live.any():
                return out
            out[live] += self.tree[i[live]]
            i = np.where(live, i - (i & -i), 0)


def _sweep(tidx, event, rank, w, size, descending: bool):
    """Per row: weights of the partners with lower, equal and higher rank.

    Descending: a death's partners are the later rows and the censored rows at
    its time. Ascending: a row's partners are the earlier deaths, and the
    deaths at its own time when the row is censored.
    """
    n = len(tidx)
    lt, eq, gt = np.zeros(n), np.zeros(n), np.zeros(n)
    fw = _Fenwick(size)
    total = 0.0
    order = np.lexsort((~event, -tidx if descending else tidx))
    t_sorted = tidx[order]
    cuts = np.flatnonzero(np.diff(t_sorted)) + 1
    for rows in np.split(order, cuts):
        ev = event[rows]
        dead, cens = rows[ev], rows[~ev]
        if descending:
            steps = ((cens, "insert"), (dead, "query"), (dead, "insert"))
        else:
            steps = ((dead, "query"), (dead, "insert"), (cens, "query"))
        for sel, what in steps:
            if not len(sel):
                continue
            r = rank[sel]
            if what == "insert":
                fw.add(r, w[sel])
                total += w[sel].sum()
            else:
                below = fw.below(r)
                same = fw.node[r]
                lt[sel], eq[sel], gt[sel] = below, same, total - below - same
    return lt, eq, gt


def _tied_y(tidx, event, rank, w):
    d = event
    t, r, ww = tidx[d], rank[d], w[d]
    if not len(t):
        return 0.0, 0.0
    _, inv_t = np.unique(t, return_inverse=True)
    dt = np.bincount(inv_t, ww)
    key = np.unique(np.column_stack([t, r]), axis=0, return_inverse=True)[1].ravel()
    dxy = np.bincount(key, ww)
    tied_all = float((dt * (dt - 1) / 2).sum())
    tied_xy = float((dxy * (dxy - 1) / 2).sum())
    return tied_all - tied_xy, tied_xy


def concordance(time, event, weight, stratum, lp) -> Concordance:
    """Harrell's C of ``lp`` with R's tie conventions and jackknife SE.

    ``lp`` is rounded to 10 decimals so that identical covariate rows, whose
    BLAS products may differ in the last bit, are tied on the risk score.
    """
    lp = np.round(lp, 10)
    frame = np.column_stack([stratum, time, event, lp])
    keys, inv = np.unique(frame, axis=0, return_inverse=True)
    inv = inv.ravel()
    w = np.bincount(inv, weight, minlength=len(keys))
    s, t, e, x = keys[:, 0], keys[:, 1], keys[:, 2] > 0, keys[:, 3]
    cc = np.zeros(len(keys))
    dd = np.zeros(len(keys))
    tt = np.zeros(len(keys))
    tot = np.zeros(5)
    for level in np.unique(s):
        rows = np.flatnonzero(s == level)
        tidx = np.unique(t[rows], return_inverse=True)[1].ravel()
        ranks_u, rank = np.unique(x[rows], return_inverse=True)
        rank = rank.ravel() + 1
        ev, ww = e[rows], w[rows]
        lt1, eq1, gt1 = _sweep(tidx, ev, rank, ww, len(ranks_u), True)
        lt2, eq2, gt2 = _sweep(tidx, ev, rank, ww, len(ranks_u), False)
        lt1, eq1, gt1 = lt1 * ev, eq1 * ev, gt1 * ev
        cc[rows] = lt1 + gt2
        dd[rows] = gt1 + lt2
        tt[rows] = eq1 + eq2
        ty, txy = _tied_y(tidx, ev, rank, ww)
        tot += [ww @ lt1, ww @ gt1, ww @ eq1, ty, txy]
    npair = tot[0] + tot[1] + tot[2]
    if npair == 0:
        return Concordance(np.nan, np.nan, *tot)
    somer = (tot[0] - tot[1]) / npair
    dfbeta = (cc - dd) / npair - somer / npair * (cc + dd + tt)
    var = float(w @ dfbeta**2) / 4
    return Concordance((somer + 1) / 2, np.sqrt(var), *tot)
