"""The synthetic reference registry: simulate, wrap in a :class:`~recidive.Registry`, write."""

from __future__ import annotations

from collections.abc import Mapping
from os import PathLike
from pathlib import Path

import pandas as pd

from recidive.cutoff import write_extract
from recidive.datasets._model import REFERENCE_FORM, ModelParameters
from recidive.datasets._parameters import REFERENCE_PARAMETERS
from recidive.datasets._sampler import sample_tables
from recidive.errors import ArgumentError
from recidive.registry import Registry

#: Persons in the default reference registry (every exploitation form; about 49,000 of them
#: offenders of domestic sexual exploitation): large enough that the pipeline recovers every
#: published figure of that population within about one percentage point (Monte Carlo SD
#: at most 0.35 points).
DEFAULT_N_PERSONS = 70_000

#: The population the reference registry is calibrated for, the seed's: the offenders of
#: domestic sexual exploitation. ``CohortRules(population=REFERENCE_POPULATION)``.
REFERENCE_POPULATION: dict[str, tuple[str, ...]] = {"exploitation_form": (REFERENCE_FORM,)}

#: A realistic cohort size: the monitor's cohort holds a few hundred offenders.
REALISTIC_N_PERSONS = 350

#: The seed of the reference registry (the seed the report's figures are shown for).
DEFAULT_SEED = 2022

#: File formats :func:`write_registry` writes.
FILE_FORMATS: tuple[str, ...] = ("csv", "parquet")


def _check_size(n_persons: int) -> int:
    if isinstance(n_persons, bool) or not isinstance(n_persons, int) or n_persons < 1:
        raise ArgumentError(f"n_persons must be a positive integer, got {n_persons!r}")
    return n_persons


def simulate_registry(
    n_persons: int = REALISTIC_N_PERSONS,
    seed: int = DEFAULT_SEED,
    params: ModelParameters = REFERENCE_PARAMETERS,
    as_registry: bool = False,
) -> dict[str, pd.DataFrame] | Registry:
    """Simulate registry tables from the calibrated generative model.

    Parameters
    ----------
    n_persons : int, default 350
        Number of offenders; the default is the size of a real cohort, so the figures
        estimated from it carry realistic sampling uncertainty.
    seed : int, default 2022
        Seed of the random generator; the same seed gives identical tables.
    params : ModelParameters, optional
        Model parameters; default the calibrated reference parameters.
    as_registry : bool, default False
        Return a validated :class:`~recidive.Registry` instead of the raw tables.

    Returns
    -------
    dict of DataFrame or Registry
        ``{"persons", "cases", "detentions"}`` in the shape of ``recidive.schema``. A
        Registry of the tables needs their cut-off, ``params.cutoff_date`` (2022-06-30 for
        the reference parameters): ``Registry(**tables, cutoff_date=params.cutoff_date)``.

    Examples
    --------
    >>> from recidive.datasets import simulate_registry
    >>> tables = simulate_registry(n_persons=350, seed=7)
    >>> sorted(tables), len(tables["persons"])
    (['cases', 'detentions', 'persons'], 350)
    """
    tables = sample_tables(params, _check_size(n_persons), seed)
    if as_registry:
        return Registry(**tables, cutoff_date=params.cutoff_date)
    return tables


def reference_registry(n_persons: int = DEFAULT_N_PERSONS, seed: int = DEFAULT_SEED) -> Registry:
    """The synthetic reference registry, calibrated to the *Dadermonitor 2017-2021*.

    A registry of offenders of every exploitation form, simulated from an explicit
    generative model (``recidive.datasets._model``) whose parameters are solved so that the
    population values of its offenders of domestic sexual exploitation (the seed's
    population, :data:`REFERENCE_POPULATION`) equal the published figures; the cohort
    builder and the estimators then recover those figures from the simulated records. The
    other forms have their own recidivism and age mix. Index disposals 2008-2019, exit
    years 2008-2022 with a shifting composition, data cut-off 2022-06-30.

    Parameters
    ----------
    n_persons : int, default 70000
        Number of offenders (about 70% of them of domestic sexual exploitation).
    seed : int, default 2022
        Seed of the random generator; the same seed gives the same registry.

    Returns
    -------
    Registry
        Validated, with ``cutoff_date`` set to the data cut-off.

    Examples
    --------
    >>> import recidive as rc
    >>> reg = rc.datasets.reference_registry(n_persons=2000, seed=1)
    >>> len(reg.persons), str(reg.cutoff_date.date())
    (2000, '2022-06-30')
    >>> rules = rc.CohortRules(population=rc.datasets.REFERENCE_POPULATION)
    >>> cohort = rc.build_cohort(reg, rules)  # the seed's population
    """
    tables = sample_tables(REFERENCE_PARAMETERS, _check_size(n_persons), seed)
    return Registry(**tables, cutoff_date=REFERENCE_PARAMETERS.cutoff_date)


def write_registry(
    registry: Registry | Mapping[str, pd.DataFrame],
    out_dir: str | PathLike,
    format: str = "csv",
    cutoff_date: object = None,
) -> list[Path]:
    """Write registry tables to ``out_dir`` as ``persons``, ``cases`` and ``detentions`` files.

    With the data cut-off (a :class:`~recidive.Registry`'s own, or ``cutoff_date``) the
    extract's sidecar file ``extract.json`` is written beside them, so that
    ``Registry.from_files`` and the command line read the cut-off back (see
    :mod:`recidive.cutoff`).

    Parameters
    ----------
    registry : Registry or dict of DataFrame
        The tables to write.
    out_dir : path
        Directory; created if needed, existing files of the same names are replaced.
    format : {"csv", "parquet"}
        File format. CSV dates are written as ``YYYY-MM-DD``.
    cutoff_date : date-like, optional
        The data cut-off of tables given as a dict (a Registry's own is used otherwise).

    Returns
    -------
    list of Path
        The files written, in the order persons, cases, detentions, then ``extract.json``
        when the cut-off is known.

    Examples
    --------
    >>> import tempfile
    >>> from recidive.datasets import simulate_registry, write_registry
    >>> paths = write_registry(simulate_registry(50, seed=1), tempfile.mkdtemp())
    >>> [p.name for p in paths]
    ['persons.csv', 'cases.csv', 'detentions.csv']
    >>> reg = simulate_registry(50, seed=1, as_registry=True)
    >>> [p.name for p in write_registry(reg, tempfile.mkdtemp())][-1]
    'extract.json'

    """
    if format not in FILE_FORMATS:
        raise ArgumentError(f"format must be one of {FILE_FORMATS}, got {format!r}")
    if isinstance(registry, Registry):
        tables = {"persons": registry.persons, "cases": registry.cases}
        tables["detentions"] = registry.detentions
        cutoff_date = registry.cutoff_date if cutoff_date is None else cutoff_date
    else:
        missing = {"persons", "cases"} - set(registry)
        if missing:
            raise ArgumentError(f"registry tables are missing {sorted(missing)}")
        tables = dict(registry)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in ("persons", "cases", "detentions"):
        frame = tables.get(name)
        if frame is None:
            continue
        path = out / f"{name}.{format}"
        if format == "csv":
            frame.to_csv(path, index=False, date_format="%Y-%m-%d")
        else:
            frame.to_parquet(path, index=False)
        paths.append(path)
    if cutoff_date is not None:
        names = [p.name for p in paths]
        paths.append(write_extract(out, cutoff_date, source="recidive.datasets", tables=names))
    return paths
