"""Data sets: the synthetic reference registry and two public reference data sets.

The reference registry is simulated from an explicit generative model
(:mod:`recidive.datasets._model`) whose parameters are solved numerically
(:mod:`recidive.datasets._calibration`) so that the model's population values equal the
published figures of the *Dadermonitor mensenhandel 2017-2021*; the cohort builder and the
estimators recover those figures from the simulated records.
"""

from recidive.datasets._model import ModelParameters
from recidive.datasets._parameters import REFERENCE_PARAMETERS
from recidive.datasets._public import load_mgus2, load_rossi
from recidive.datasets._reference import (
    DEFAULT_N_PERSONS,
    DEFAULT_SEED,
    FILE_FORMATS,
    REALISTIC_N_PERSONS,
    reference_registry,
    simulate_registry,
    write_registry,
)

__all__ = [
    "DEFAULT_N_PERSONS",
    "DEFAULT_SEED",
    "FILE_FORMATS",
    "REALISTIC_N_PERSONS",
    "REFERENCE_PARAMETERS",
    "ModelParameters",
    "load_mgus2",
    "load_rossi",
    "reference_registry",
    "simulate_registry",
    "write_registry",
]
