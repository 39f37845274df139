"""Cox partial likelihood (Efron and Breslow ties) on risk-set sums.

The data are sorted once by (stratum, time); every quantity is a sum over the
rows of a group of tied times (``np.add.reduceat``) followed by a reverse
cumulative sum over the groups of a stratum. Efron's correction is
vectorised over the ``D`` tied death "units" of every time (``D`` = the sum
of the frequency weights of the deaths, so a collapsed row of weight 3 counts
as three tied deaths, exactly as in the expanded data).

Per event time ``g`` with risk-set sums ``S0, S1, S2`` and death sums
``E0, E1, E2``, Efron's terms ``k = 0..D-1`` have ``f_k = k / D`` and
denominators ``den_k = S0 - f_k E0``. With the per-time scalars

    a = sum 1/den,  b = sum f/den,  c1 = sum 1/den^2,  c2 = sum f/den^2,
    c3 = sum f^2/den^2

the score is ``sum w x - (S1 a - E1 b)`` and the information is
``X' diag(r (A - delta b)) X - (S1 S1' c1 - S1 E1' c2 - E1 S1' c2 + E1 E1' c3)``
where ``A`` is the within-stratum cumulative sum of ``a`` over event times up
to each row's time: one BLAS product, no ``n x p x p`` temporary. Breslow is
the special case ``f = 0`` with one term of weight ``D``.

Counting-process data, rows at risk on ``(entry, time]`` (R ``Surv(start, stop, event)``):
a row is in the risk sets of the event times after its entry, up to its time. Its
"entry slot" is the last (stratum, time) group at or before its entry; the risk-set sums
are then reverse cumulative sums of the rows' contributions at their time's group minus
those at their entry slot (one ``bincount`` per column over the rows that enter late), and
every per-row cumulative sum over event times (``A`` above, the score residuals' hazard
sums) is the sum up to the row's time minus the sum up to its entry slot. Rows that are
at risk from the start of their stratum cost nothing extra.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recidive.estimation.cox._pattern_cells import (
    PatternCells,
    cell_quadratic,
    cell_sums,
    cells_pay,
    pattern_cells,
)

_CHUNK = 1 << 16  # rows per block for products, to bound temporaries


@dataclass
class RiskSets:
    """Data sorted by (stratum, time) and the fixed group structure."""

    x: np.ndarray | None  # (n, p), centred; None for collapsed rows (see model_matrix)
    time: np.ndarray
    event: np.ndarray  # bool
    weight: np.ndarray
    stratum: np.ndarray  # int codes
    order: np.ndarray | None  # original row index of each sorted row (None: presorted)
    starts: np.ndarray  # first row of each (stratum, time) group
    group: np.ndarray  # group index of each row
    group_stratum: np.ndarray
    stratum_bounds: np.ndarray  # first group of each stratum, plus G
    ev_rows: np.ndarray  # rows with an event
    ev_starts: np.ndarray  # starts of event groups within ev_rows
    ev_groups: np.ndarray  # group index of each event group
    deaths: np.ndarray  # D per event group (sum of event weights)
    term_counts: np.ndarray  # Efron terms per event group (D; Breslow: 1)
    term_f: np.ndarray | None  # f_k = k / D of each term, in group order (Breslow: None, 0)
    term_w: np.ndarray | None  # weight of each term (Efron: None, 1; Breslow: D)
    wx_events: np.ndarray  # sum over events of w x
    means: np.ndarray
    # collapsed rows: the covariate pattern of each row and the (centred) pattern matrix,
    # so that x @ beta and x' diag(v) x cost O(n + patterns p^2) instead of O(n p^2)
    pattern: np.ndarray | None = None
    pattern_x: np.ndarray | None = None
    # when the input rows were collapsed: the sorted row of each input event row (input
    # order) and their weights (None: all 1), for per-person residuals
    input_event_rows: np.ndarray | None = None
    input_event_weights: np.ndarray | None = None
    # counting-process data: each sorted row's entry time (None: at risk from the start),
    # the rows that enter after the first group of their stratum and their entry slots
    entry: np.ndarray | None = None
    late: np.ndarray | None = None
    late_slot: np.ndarray | None = None
    entry_slot: np.ndarray | None = None  # every row's entry slot (-1: none)
    # collapsed rows with few enough (group, pattern) cells: the weights per cell, so that an
    # evaluation costs O(cells), not O(rows) (see PatternCells)
    cells: PatternCells | None = None

    @property
    def n_groups(self) -> int:
        return len(self.starts)


def build_risk_sets(
    x, time, event, weight, stratum, ties: str, presorted=False, pattern=None, pattern_x=None,
    entry=None,
) -> RiskSets:  # fmt: skip
    """Sort once and precompute the group structure and Efron's terms.

    With ``presorted=True`` the rows are already sorted by (stratum, time) and ``x`` is an
    F-order float array that is centred in place; ``pattern``/``pattern_x`` (optional) say
    that row ``i`` of ``x`` is row ``pattern[i]`` of ``pattern_x``, and then ``x`` may be
    None (built only when asked for: :func:`model_matrix`). ``entry`` (optional) holds the
    rows' entry times (counting-process data).
    """
    if presorted:
        order = None  # the identity
    else:
        if stratum.min() == stratum.max():
            order = np.argsort(time, kind="stable")
        else:
            order = np.lexsort((time, stratum))
        x = np.asarray(x, dtype=float)
        xs = np.empty(x.shape, order="F")
        for j in range(x.shape[1]):
            np.take(x[:, j], order, out=xs[:, j])
        x = xs
        time, event = time[order], event[order]
        weight, stratum = weight[order], stratum[order]
        entry = None if entry is None else entry[order]
    wsum = weight.sum()
    if x is None:
        pattern_weight = np.bincount(pattern, weights=weight, minlength=len(pattern_x))
        means = (pattern_weight @ pattern_x) / wsum
    else:
        means = (weight @ x) / wsum if x.shape[1] else np.zeros(0)
        x -= means
    n = len(time)
    new = np.ones(n, dtype=bool)
    new[1:] = (time[1:] != time[:-1]) | (stratum[1:] != stratum[:-1])
    starts = np.flatnonzero(new)
    group = np.cumsum(new) - 1
    group_stratum = stratum[starts]
    snew = np.ones(len(starts), dtype=bool)
    snew[1:] = group_stratum[1:] != group_stratum[:-1]
    stratum_bounds = np.append(np.flatnonzero(snew), len(starts))

    ev_rows = np.flatnonzero(event)
    ev_group_of_row = group[ev_rows]
    enew = np.ones(len(ev_rows), dtype=bool)
    enew[1:] = ev_group_of_row[1:] != ev_group_of_row[:-1]
    ev_starts = np.flatnonzero(enew)
    ev_groups = ev_group_of_row[ev_starts]
    deaths = np.add.reduceat(weight[ev_rows], ev_starts) if len(ev_rows) else np.zeros(0)

    term_counts, term_f, term_w = tie_terms(deaths, ties)
    if pattern_x is not None:
        pattern_x = pattern_x - means
    if x is None:
        event_weight = np.bincount(pattern[event], weights=weight[event], minlength=len(pattern_x))
        wx_events = event_weight @ pattern_x
    else:
        wx_events = np.where(event, weight, 0.0) @ x  # no (events x p) copy
    slot = None if entry is None else entry_slots(entry, starts, time[starts], stratum_bounds)
    late = None if slot is None else np.flatnonzero(slot >= 0)
    cells = None
    if pattern is not None and cells_pay(len(starts), len(pattern_x), n):
        cells = pattern_cells(pattern, weight, group, len(starts), len(pattern_x),
                              stratum_bounds, ev_rows, ev_starts, ev_groups, late, slot)  # fmt: skip
    return RiskSets(
        x, time, event, weight, stratum, order, starts, group, group_stratum,
        stratum_bounds, ev_rows, ev_starts, ev_groups, deaths, term_counts, term_f,
        term_w, wx_events, means, pattern, pattern_x, entry=entry, late=late,
        late_slot=None if slot is None else slot[late], entry_slot=slot, cells=cells,
    )  # fmt: skip


def entry_slots(
    entry: np.ndarray, starts: np.ndarray, group_time: np.ndarray, stratum_bounds: np.ndarray
) -> np.ndarray:
    """Each row's entry slot: -1 when it is at risk from the first group of its stratum.

    A row's entry slot is the last (stratum, time) group with time at or before its entry:
    it is at risk in the groups after that slot, up to its own. Rows and groups are sorted
    by (stratum, time), so each stratum is one ``searchsorted`` of its rows' entries among
    its groups' times.
    """
    n = entry.shape[0]
    row_bounds = np.append(starts, n)[stratum_bounds]
    slot = np.empty(n, dtype=np.int64)
    for g_lo, g_hi, r_lo, r_hi in zip(
        stratum_bounds[:-1], stratum_bounds[1:], row_bounds[:-1], row_bounds[1:], strict=True
    ):
        found = np.searchsorted(group_time[g_lo:g_hi], entry[r_lo:r_hi], side="right")
        slot[r_lo:r_hi] = found + (g_lo - 1)  # -1 below: before the stratum's first group
        slot[r_lo:r_hi][found == 0] = -1
    return slot


def tie_terms(deaths: np.ndarray, ties: str):
    """Efron's terms (``D`` per event time, ``f_k = k / D``) or Breslow's (one of weight ``D``).

    Returns ``term_counts, term_f, term_w`` as stored on :class:`RiskSets`.
    """
    if ties == "efron":
        term_counts = np.rint(deaths).astype(np.int64)
        term_f = np.arange(int(term_counts.sum()), dtype=float)  # k, then k / D
        term_f -= np.repeat((np.cumsum(term_counts) - term_counts).astype(float), term_counts)
        term_f /= np.repeat(deaths, term_counts)
        return term_counts, term_f, None  # term weights all 1
    return np.ones(len(deaths), dtype=np.int64), None, deaths.copy()  # f all 0


def reverse_cumsum(a: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Sum from each group to the last group of its stratum."""
    out = np.empty_like(a)
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        out[lo:hi] = np.cumsum(a[lo:hi][::-1], axis=0)[::-1]
    return out


