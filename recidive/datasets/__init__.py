"""Data sets: the synthetic reference registry and two public reference data sets.

The reference registry is simulated from an explicit generative model
(:mod:`recidive.datasets._model`) whose parameters are solved numerically
(:mod:`recidive.datasets._calibration`) so that the population values of its offenders of
domestic sexual exploitation (:data:`REFERENCE_POPULATION`) equal the published figures of
the *Dadermonitor mensenhandel 2017-2021*; the cohort builder and the estimators recover
those figures from the simulated records. The other exploitation forms have their own
recidivism; over exit years the composition shifts and recidivism changes a little
(:func:`constant_recidivism_parameters`: the same shift without the true change).
"""

from recidive.datasets._model import ModelParameters
from recidive.datasets._parameters import REFERENCE_PARAMETERS, constant_recidivism_parameters
from recidive.datasets._public import load_mgus2, load_rossi
from recidive.datasets._reference import (
    DEFAULT_N_PERSONS,
    DEFAULT_SEED,
    FILE_FORMATS,
    REALISTIC_N_PERSONS,
    REFERENCE_POPULATION,
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
    "REFERENCE_POPULATION",
    "ModelParameters",
    "constant_recidivism_parameters",
    "load_mgus2",
    "load_rossi",
    "reference_registry",
    "simulate_registry",
    "write_registry",
]
