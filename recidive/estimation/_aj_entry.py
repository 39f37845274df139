"""The infinitesimal-jackknife variance of the Aalen-Johansen estimate with delayed entry.

Without delayed entry a subject's influence on the cumulative incidence depends only on
when and how it left, so the variance is a sum over the risk table
(:func:`recidive.estimation.competing_risks.aalen_johansen`). With delayed entry it also
depends on when the subject entered, and the variance needs one pass over the rows.

On the grid of distinct exit times ``T_0 < ... < T_{K-1}`` with ``n_l`` at risk, ``d_l``
events of any cause and ``d_kl`` of the cause of interest, ``lambda_l = d_l / n_l``,
``S`` the all-cause Kaplan-Meier curve and ``F`` the cumulative incidence, the influence
of a unit of weight of subject ``i`` (at risk at grid times ``a_i .. m_i``, leaving at
``m_i``) on ``F(T)`` is

    sum_{l = a_i}^{min(m_i, T)} (alpha_l + beta_l F(T))  +  [m_i <= T] (eps_i + eta_i F(T)),

    alpha_l = -lambda_l F_l / (n_l - d_l) - S_{l-1} d_kl / n_l^2,
    beta_l  =  lambda_l / (n_l - d_l),
    eps_i   =  F_m / (n_m - d_m) + [cause of interest] S_{m-1} / n_m   (an event; 0 censored),
    eta_i   = -1 / (n_m - d_m)                                         (an event; 0 censored),

(differentiate ``F(T) = sum_j S_{j-1} d_kj / n_j`` with respect to the subject's weight).
With ``A``, ``B`` the cumulative sums of ``alpha``, ``beta`` and ``u_i = A(a_i - 1)``,
``v_i = B(a_i - 1)``, a subject still at risk at ``T`` has influence
``(A_T + F_T B_T) - (u_i + F_T v_i)`` and one that has left has the constant pair
``(P_i, Q_i) = (A(m_i) - u_i + eps_i, B(m_i) - v_i + eta_i)``, influence ``P_i + F_T Q_i``.
The variance ``sum_i w_i influence_i(T)^2`` (frequency weights: the expanded data) then
expands into running sums over the rows of ``w``, ``w u``, ``w v``, ``w u^2``, ``w u v``,
``w v^2`` (added at ``a_i``, removed at ``m_i``) and of ``w P^2``, ``w P Q``, ``w Q^2``
(added at ``m_i``): ``bincount`` and ``cumsum``, O(rows + grid). At ``n_l = d_l`` (all at
risk have the event) the terms of ``l`` are 0: ``F`` is constant from there on, and each
such term is multiplied by ``F(T) - F_l = 0``.

The row sums are additive over rows, so a partitioned data set needs one more pass that
adds them up.
"""

from __future__ import annotations

import numpy as np

#: Names of the per-row sums added at entry and removed at exit (``_in``), and those added
#: at exit (``_out``).
_IN = ("w", "wu", "wv", "wuu", "wuv", "wvv")
_OUT = ("wpp", "wpq", "wqq")


def influence_terms(n: np.ndarray, d_k: np.ndarray, d: np.ndarray) -> dict[str, np.ndarray]:
    """``alpha``, ``beta`` and their cumulative sums, and the per-exit-time ``eps``/``eta``.

    ``eps_event`` and ``eps_other`` are ``eps`` for an event of the cause of interest and of
    another cause at each grid time; ``eta`` is the same for both (censored: 0).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.cumprod(1.0 - d / n)
        s_prev = np.concatenate([[1.0], s[:-1]])
        cif = np.cumsum(s_prev * d_k / n)
        live = n > d
        inv_nd = np.where(live, 1.0 / np.where(live, n - d, 1.0), 0.0)
        lam = d / n
        alpha = -lam * cif * inv_nd - s_prev * d_k / (n * n)
        beta = lam * inv_nd
        eps_other = cif * inv_nd
        eps_event = eps_other + s_prev / n
    return {
        "cif": cif,
        "cum_alpha": np.cumsum(alpha),
        "cum_beta": np.cumsum(beta),
        "eps_event": eps_event,
        "eps_other": eps_other,
        "eta": -inv_nd,
    }


def row_sums(
    terms: dict[str, np.ndarray],
    first: np.ndarray,
    last: np.ndarray,
    kind: np.ndarray,
    weight: np.ndarray | None,
) -> dict[str, np.ndarray]:
    """The per-row sums of the variance, by grid index (additive over rows).

    ``first`` is each row's first grid index at risk (the number of grid times at or
    before its entry), ``last`` the grid index of its exit and ``kind`` how it left
    (0 censored, 1 the cause of interest, 2 another cause).
    """
    m = terms["cif"].shape[0]
    w = np.ones(first.shape[0]) if weight is None else weight
    cum_a = np.concatenate([[0.0], terms["cum_alpha"]])
    cum_b = np.concatenate([[0.0], terms["cum_beta"]])
    u, v = cum_a[first], cum_b[first]  # A(a - 1), B(a - 1)
    event = kind > 0
    eps = np.where(kind == 1, terms["eps_event"][last], terms["eps_other"][last])
    p = cum_a[last + 1] - u + np.where(event, eps, 0.0)
    q = cum_b[last + 1] - v + np.where(event, terms["eta"][last], 0.0)
    values = {"w": w, "wu": w * u, "wv": w * v, "wuu": w * u * u, "wuv": w * u * v,
              "wvv": w * v * v}  # fmt: skip
    out = {}
    for name, x in values.items():
        out[name + "_in"] = np.bincount(first, weights=x, minlength=m + 1)[: m + 1]
        out[name + "_left"] = np.bincount(last, weights=x, minlength=m)
    for name, x in (("wpp", w * p * p), ("wpq", w * p * q), ("wqq", w * q * q)):
        out[name] = np.bincount(last, weights=x, minlength=m)
    return out


def add_row_sums(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The row sums of two disjoint sets of rows on the same grid."""
    return {k: a[k] + b[k] for k in a}


def aj_std_err(terms: dict[str, np.ndarray], sums: dict[str, np.ndarray]) -> np.ndarray:
    """The IJ standard error of the cumulative incidence at each grid time."""
    m = terms["cif"].shape[0]
    f = terms["cif"]
    running = {}
    for name in _IN:  # rows with a <= T < m: entered at or before T, not yet left
        entered = np.cumsum(sums[name + "_in"][:m])
        left = np.cumsum(sums[name + "_left"])
        running[name] = entered - left
    g = terms["cum_alpha"] + f * terms["cum_beta"]
    sum_h = running["wu"] + f * running["wv"]
    sum_h2 = running["wuu"] + 2 * f * running["wuv"] + f * f * running["wvv"]
    inside = g * g * running["w"] - 2 * g * sum_h + sum_h2
    done = {name: np.cumsum(sums[name]) for name in _OUT}
    left = done["wpp"] + 2 * f * done["wpq"] + f * f * done["wqq"]
    return np.sqrt(np.maximum(inside + left, 0.0))
