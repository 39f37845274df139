"""The age profile of a Dask cohort: the counts of :func:`recidive.age_profile`, in one pass.

In memory, ``age_profile`` counts offenders and recidivists and fits a Kaplan-Meier curve
per age group. On a Dask cohort one pass gives all of it: the risk tables of the young and
the older (:func:`~recidive.estimation.kaplan_meier.kaplan_meier_by`, reduced partition by
partition) hold the counts too.

Registered as the Dask implementation of ``age_counts``, which
:func:`recidive.age_profile` calls for a cohort whose persons are a Dask DataFrame.
"""

from __future__ import annotations

from recidive import _engines
from recidive.estimation.kaplan_meier import kaplan_meier_by


@_engines.register("age_counts")
def dask_age_counts(persons, young, criterion: str, horizon_days: float) -> tuple:
    """``n, n_young, n_rec, n_young_rec, rate_young, rate_old, se_young, se_old`` of a Dask
    cohort's persons.

    ``young`` is a boolean Dask Series aligned with ``persons``; recidivists are those seen
    to reoffend within ``horizon_days``; the rates are the Kaplan-Meier cumulative
    recidivism ``1 - S(horizon_days)`` of each group with its Greenwood standard error (NaN
    for an empty group).
    """
    frame = persons[[f"{criterion}_days", f"{criterion}_event"]].assign(young=young)
    curves = kaplan_meier_by(frame, f"{criterion}_days", f"{criterion}_event", by=["young"])
    young_km, old_km = curves.get(True), curves.get(False)

    def at(km, column: str) -> float:
        if km is None:
            return float("nan")
        return float(km.at([horizon_days])[column].iloc[0])

    n_young = young_km.n if young_km is not None else 0
    n_old = old_km.n if old_km is not None else 0
    # events up to the horizon: the curve's events at times <= horizon_days
    rec = [
        0.0 if km is None else float(km.at([horizon_days])["n_events"].iloc[0])
        for km in (young_km, old_km)
    ]
    return (
        int(n_young + n_old),
        int(n_young),
        int(sum(rec)),
        int(rec[0]),
        1.0 - at(young_km, "survival"),
        1.0 - at(old_km, "survival"),
        at(young_km, "std_err"),
        at(old_km, "std_err"),
    )
