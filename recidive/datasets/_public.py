"""Two public reference data sets, shipped as CSV files in ``recidive/datasets/data``."""

from __future__ import annotations

from importlib import resources

import pandas as pd


def _read(name: str) -> pd.DataFrame:
    with resources.files("recidive.datasets").joinpath(f"data/{name}").open("rb") as fh:
        return pd.read_csv(fh)


def load_rossi() -> pd.DataFrame:
    """Rossi et al. (1980): 432 men released from Maryland state prisons, followed 52 weeks.

    The classic recidivism data (the same as R ``carData::Rossi`` and
    ``lifelines.datasets.load_rossi()``): ``week`` of first re-arrest or censoring at 52,
    ``arrest`` (1 = re-arrested), ``fin`` (financial aid), ``age``, ``race``, ``wexp``
    (work experience), ``mar`` (married), ``paro`` (released on parole), ``prio``
    (prior convictions). All columns are ``int64``.

    Returns
    -------
    pandas.DataFrame
        432 rows, 9 columns.

    Examples
    --------
    >>> from recidive.datasets import load_rossi
    >>> rossi = load_rossi()
    >>> rossi.shape, int(rossi["arrest"].sum())
    ((432, 9), 114)
    """
    return _read("rossi.csv").astype("int64")


def load_mgus2() -> pd.DataFrame:
    """R ``survival::mgus2`` as competing risks: progression to plasma cell malignancy vs death.

    Derived from ``survival::mgus2`` by the project's R reference script
    (``rossi_r_survival.R``, survival 3.5-3) as in the survival package's competing-risks
    vignette: ``etime`` (months to progression, else to death or last contact), ``event``
    (0 censored, 1 progression, 2 death without progression), ``sex`` (``F``/``M``,
    categorical).

    Returns
    -------
    pandas.DataFrame
        1384 rows, 3 columns.

    Examples
    --------
    >>> from recidive.datasets import load_mgus2
    >>> mgus2 = load_mgus2()
    >>> mgus2.shape, mgus2["event"].value_counts().sort_index().tolist()
    ((1384, 3), [409, 115, 860])
    """
    frame = _read("mgus2.csv")
    return frame.astype({"etime": "int64", "event": "int64", "sex": "category"})
