"""Which engine runs a call: pandas in memory, or the Dask wing.

The in-memory modules never import the Dask wing (:mod:`recidive.dask`); the wing
imports them and, when the package is imported, registers its implementations
here by name (:func:`register`) and its own types (:func:`register_type`). A public function that accepts distributed data asks once, at its
top, whether its input is distributed (:func:`is_distributed`: a Dask collection,
by ``isinstance``, or the path of a Parquet dataset) and then calls
:func:`implementation`. So the dependency runs one way: wing -> cores, and the
package top imports both.

Examples
--------
>>> import pandas as pd
>>> is_distributed(pd.DataFrame({"a": [1]}))
False
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from recidive.errors import ArgumentError

_IMPLEMENTATIONS: dict[str, Callable[..., Any]] = {}
_TYPES: list[type] = []


def register(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: register the Dask wing's implementation of ``name``."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        _IMPLEMENTATIONS[name] = function
        return function

    return decorate


def register_type(cls: type) -> type:
    """Class decorator: the wing's own distributed types (a Dask registry, a Dask cohort)."""
    _TYPES.append(cls)
    return cls


def implementation(name: str) -> Callable[..., Any]:
    """The Dask wing's implementation of ``name`` (registered at import of the package)."""
    try:
        return _IMPLEMENTATIONS[name]
    except KeyError:  # pragma: no cover - the package top always imports the wing
        raise ArgumentError(
            f"no Dask implementation of {name!r} is registered; import recidive first"
        ) from None


def is_dask_collection(data: Any) -> bool:
    """Whether ``data`` is a Dask DataFrame or Series.

    Dask is optional: when ``dask.dataframe`` has not been imported, nothing can be
    one of its collections, so this never imports Dask itself.
    """
    dd = sys.modules.get("dask.dataframe")
    return dd is not None and isinstance(data, dd.DataFrame | dd.Series)


def is_distributed(data: Any) -> bool:
    """Whether ``data`` goes to the Dask wing.

    A Dask collection, a path (a Parquet file or dataset, read with Dask), or an
    instance of a type the wing registered (:func:`register_type`).
    """
    return (
        is_dask_collection(data)
        or isinstance(data, str | os.PathLike)
        or isinstance(data, tuple(_TYPES))
    )
