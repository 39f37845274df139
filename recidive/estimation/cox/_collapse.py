"""Collapse the rows of a Cox model to distinct (stratum, time, event, covariates) rows.

Counting-process rows (at risk on ``(entry, time]``) collapse on (stratum, time, event,
entry, covariates): rows that also agree on their entry are in the same risk sets. Rows
are never collapsed across clusters (a cluster-robust variance sums the rows of each
cluster); the caller does not collapse at all when a cluster is given.

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

#: Keys (products of radixes) stay below this, so that no int64 arithmetic overflows.
_INT64_LIMIT = 2**62
#: Largest radix whose codes fit in int32.
_INT32_LIMIT = 2**31
#: Floats below this in magnitude are exact integers when whole.
_EXACT_FLOAT_INT = 2**52
#: Largest range of whole-number times coded as offsets (else their distinct values).
_MAX_TIME_RANGE = 2**40
#: Rows per block when building keys (cache-sized).
_BLOCK = 1 << 15
#: Counting (``np.bincount`` over the key range) instead of sorting while the range is at
#: most this many times the rows plus a slack: patterns, then (stratum, time, event,
#: pattern) keys.
_DENSE_PATTERNS_PER_ROW, _DENSE_PATTERNS_SLACK = 4, 1 << 16
_DENSE_KEYS_PER_ROW, _DENSE_KEYS_SLACK = 8, 1 << 20


@dataclass
class Collapsed:
    """Distinct rows, sorted by (stratum, time), with summed frequency weights.

    The rows' model columns are their pattern's (``pattern_x[pattern]``); no (rows x columns)
    matrix is built.
    """

    time: np.ndarray
    event: np.ndarray  # bool
    weight: np.ndarray
    stratum: np.ndarray
    event_rows: np.ndarray  # distinct row of each input event row (input order)
    event_weights: np.ndarray | None  # weights of the input event rows (None: all 1)
    pattern: np.ndarray  # covariate pattern of each distinct row
    pattern_x: np.ndarray  # (patterns, p): the model columns of each pattern
    entry: np.ndarray | None = None  # entry time of each distinct row (counting process)


@dataclass
class _Digit:
    values: np.ndarray  # integers; the digit is ``values - lo`` (0 <= digit < radix)
    lo: int
    radix: int
    decode: object  # digit values -> list of model columns (float arrays)


def _whole(values: np.ndarray) -> bool:
    if values.dtype.kind in "biu":
        return True
    return bool(np.all(np.abs(values) < _EXACT_FLOAT_INT)) and bool(
        np.array_equal(values, np.floor(values))
    )


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
    return np.int32 if radix < _INT32_LIMIT else np.int64


def _number(key: np.ndarray, radix: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..m-1 of the distinct values of ``key`` (< radix), and those values (sorted)."""
    if radix <= _DENSE_PATTERNS_PER_ROW * n + _DENSE_PATTERNS_SLACK:
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
    entry: np.ndarray | None = None,
) -> Collapsed | None:
    """Distinct rows with summed weights, or ``None`` when collapsing cannot pay.

    ``weight`` is None for unit weights, ``stratum`` None for a single stratum, ``entry``
    None when every row is at risk from the start. Rows of zero weight are dropped. Raises
    the design's "constant covariate" error for a numeric covariate with a single value.
    """
    n = len(time)
    digits = [_covariate_digit(frame, design, cov, n) for cov in design.covariates]
    numbered = _pattern_codes(digits, n)
    if numbered is None:
        return None
    pcode, patterns = numbered
    n_pat = len(patterns)
    if n_pat > n // 2:
        return None

    time, t0, n_t, decode_time = _time_digits(time)
    n_s = 1 if stratum is None else int(stratum.max()) + 1
    n_e, decode_entry = 1, None
    if entry is not None:
        entry, e0, n_e, decode_entry = _time_digits(entry)
    radix = n_s * n_t * 2 * n_e * n_pat
    if radix >= _INT64_LIMIT:
        return None
    key = _row_keys(time, t0, n_t, event, stratum, n_s, pcode, n_pat * n_e, radix)
    if entry is not None:  # the entry digit sits between the event and the pattern
        key -= pcode
        entry_digit = entry - e0 if e0 else entry
        key += (entry_digit.astype(np.int64) * n_pat).astype(key.dtype, copy=False)
        key += pcode
    del pcode
    is_event = event > 0
    if weight is not None:
        is_event &= weight > 0
    keys, w, event_rows = _distinct_rows(key, radix, n, weight, is_event)
    del key
    rest, pc = np.divmod(keys, n_pat)
    entry_out = None
    if decode_entry is not None:
        rest, entry_digit = np.divmod(rest, n_e)
        entry_out = decode_entry(entry_digit).astype(float)
    rest, ev = np.divmod(rest, 2)
    ev = ev.astype(bool)
    s, t = np.divmod(rest, n_t)
    t = decode_time(t).astype(float)
    s = s.astype(np.int64, copy=False)
    pattern_x = _pattern_columns(digits, patterns)
    event_weights = None if weight is None else weight[is_event]
    return Collapsed(t, ev, w, s, event_rows, event_weights, pc, pattern_x, entry_out)


