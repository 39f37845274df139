"""Collapse the rows of a Cox model to distinct (stratum, time, event, covariates) rows.

Rows that agree on stratum, time, event and every covariate are interchangeable in the
partial likelihood, so they are merged into one row whose frequency weight is the sum of
theirs; the existing weighted code gives exactly the result of the expanded data. Registry
data (integer days, categorical covariates) repeat rows a great deal: a 10-covariate registry
of 1e7 persons has under 2e6 distinct rows.

Every column becomes an integer digit: a whole-number column its offset from the minimum, a
categorical one its level index, any other a factorised code. The covariate digits form a
pattern key; the patterns present are numbered; (stratum, time, event, pattern) then form
one int64 key, whose distinct values are counted by ``np.bincount`` when its range is small
(an O(n) counting sort) and by ``np.unique`` otherwise. Either way the distinct rows come out
sorted by (stratum, time), so the model needs no sort of its own. No ``n x p`` float matrix
is built; when a key would overflow int64 the caller fits row by row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recidive.estimation.cox._design import Design, constant_error

_INT64_LIMIT = 2**62
_BLOCK = 1 << 15  # rows per block when building keys


@dataclass
class Collapsed:
    """Distinct rows, sorted by (stratum, time), with summed frequency weights."""

    x: np.ndarray  # (m, p), F-order
    time: np.ndarray
    event: np.ndarray  # bool
    weight: np.ndarray
    stratum: np.ndarray
    event_rows: np.ndarray  # distinct row of each input event row (input order)
    event_weights: np.ndarray | None  # weights of the input event rows (None: all 1)
    pattern: np.ndarray  # covariate pattern of each distinct row
    pattern_x: np.ndarray  # (patterns, p): the model columns of each pattern


@dataclass
class _Digit:
    values: np.ndarray  # integers; the digit is ``values - lo`` (0 <= digit < radix)
    lo: int
    radix: int
    decode: object  # digit values -> list of model columns (float arrays)


def _whole(values: np.ndarray) -> bool:
    if values.dtype.kind in "biu":
        return True
    return bool(np.all(np.abs(values) < 2**52)) and bool(np.array_equal(values, np.floor(values)))


def _range(values: np.ndarray) -> tuple[np.ndarray, int, int]:
    if values.dtype.kind == "b":
        values = values.view(np.uint8)
    if values.dtype.kind == "f":
        values = values.astype(np.int64)
    lo, hi = int(values.min()), int(values.max())
    return values, lo, hi - lo + 1


def _covariate_digit(frame: pd.DataFrame, design: Design, cov: str, n: int) -> _Digit | None:
    values = frame[cov]
    if cov in design.levels:
        levels = design.levels[cov]
        if isinstance(values.dtype, pd.CategoricalDtype) and tuple(values.cat.categories) == levels:
            codes = values.cat.codes.to_numpy()
        else:
            codes = pd.Categorical(values, categories=list(levels)).codes
        ref = design.reference_levels[cov]
        keep = [i for i, lv in enumerate(levels) if lv != ref]

        def decode(d, keep=keep):
            return [(d == i).astype(float) for i in keep]

        return _Digit(codes, 0, len(levels), decode)
    arr = values.to_numpy()
    if _whole(arr):
        arr, lo, radix = _range(arr)
        if radix == 1:
            raise constant_error(cov, lo, n)
        return _Digit(arr, lo, radix, lambda d, lo=lo: [(d + lo).astype(float)])
    codes, uniques = pd.factorize(arr)
    if len(uniques) == 1:
        raise constant_error(cov, float(uniques[0]), n)
    uniques = np.asarray(uniques, dtype=float)
    return _Digit(codes, 0, len(uniques), lambda d, u=uniques: [u[d]])


def _int_for(radix: int):
    return np.int32 if radix < 2**31 else np.int64


def _number(key: np.ndarray, radix: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..m-1 of the distinct values of ``key`` (< radix), and those values (sorted)."""
    if radix <= 4 * n + (1 << 16):
        present = np.flatnonzero(np.bincount(key, minlength=radix))
        remap = np.zeros(radix, dtype=_int_for(len(present)))
        remap[present] = np.arange(len(present))
        return remap[key], present
    codes, uniques = pd.factorize(key, sort=True)
    return codes, np.asarray(uniques)


