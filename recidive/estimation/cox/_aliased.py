"""Aliased covariates, as R ``coxph`` treats them: coefficient NA, the rest fitted without it.

A covariate constant over all rows is a user error and stays an
:class:`~recidive.errors.ArgumentError` (see :mod:`._design`). A covariate can also be
aliased only in the model: constant within every stratum (each risk set sees one value, so
the partial likelihood does not depend on its coefficient), or a linear combination of
other covariates. Its information matrix is then singular, and Newton-Raphson on it would
give a meaningless coefficient with a huge or negative variance.

R finds such columns with ``cholesky2`` (``coxph.control(toler.chol = eps^0.75)``): an
in-order Cholesky decomposition of the information matrix in which a pivot below
``toler.chol`` times the largest diagonal element marks its column singular; the column is
then skipped. So of two columns that are linear combinations of each other the later one
in the covariate order is the one dropped. :func:`singular_columns` is that decomposition,
on the information at zero, where R finds them too. The columns are then dropped from the
risk sets (:func:`drop_columns`) and the model is fitted without them; the results carry
NaN for their coefficient, standard errors and covariances (R gives NA for the
coefficient and 0 for its variance: NaN says "not estimated" more plainly than a standard
error of 0), and the tests' degrees of freedom count the columns that were estimated, as R's.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from recidive.errors import AliasedCovariateWarning
from recidive.estimation.cox._partial_likelihood import RiskSets

#: R's ``coxph.control()$toler.chol``: pivots below this share of the largest diagonal
#: element of the information matrix are singular.
TOLER_CHOL = float(np.finfo(float).eps ** 0.75)


def singular_columns(information: np.ndarray, toler: float = TOLER_CHOL) -> np.ndarray:
    """Columns that R's ``cholesky2`` finds singular (in order), as a boolean mask.

    Examples
    --------
    >>> singular_columns(np.array([[2.0, 1.0, 3.0], [1.0, 1.0, 2.0], [3.0, 2.0, 5.0]]))
    array([False, False,  True])
    """
    m = np.array(information, dtype=float)
    n = m.shape[0]
    diag = np.diag(m)
    largest = float(diag[np.isfinite(diag)].max()) if np.isfinite(diag).any() else 0.0
    eps = toler if largest <= 0 else largest * toler
    singular = np.zeros(n, dtype=bool)
    for i in range(n):
        pivot = m[i, i]
        if not np.isfinite(pivot) or pivot < eps:
            singular[i] = True
            continue
        below = m[i + 1 :, i] / pivot
        m[i + 1 :, i + 1 :] -= np.outer(below, m[i, i + 1 :])
    return singular


def drop_columns(rs: RiskSets, kept: np.ndarray) -> RiskSets:
    """The risk sets with only the ``kept`` model columns."""
    return dataclasses.replace(
        rs,
        x=None if rs.x is None else np.asfortranarray(rs.x[:, kept]),
        means=rs.means[kept],
        wx_events=rs.wx_events[kept],
        pattern_x=None if rs.pattern_x is None else rs.pattern_x[:, kept],
    )


def constant_within_strata(rs: RiskSets, column: int) -> bool:
    """Whether a model column has one value within every stratum (rows sorted by stratum)."""
    x = rs.x[:, column] if rs.x is not None else rs.pattern_x[rs.pattern, column]
    starts = np.searchsorted(rs.stratum, np.unique(rs.stratum))
    return bool(np.array_equal(np.minimum.reduceat(x, starts), np.maximum.reduceat(x, starts)))


def warn_aliased(
    names: tuple[str, ...],
    singular: np.ndarray,
    strata,
    within_strata: np.ndarray | None,
    stacklevel: int = 4,
) -> None:
    """Say which covariates are aliased and why (an :class:`AliasedCovariateWarning`).

    ``within_strata`` marks the singular columns that are constant within every stratum
    (None: not known, e.g. on Dask). ``stacklevel`` (of this function's frame) points at
    the caller of :func:`~recidive.estimation.cox.fit_cox`.
    """
    columns = np.flatnonzero(singular)
    if within_strata is None:
        reasons = {"constant within every stratum or a linear combination of covariates "
                   "before it in the covariate order": [names[j] for j in columns]}  # fmt: skip
    else:
        reasons = {
            f"constant within every stratum of {list(strata)}": [
                names[j] for j, flag in zip(columns, within_strata, strict=True) if flag
            ],
            "a linear combination of covariates before it in the covariate order": [
                names[j] for j, flag in zip(columns, within_strata, strict=True) if not flag
            ],
        }
    parts = [
        f"{', '.join(map(repr, which))} {'is' if len(which) == 1 else 'are'} {why}"
        for why, which in reasons.items()
        if which
    ]
    warnings.warn(
        f"aliased covariates: {'; '.join(parts)}. Their coefficients are NaN (R: NA) and the "
        "model is fitted without them; the tests count only the estimated coefficients. "
        "Drop them from the covariates (or, for a stratum-level covariate, from the strata) "
        "to silence this warning",
        AliasedCovariateWarning,
        stacklevel=stacklevel,
    )


def expand_vector(values: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """A vector over the kept columns as one over all columns, NaN where not kept."""
    out = np.full(kept.shape[0], np.nan)
    out[kept] = values
    return out


def expand_matrix(values: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """A matrix over the kept columns as one over all columns, NaN in the other rows and columns."""
    out = np.full((kept.shape[0], kept.shape[0]), np.nan)
    out[np.ix_(kept, kept)] = values
    return out