def _pattern_codes(digits: list[_Digit], n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Pattern code of each row (0..patterns-1) and the patterns' keys; None on overflow."""
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
    return _number(kx, radix_x, n)


def _time_digits(time: np.ndarray):
    """Times as integers ``>= t0`` with ``n_t`` values, and the decoder back to times."""
    if _whole(time) and time.max() - time.min() < _MAX_TIME_RANGE:
        time, t0, n_t = _range(time)
        return time, t0, n_t, lambda d: d + t0
    time, tvals = pd.factorize(time, sort=True)
    return time, 0, len(tvals), lambda d: np.asarray(tvals, dtype=float)[d]


def _row_keys(time, t0, n_t, event, stratum, n_s, pcode, n_pat, radix) -> np.ndarray:
    """One integer key per row: (stratum, time, event, pattern), built in place."""
    dtype = _int_for(radix)
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
    return key


def _distinct_rows(key, radix: int, n: int, weight, is_event):
    """The distinct keys (sorted), their summed weights and the distinct row of each event."""
    if radix <= _DENSE_KEYS_PER_ROW * n + _DENSE_KEYS_SLACK:  # counting sort
        sums = np.bincount(key, weight, minlength=radix)
        keys = np.flatnonzero(sums)
        w = sums[keys].astype(float)
        sums[keys] = np.arange(len(keys))  # reused as key -> distinct row
        event_rows = sums[key[is_event]].astype(_int_for(len(keys)))
        return keys, w, event_rows
    if weight is None:
        keys, counts = np.unique(key, return_counts=True)
        w = counts.astype(float)
    else:
        pos = weight > 0
        keys = np.unique(key[pos])
        w = np.bincount(_positions(keys, key[pos]), weight[pos], minlength=len(keys))
    event_rows = _positions(keys, key[is_event]).astype(_int_for(len(keys)))
    return keys, w, event_rows


def _positions(keys: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """``np.searchsorted(keys, queries)``, with the queries looked up in sorted order.

    Sorted queries walk ``keys`` forwards (numpy starts each search at the last hit), several
    times faster on a million rows than random look-ups, which miss the cache.
    """
    order = np.argsort(queries)
    out = np.empty(len(queries), dtype=np.int64)
    out[order] = np.searchsorted(keys, queries[order])
    return out


def _pattern_columns(digits: list[_Digit], patterns: np.ndarray) -> np.ndarray:
    """The model columns of each pattern: shape (patterns, model columns)."""
    cols = []
    left = patterns.copy()
    per_digit = []
    for d in reversed(digits):
        per_digit.append(d.decode(left % d.radix))
        left //= d.radix
    for block in reversed(per_digit):
        cols.extend(block)
    return np.column_stack(cols) if cols else np.zeros((len(patterns), 0))