def collapse_rows(
    frame: pd.DataFrame,
    design: Design,
    time: np.ndarray,
    event: np.ndarray,
    weight: np.ndarray | None,
    stratum: np.ndarray | None,
) -> Collapsed | None:
    """Distinct rows with summed weights, or ``None`` when collapsing cannot pay.

    ``weight`` is None for unit weights, ``stratum`` None for a single stratum. Rows of
    zero weight are dropped. Raises the design's "constant covariate" error for a numeric
    covariate with a single value.
    """
    n = len(time)
    digits = [_covariate_digit(frame, design, cov, n) for cov in design.covariates]
    radix_x = int(np.prod([d.radix for d in digits], dtype=object))
    if radix_x >= _INT64_LIMIT:
        return None
    kx = np.zeros(n, dtype=_int_for(radix_x))
    for lo in range(0, n, _BLOCK):  # Horner, in place, one cache-sized block at a time
        block = kx[lo : lo + _BLOCK]
        for d in digits:
            block *= d.radix
            block += d.values[lo : lo + _BLOCK]
            if d.lo:
                block -= d.lo
    pcode, patterns = _number(kx, radix_x, n)
    del kx
    n_pat = len(patterns)
    if n_pat > n // 2:
        return None

    if _whole(time) and time.max() - time.min() < 2**40:
        time, t0, n_t = _range(time)
        decode_time = lambda d: d + t0  # noqa: E731
    else:
        time, tvals = pd.factorize(time, sort=True)
        t0, n_t = 0, len(tvals)
        decode_time = lambda d: np.asarray(tvals, dtype=float)[d]  # noqa: E731
    n_s = 1 if stratum is None else int(stratum.max()) + 1
    radix = n_s * n_t * 2 * n_pat
    if radix >= _INT64_LIMIT:
        return None
    dtype = _int_for(radix)  # key of (stratum, time, event, pattern), built in place
    if np.iinfo(dtype).min <= time.min() and time.max() <= np.iinfo(dtype).max:
        key = time.astype(dtype)
        key -= t0
    else:
        key = (time - t0).astype(dtype)
    if n_s > 1:
        key += stratum * n_t
    key *= 2
    key += event > 0
    key *= n_pat
    key += pcode
    del pcode
    is_event = event > 0
    if weight is not None:
        is_event &= weight > 0
    if radix <= 8 * n + (1 << 20):  # counting sort
        sums = np.bincount(key, weight, minlength=radix)
        keys = np.flatnonzero(sums)
        w = sums[keys].astype(float)
        sums[keys] = np.arange(len(keys))  # reused as key -> distinct row
        event_rows = sums[key[is_event]].astype(_int_for(len(keys)))
        del sums
    else:
        if weight is None:
            keys, counts = np.unique(key, return_counts=True)
            w = counts.astype(float)
        else:
            pos = weight > 0
            keys = np.unique(key[pos])
            w = np.bincount(np.searchsorted(keys, key[pos]), weight[pos], minlength=len(keys))
        event_rows = np.searchsorted(keys, key[is_event]).astype(_int_for(len(keys)))
    del key
    pc = keys % n_pat
    rest = keys // n_pat
    ev = (rest % 2).astype(bool)
    rest //= 2
    t = decode_time(rest % n_t).astype(float)
    s = (rest // n_t).astype(np.int64)

    # the model columns of each pattern, then of each distinct row
    cols = []
    left = patterns.copy()
    per_digit = []
    for d in reversed(digits):
        per_digit.append(d.decode(left % d.radix))
        left //= d.radix
    for block in reversed(per_digit):
        cols.extend(block)
    x = np.empty((len(keys), len(cols)), order="F")
    for j, col in enumerate(cols):
        np.take(col, pc, out=x[:, j])
    event_weights = None if weight is None else weight[is_event]
    pattern_x = np.column_stack(cols) if cols else np.zeros((n_pat, 0))
    return Collapsed(x, t, ev, w, s, event_rows, event_weights, pc, pattern_x)
