"""The study population: which persons of the registry a cohort is about.

A registry holds every offender of a human-trafficking index case; a study is often about
some of them, as the *Dadermonitor*'s recidivism figures are about the offenders of
domestic sexual exploitation. ``CohortRules(population={"exploitation_form":
("binnenlands_seksueel",)})`` keeps the persons whose ``exploitation_form`` is one of the
values given (with several columns: whose value is listed in every column); the others are
counted in the cohort's attrition as ``outside_population``, their cases as
``person_excluded``.

The selection is checked twice. When the rules are made (:func:`check_population`): a
mapping from column names to non-empty lists of plain values, and for a column with a code
list (``schema.CODE_LISTS``) only its codes, so that a typo fails at once. When the cohort
is built, against the whole registry (:func:`check_selection`): a column that is not a
persons column is an error that names the persons columns; a selection that keeps nobody is
an error; a value that no person has, next to values that some persons have, is a
:class:`~recidive.errors.PopulationWarning` (the population is then smaller than its name
says; a registry without some forms is legitimate, so it is not an error). The Dask cohort
builds each person bucket without these checks and checks the union of the buckets.

Values are compared as given and as text, so ``prior_cases=["0"]`` (from the command line)
selects the persons with no prior cases.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from recidive import schema
from recidive._arguments import shown
from recidive.errors import ArgumentError, PopulationWarning

Population = dict[str, tuple[Any, ...]]

_EXAMPLE = "{'exploitation_form': ['binnenlands_seksueel']}"


def check_population(population: Any) -> Population | None:
    """Check a population selection; return it as ``{column: (value, ...)}`` (or None).

    Examples
    --------
    >>> check_population({"exploitation_form": ["binnenlands_seksueel"]})
    {'exploitation_form': ('binnenlands_seksueel',)}
    >>> check_population({"exploitation_form": "binnenlands_seksueel"})
    Traceback (most recent call last):
    ...
    recidive.errors.ArgumentError: population['exploitation_form'] must be a list of values, not the text 'binnenlands_seksueel'; write {'exploitation_form': ['binnenlands_seksueel']}
    """
    if population is None:
        return None
    if not isinstance(population, Mapping) or not population:
        raise ArgumentError(
            f"population must map persons columns to the values kept, such as {_EXAMPLE}; "
            f"got {shown(population)}"
        )
    out: Population = {}
    for column, values in population.items():
        if not isinstance(column, str) or not column:
            raise ArgumentError(
                f"population columns must be names of persons columns, not {shown(column)}"
            )
        out[column] = _check_values(column, values)
    return out


def _check_values(column: str, values: Any) -> tuple[Any, ...]:
    where = f"population[{column!r}]"
    if isinstance(values, str):
        raise ArgumentError(
            f"{where} must be a list of values, not the text {values!r}; "
            f"write {{{column!r}: [{values!r}]}}"
        )
    if not isinstance(values, Iterable) or isinstance(values, Mapping):
        raise ArgumentError(f"{where} must be a list of values; got {shown(values)}")
    kept: list[Any] = []
    for value in values:
        value = value.item() if isinstance(value, np.generic) else value
        plain = isinstance(value, str | bool) or (isinstance(value, Real) and np.isfinite(value))
        if not plain:
            raise ArgumentError(f"{where} takes text or numbers, not {shown(value)}")
        if value not in kept:
            kept.append(value)
    if not kept:
        raise ArgumentError(f"{where} is empty; list the values kept, such as {_EXAMPLE}")
    codes = schema.CODE_LISTS.get(("persons", column))
    unknown = [v for v in kept if codes is not None and str(v) not in codes]
    if unknown:
        raise ArgumentError(
            f"{where} has {', '.join(map(repr, unknown))}, not a code of persons.{column}; "
            f"use any of {', '.join(codes)}"
        )
    return tuple(kept)


def population_mask(persons: pd.DataFrame, population: Population | None) -> np.ndarray:
    """Per row of ``persons``: True when the person is in the population."""
    inside = np.ones(len(persons), dtype=bool)
    for column, values in (population or {}).items():
        inside &= _matches(persons[column], values)
    return inside


def values_found(persons: pd.DataFrame, population: Population | None) -> dict[str, list]:
    """The selected values that some person has, by column (columns absent: none found)."""
    found = {}
    for column, values in (population or {}).items():
        present = persons[column] if column in persons.columns else pd.Series([], dtype=object)
        found[column] = [v for v in values if _matches(present, (v,)).any()]
    return found


def check_selection(
    population: Population | None, columns: Iterable[str], found: Mapping[str, Iterable]
) -> None:
    """Check a population against the registry's persons ``columns`` and the values ``found``.

    ``found`` lists, by column, the selected values that some person has (the union over
    person buckets for the Dask cohort; :func:`values_found`). Warns with
    :class:`~recidive.errors.PopulationWarning` for a value no person has.

    Raises
    ------
    recidive.errors.ArgumentError
        For a column that is not a persons column, or a selection that keeps nobody.
    """
    if population is None:
        return
    check_columns(population, columns)
    for column, values in population.items():
        have = set(found.get(column, ()))
        if not have:
            raise ArgumentError(
                f"the population keeps nobody: no person has persons.{column} in "
                f"{', '.join(map(str, values))}; check the values or the registry"
            )
        missing = [v for v in values if v not in have]
        if missing:
            warnings.warn(
                f"no person has persons.{column} {', '.join(map(str, missing))}: the "
                f"population holds only {', '.join(str(v) for v in values if v in have)}",
                PopulationWarning,
                stacklevel=3,
            )


def check_columns(population: Population | None, columns: Iterable[str]) -> None:
    """An :class:`~recidive.errors.ArgumentError` for a column that is not a persons column."""
    columns = [str(c) for c in columns]
    for column in population or {}:
        if column not in columns:
            raise ArgumentError(
                f"population column {column!r} is not a column of persons; the persons "
                f"columns are {', '.join(columns)}"
            )


def population_reason(population: Population) -> str:
    """The attrition reason of the persons outside the population.

    Examples
    --------
    >>> population_reason({"exploitation_form": ("binnenlands_seksueel",)})
    'outside the population: exploitation_form not in binnenlands_seksueel'
    """
    parts = [f"{c} not in {', '.join(map(str, v))}" for c, v in population.items()]
    return "outside the population: " + " or ".join(parts)


def _matches(column: pd.Series, values: tuple[Any, ...]) -> np.ndarray:
    """Rows whose value is one of ``values``, compared as given and as text."""
    if len(column) == 0:
        return np.zeros(0, dtype=bool)
    direct = column.isin(list(values)).to_numpy(dtype=bool)
    as_text = column.astype(str).isin([str(v) for v in values]).to_numpy(dtype=bool)
    return (direct | as_text) & column.notna().to_numpy()
