"""The first pass over a Dask registry: one look at each partition as it lies, no shuffle.

Each partition is checked for structure and dtypes by the gateway (a slice of
:data:`~recidive.dask.tables.SLICE_ROWS` rows at a time) and returns its row count, its
latest date, whether its ids are plain integers and a digest of its normalised rows. From
these the :class:`~recidive.dask.registry.DaskRegistry` knows its size, its latest date,
the dtype of its ids and its fingerprint before any row moves.

The fingerprint is a digest of the multiset of normalised rows (row hashes summed modulo
2**64, per table, with a second, independent sum through a splitmix64 finaliser): it does
not depend on row order or partitioning, but it is not the in-memory
``Registry.fingerprint`` of the same data.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from recidive.dask._plumbing import release_arrow_memory, row_slices
from recidive.dask.records import record
from recidive.dask.tables import ID_COLUMNS, SLICE_ROWS, SPECS, normalise
from recidive.errors import ValidationError

_MASK = (1 << 64) - 1


def survey(part: pd.DataFrame, name: str) -> dict:
    """Rows, latest date, plain-integer ids and row digest of one raw partition.

    A slice of rows at a time; ``errors`` holds a ValidationError record per failing slice.
    """
    slices = [_survey_slice(rows, name) for rows in row_slices(part, SLICE_ROWS)]
    release_arrow_memory()
    ok = [s for s in slices if "error" not in s]
    latest = [s["latest"] for s in ok if pd.notna(s["latest"])]
    return {
        "errors": [s["error"] for s in slices if "error" in s],
        "rows": sum(s["rows"] for s in ok),
        "latest": max(latest) if latest else pd.NaT,
        "int_ids": {c: all(s["int_ids"][c] for s in ok) for c in ID_COLUMNS[name]},
        "digest": tuple(sum(s["digest"][k] for s in ok) & _MASK for k in (0, 1)),
        "dtypes": next((s["dtypes"] for s in ok if s["dtypes"] is not None), None),
    }


def combine_digests(surveys: dict[str, list[dict]]) -> str:
    """The registry's fingerprint: 16 hex digits from every partition's survey."""
    digest = hashlib.sha256(b"recidive.DaskRegistry/1")
    for name, parts in surveys.items():
        dtypes = next((s["dtypes"] for s in parts if s["dtypes"] is not None), [])
        digest.update(name.encode() + repr(dtypes).encode())
        rows = sum(s["rows"] for s in parts)
        first = sum(s["digest"][0] for s in parts) & _MASK
        second = sum(s["digest"][1] for s in parts) & _MASK
        digest.update(f"{rows}:{first}:{second}".encode())
    return digest.hexdigest()[:16]


def _survey_slice(rows: pd.DataFrame, name: str) -> dict:
    try:
        frame = normalise(rows, name)
    except ValidationError as err:
        return {"error": record(err)}
    dates = [frame[c].max() for c in SPECS[name].date_columns if c != "birth_date"]
    dates = [d for d in dates if pd.notna(d)]
    ids = {c: pd.api.types.is_integer_dtype(frame[c]) or len(frame) == 0 for c in ID_COLUMNS[name]}
    hashed = frame.assign(**{c: frame[c].astype(str).astype(object) for c in ID_COLUMNS[name]})
    digests = pd.util.hash_pandas_object(hashed, index=False).to_numpy()
    return {
        "rows": len(frame),
        "latest": max(dates) if dates else pd.NaT,
        "int_ids": ids,
        "digest": (int(digests.sum()), int(_mix(digests).sum())),
        "dtypes": [(c, str(t)) for c, t in hashed.dtypes.items()] if len(frame) else None,
    }


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a second, independent sum for the multiset digest."""
    with np.errstate(over="ignore"):
        h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return h ^ (h >> np.uint64(31))