def forward_cumsum(a: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Sum from the first group of each stratum to each group."""
    out = np.empty_like(a)
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        out[lo:hi] = np.cumsum(a[lo:hi], axis=0)
    return out


def _group_sums(x: np.ndarray, r: np.ndarray, starts: np.ndarray, rows=None) -> np.ndarray:
    """``np.add.reduceat(r[:, None] * x[rows], starts)``, one column at a time."""
    n, p = (x.shape[0] if rows is None else len(rows)), x.shape[1]
    out = np.empty((len(starts), p))
    if n == 0:
        return out
    buf = np.empty(n)
    for j in range(p):
        if rows is None:
            np.multiply(x[:, j], r, out=buf)
        else:
            np.take(x[:, j], rows, out=buf)
            buf *= r
        out[:, j] = np.add.reduceat(buf, starts)
    return out


def weighted_crossprod(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``x.T @ (v[:, None] * x)`` in blocks of rows (BLAS, bounded memory)."""
    p = x.shape[1]
    out = np.zeros((p, p))
    for lo in range(0, x.shape[0], _CHUNK):
        xb = x[lo : lo + _CHUNK]
        out += xb.T @ (xb * v[lo : lo + _CHUNK, None])
    return out


@dataclass
class Evaluation:
    """Log-likelihood, score and information at one ``beta``, with the pieces reused later."""

    loglik: float
    score: np.ndarray
    information: np.ndarray
    eta: np.ndarray  # centred linear predictor, sorted rows
    shift: float
    risk: np.ndarray  # w * exp(eta - shift)
    s0: np.ndarray  # per event group, scaled by exp(-shift)
    s1: np.ndarray
    e0: np.ndarray
    e1: np.ndarray
    a: np.ndarray
    b: np.ndarray
    c1: np.ndarray
    c2: np.ndarray
    c3: np.ndarray
    beta: np.ndarray | None = None
    # pattern cells: exp(x beta - shift) of each pattern (eta and risk are then None)
    pattern_scale: np.ndarray | None = None


def model_matrix(rs: RiskSets, rows: np.ndarray | None = None) -> np.ndarray:
    """The centred model columns of the sorted rows (or of ``rows`` of them).

    Collapsed rows keep only their patterns: the full matrix is built from them when first
    asked for (a robust variance, ``cox_zph``) and kept.
    """
    if rs.x is not None:
        return rs.x if rows is None else rs.x[rows]
    if rows is not None:
        return rs.pattern_x[rs.pattern[rows]]
    rs.x = np.asfortranarray(rs.pattern_x[rs.pattern])
    return rs.x


def linear_predictor(rs: RiskSets, beta: np.ndarray) -> np.ndarray:
    """``x beta`` of every sorted row (centred)."""
    if rs.pattern is not None:
        return (rs.pattern_x @ beta)[rs.pattern]
    return rs.x @ beta if rs.x.shape[1] else np.zeros(len(rs.time))


def row_risk(rs: RiskSets, ev: Evaluation) -> tuple[np.ndarray, np.ndarray]:
    """The linear predictor and risk ``w exp(eta - shift)`` of every sorted row at ``ev``."""
    if ev.eta is not None:
        return ev.eta, ev.risk
    eta = (rs.pattern_x @ ev.beta)[rs.pattern]
    return eta, rs.weight * np.exp(eta - ev.shift)


def group_scalars(rs: RiskSets, s0: np.ndarray, e0: np.ndarray):
    """Efron/Breslow per-event-time scalars a, b, c1, c2, c3 and sum of log den.

    One pass of a few vector operations over the Efron terms (one per unit of death
    weight), summed per event time with ``np.add.reduceat``.
    """
    m = len(s0)
    if rs.term_f is None:  # Breslow: one term of weight D per time
        w = rs.term_w
        a = w / s0
        c1 = a / s0
        zero = np.zeros(m)
        return a, zero, c1, zero, zero, float(w @ np.log(s0))
    counts, f = rs.term_counts, rs.term_f
    out = np.empty((5, m))
    logden = 0.0
    ends = np.cumsum(counts)
    # blocks of whole event times with about _CHUNK terms each, to bound temporaries
    cuts = np.searchsorted(ends, np.arange(_CHUNK, ends[-1] if m else 0, _CHUNK), side="right")
    for g0, g1 in zip(np.r_[0, cuts], np.r_[cuts, m], strict=True):
        if g0 == g1:
            continue
        c = counts[g0:g1]
        t0 = ends[g0] - counts[g0]
        fb = f[t0 : ends[g1 - 1]]
        starts = np.cumsum(c) - c
        den = np.repeat(e0[g0:g1], c)
        den *= fb
        np.subtract(np.repeat(s0[g0:g1], c), den, out=den)
        logden += float(np.log(den).sum())
        inv = np.reciprocal(den, out=den)
        o = out[:, g0:g1]
        o[0] = np.add.reduceat(inv, starts)  # a
        tmp = inv * fb
        o[1] = np.add.reduceat(tmp, starts)  # b
        tmp *= inv
        o[3] = np.add.reduceat(tmp, starts)  # c2
        tmp *= fb
        o[4] = np.add.reduceat(tmp, starts)  # c3
        inv *= inv
        o[2] = np.add.reduceat(inv, starts)  # c1
    a, b, c1, c2, c3 = out
    return a, b, c1, c2, c3, logden


def likelihood_from_sums(terms, s0, s1, e0, e1, weighted_eta_events: float, shift: float):
    """Log-likelihood, score and the per-time scalars from the sums at each event time.

    The one place where risk-set sums become the partial likelihood, for the data in
    memory (:func:`evaluate`) and for partitions reduced by Dask alike. ``s0, s1`` are
    the risk-set sums and ``e0, e1`` the tied-event sums at each event time, all scaled
    by ``exp(-shift)``; ``weighted_eta_events`` is ``sum w eta`` over the events;
    ``terms`` carries ``term_counts, term_f, term_w, wx_events`` (a :class:`RiskSets`).
    """
    a, b, c1, c2, c3, logden = group_scalars(terms, s0, e0)
    d_total = float(terms.term_counts.sum() if terms.term_w is None else terms.term_w.sum())
    loglik = weighted_eta_events - logden - shift * d_total
    score = terms.wx_events - (s1.T @ a - e1.T @ b)
    return loglik, score, (a, b, c1, c2, c3)


def information_from_sums(quad, s1, e1, c1, c2, c3) -> np.ndarray:
    """Information matrix: ``quad = sum r (A - delta b) x x'`` minus the outer-product terms."""
    s1c2 = s1.T @ (e1 * c2[:, None])
    info = quad - ((s1 * c1[:, None]).T @ s1 - s1c2 - s1c2.T + (e1 * c3[:, None]).T @ e1)
    return (info + info.T) / 2


def evaluate(rs: RiskSets, beta: np.ndarray, need_information: bool = True) -> Evaluation:
    """Log partial likelihood, score and information at ``beta``."""
    if rs.cells is not None:
        return _evaluate_cells(rs, beta, need_information)
    x = model_matrix(rs)
    if rs.pattern is not None:
        eta_pattern = rs.pattern_x @ beta
        shift = float(eta_pattern.max()) if len(eta_pattern) else 0.0
        eta = eta_pattern[rs.pattern]
        risk = rs.weight * np.exp(eta_pattern - shift)[rs.pattern]
    else:
        eta = x @ beta if x.shape[1] else np.zeros(len(rs.time))
        shift = float(eta.max()) if len(eta) else 0.0
        risk = rs.weight * np.exp(eta - shift)
    ev = rs.ev_rows
    g0 = np.add.reduceat(risk, rs.starts)
    g1 = _group_sums(x, risk, rs.starts)
    if rs.late is not None and rs.late.size:
        _subtract_late(rs, x, risk, g0, g1)
    e0 = np.add.reduceat(risk[ev], rs.ev_starts)
    e1 = _group_sums(x, risk[ev], rs.ev_starts, rows=ev)
    s0_all = reverse_cumsum(g0, rs.stratum_bounds)
    s1_all = reverse_cumsum(g1, rs.stratum_bounds)
    s0, s1 = s0_all[rs.ev_groups], s1_all[rs.ev_groups]
    loglik, score, (a, b, c1, c2, c3) = likelihood_from_sums(
        rs, s0, s1, e0, e1, float(rs.weight[ev] @ eta[ev]), shift
    )
    ev_ = Evaluation(loglik, score, None, eta, shift, risk, s0, s1, e0, e1, a, b, c1, c2, c3, beta)
    if need_information:
        ev_.information = information(rs, ev_, a, b, c1, c2, c3)
    return ev_


def _evaluate_cells(rs: RiskSets, beta: np.ndarray, need_information: bool) -> Evaluation:
    """:func:`evaluate` from the pattern cells: O(groups x patterns), no pass over the rows."""
    eta_pattern, shift, scale, (s0, s1, e0, e1) = cell_sums(rs.cells, rs.pattern_x, beta)
    loglik, score, (a, b, c1, c2, c3) = likelihood_from_sums(
        rs, s0, s1, e0, e1, float(rs.cells.event_patterns @ eta_pattern), shift
    )
    ev = Evaluation(loglik, score, None, None, shift, None, s0, s1, e0, e1, a, b, c1, c2, c3,
                    beta, scale)  # fmt: skip
    if need_information:
        ev.information = information(rs, ev, a, b, c1, c2, c3)
    return ev


def _subtract_late(rs: RiskSets, x: np.ndarray, risk: np.ndarray, g0, g1) -> None:
    """Take the rows that enter late out of the group sums at their entry slots (in place).

    The reverse cumulative sums of ``g0``, ``g1`` then hold each row only in the risk
    sets after its entry.
    """
    late, slot = rs.late, rs.late_slot
    r = risk[late]
    g0 -= np.bincount(slot, weights=r, minlength=rs.n_groups)
    buf = np.empty(late.shape[0])
    for j in range(x.shape[1]):
        np.take(x[:, j], late, out=buf)
        buf *= r
        g1[:, j] -= np.bincount(slot, weights=buf, minlength=rs.n_groups)


def at_risk_window(rs: RiskSets, cumulative: np.ndarray) -> np.ndarray:
    """Per row, a within-stratum cumulative sum over groups from its entry to its time.

    ``cumulative`` holds the sums up to each group (forward, per stratum, one or more
    columns); a row gets the value at its own group minus that at its entry slot.
    """
    if rs.late is None or not rs.late.size:
        return cumulative[rs.group]
    padded = np.concatenate([cumulative, np.zeros((1, *cumulative.shape[1:]))])
    out = padded[rs.group]  # the last (zero) row of padded is the slot -1 of the others
    out -= padded[rs.entry_slot]
    return out


def information(rs: RiskSets, ev: Evaluation, a, b, c1, c2, c3) -> np.ndarray:
    """Information matrix from the per-event-time scalars (see module docstring).

    ``ev`` gives the risk (per row, or per pattern cell) and ``s1``, ``e1``; ``a`` to
    ``c3`` may be scaled (``cox_zph`` uses them times a function of time).
    """
    s1, e1 = ev.s1, ev.e1
    if ev.pattern_scale is not None:  # sum r (A - delta b) per pattern, from the cells
        quad = cell_quadratic(rs.cells, rs.pattern_x, ev.pattern_scale, a, b)
        return information_from_sums(quad, s1, e1, c1, c2, c3)
    cum_a = np.zeros(rs.n_groups)
    cum_a[rs.ev_groups] = a
    cum_a = forward_cumsum(cum_a, rs.stratum_bounds)
    _, risk = row_risk(rs, ev)
    v = at_risk_window(rs, cum_a)
    v[rs.ev_rows] -= _b_per_event_row(rs, b)
    v *= risk
    if rs.pattern is not None:
        px = rs.pattern_x
        info = px.T @ (px * np.bincount(rs.pattern, v, minlength=len(px))[:, None])
    else:
        info = weighted_crossprod(rs.x, v)
    return information_from_sums(info, s1, e1, c1, c2, c3)


def _b_per_event_row(rs: RiskSets, b: np.ndarray) -> np.ndarray:
    counts = np.diff(np.append(rs.ev_starts, len(rs.ev_rows)))
    return np.repeat(b, counts)


@dataclass
class NewtonFit:
    beta: np.ndarray
    variance: np.ndarray
    loglik_null: float
    loglik: float
    score_test: float
    n_iter: int
    converged: bool
    final: Evaluation
    step: np.ndarray  # |V u| at the end, for R's "may be infinite" check


def _solve(info: np.ndarray, u: np.ndarray) -> np.ndarray:
    try:
        c = np.linalg.cholesky(info)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(info, u, rcond=None)[0]
    y = np.linalg.solve(c, u)
    return np.linalg.solve(c.T, y)


def _inverse(info: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(info)


def newton_raphson(rs: RiskSets, max_iter: int = 20, tol: float = 1e-9) -> NewtonFit:
    """Newton-Raphson on the rows in memory (see :func:`newton_iterations`)."""
    return newton_iterations(lambda beta: evaluate(rs, beta), rs.means.shape[0], max_iter, tol)


def newton_iterations(
    evaluate_at, p: int, max_iter: int = 20, tol: float = 1e-9, first: Evaluation | None = None
) -> NewtonFit:
    """Newton-Raphson with step halving, as R ``coxph`` (``coxfit6``).

    ``evaluate_at(beta)`` returns an :class:`Evaluation` (loglik, score, information).
    Starts at 0 (``first``, if given, is the evaluation there); stops when
    ``abs(1 - loglik_old / loglik_new) <= tol`` after a full (not halved) step; halves
    the step when the log-likelihood falls.
    """
    beta = np.zeros(p)
    ev = evaluate_at(beta) if first is None else first
    loglik_null = ev.loglik
    step0 = _solve(ev.information, ev.score)
    score_test = float(ev.score @ step0)
    old = ev.loglik
    if max_iter == 0:
        var = _inverse(ev.information)
        return NewtonFit(
            beta, var, loglik_null, old, score_test, 0, False, ev, np.abs(var @ ev.score)
        )
    newbeta = beta + step0
    halving = False
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        ev = evaluate_at(newbeta)
        newlk = ev.loglik
        if abs(1 - old / newlk) <= tol and not halving:
            converged = True
            break
        if it == max_iter:
            break
        if newlk < old or not np.isfinite(newlk):
            halving = True
            newbeta = (newbeta + beta) / 2
        else:
            halving = False
            old = newlk
            beta = newbeta
            newbeta = newbeta + _solve(ev.information, ev.score)
    var = _inverse(ev.information)
    step = np.abs(var @ ev.score)
    return NewtonFit(newbeta, var, loglik_null, ev.loglik, score_test, it, converged, ev, step)


def residual_terms(ev: Evaluation, deaths: np.ndarray):
    """Per event time: Efron's mean ``xbb``, the hazard-weighted means ``hx`` and ``hx - hx'``.

    A row's score residual is ``delta (x - xbb) - r (x A - HX)``, with ``A`` and ``HX`` the
    cumulative sums of ``a`` and ``hx`` up to its time, less ``b`` and ``hx_own`` at its own
    time for a death (see :func:`score_residuals`).
    """
    xbb = (ev.s1 * ev.a[:, None] - ev.e1 * ev.b[:, None]) / deaths[:, None]
    hx = ev.s1 * ev.c1[:, None] - ev.e1 * ev.c2[:, None]
    hx_own = ev.s1 * ev.c2[:, None] - ev.e1 * ev.c3[:, None]  # hx - hx'
    return xbb, hx, hx_own


def score_residuals(rs: RiskSets, ev: Evaluation) -> np.ndarray:
    """Score residuals per sorted row and per unit of weight (R ``residuals(type="score")``).

    Uses Efron's (or Breslow's) means and hazard increments; a death at a tied
    time takes the share ``1 - f_k`` of each of the Efron terms of its time.
    """
    x = model_matrix(rs)
    counts = np.diff(np.append(rs.ev_starts, len(rs.ev_rows)))
    xbb, hx, hx_own = residual_terms(ev, rs.deaths)
    g_a = np.zeros(rs.n_groups)
    g_a[rs.ev_groups] = ev.a
    g_hx = np.zeros((rs.n_groups, x.shape[1]))
    g_hx[rs.ev_groups] = hx
    cum_a = at_risk_window(rs, forward_cumsum(g_a, rs.stratum_bounds))
    cum_hx = at_risk_window(rs, forward_cumsum(g_hx, rs.stratum_bounds))
    er = rs.ev_rows
    cum_a[er] -= np.repeat(ev.b, counts)
    cum_hx[er] -= np.repeat(hx_own, counts, axis=0)
    eta, _ = row_risk(rs, ev)
    r = np.exp(eta - ev.shift)
    resid = -(r[:, None] * (x * cum_a[:, None] - cum_hx))
    resid[er] += x[er] - np.repeat(xbb, counts, axis=0)
    return resid
