"""Recidivism rates with death as a competing event (Aalen-Johansen), per criterion and group.

Kaplan-Meier treats a person who dies as if he could still reoffend later, only unseen; so
``1 - S(t)`` estimates the recidivism of a world without death and, in an ageing cohort,
lies above the share that actually reoffends. The Aalen-Johansen cumulative incidence
counts death as a competing event: it is the probability of reoffending by ``t`` in the
presence of mortality. Emigration stays censoring: an emigrant may reoffend abroad or after
returning, and the registry simply stops seeing it, which is what censoring means (the
event is unobserved, not prevented); only death makes reoffending impossible.

The cohort says why follow-up ended (``end_reason``): a person without a counted reoffence
whose follow-up ended at ``death`` has cause 2 at the end of follow-up; a reoffence is
cause 1; anyone else is censored (cause 0).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from recidive import defaults
from recidive._arguments import check_conf, check_horizons
from recidive.estimation.competing_risks import cumulative_incidence_by
from recidive.estimation.horizon_rates import OVERALL, RATE_COLUMNS, RateTable

#: The cause codes of the competing-risks frame.
CENSORED, REOFFENCE, DEATH = 0, 1, 2


def competing_frame(long: pd.DataFrame, end_reason: pd.Series) -> pd.DataFrame:
    """``long`` (stacked survival frames) with a ``cause`` column: 1 reoffence, 2 death, 0 else.

    ``end_reason`` is the persons' reason for the end of follow-up, repeated as ``long``
    repeats the persons.

    Examples
    --------
    >>> long = pd.DataFrame({"days": [5, 9, 9], "event": [1, 0, 0]})
    >>> competing_frame(long, pd.Series(["death", "death", "emigration"]))["cause"].tolist()
    [1, 2, 0]
    """
    died = np.asarray(end_reason.astype(str) == "death")
    event = long["event"].to_numpy() == 1
    cause = np.where(event, REOFFENCE, np.where(died, DEATH, CENSORED))
    return long.assign(cause=cause.astype(np.int64))


def aalen_johansen_rates(
    long: pd.DataFrame,
    by: Sequence[str],
    horizons: Sequence[float],
    conf_type: str = defaults.CONF_TYPE,
    conf_level: float = defaults.CONF_LEVEL,
) -> RateTable:
    """The :class:`RateTable` of a competing-risks frame (``criterion``, ``days``, ``cause``).

    Rates are the cumulative incidence of cause 1 at the horizons, per criterion and
    ``by`` group, with overall rows (``"all"``) first; the CI transform applies to the
    cumulative incidence itself; ``std_err`` is the infinitesimal-jackknife standard error
    (R ``survfit`` multi-state). A horizon past a stratum's last time gives NaN and
    ``insufficient_follow_up``.
    """
    conf_type, conf_level = check_conf(conf_type, conf_level)
    by = list(by)
    h_years = np.asarray(check_horizons(horizons), dtype=float)
    h_days = h_years * defaults.DAYS_PER_YEAR
    parts = [_stratum_rows(long, ["criterion"], h_years, h_days, conf_type, conf_level, by)]
    if by:
        parts.append(
            _stratum_rows(long, ["criterion", *by], h_years, h_days, conf_type, conf_level, [])
        )
    out = pd.concat(parts, ignore_index=True)
    order = list(long["criterion"].cat.categories)
    out["_c"] = out["criterion"].map({c: i for i, c in enumerate(order)})
    out["_overall"] = (out[by] == OVERALL).all(axis=1) if by else True
    out = out.sort_values(["_c", "_overall"], ascending=[True, False], kind="stable")
    out = out.drop(columns=["_c", "_overall"]).reset_index(drop=True)
    return RateTable(
        out[["criterion", *by, *RATE_COLUMNS]],
        tuple(by),
        ("criterion",),
        tuple(float(h) for h in h_years),
        "days",
        conf_type,
        conf_level,
        estimator="aalen_johansen",
    )


def _stratum_rows(long, columns, h_years, h_days, conf_type, conf_level, overall_by):
    """Rate rows of every stratum of ``columns``; ``overall_by`` columns get ``"all"``."""
    frame = long[[*columns, "days", "cause"]].copy()
    for c in columns:
        frame[c] = frame[c].astype(str)
    curves = cumulative_incidence_by(
        frame, "days", "cause", columns, 1, conf_type=conf_type, conf_level=conf_level
    )
    rows = []
    for label, cif in curves.items():
        label = label if isinstance(label, tuple) else (label,)
        at = cif.at(h_days)
        block = pd.DataFrame(dict(zip(columns, label, strict=True)), index=at.index)
        for c in overall_by:
            block[c] = OVERALL
        block["horizon_years"] = h_years
        block["n"] = float(cif.n)
        block["n_events"] = at["n_events"].cumsum().to_numpy(float)
        block["n_at_risk"] = at["n_at_risk"].to_numpy(float)
        block["rate"] = at["cif"].to_numpy(float)
        block["std_err"] = at["std_err"].to_numpy(float)
        block["ci_lower"] = at["ci_lower"].to_numpy(float)
        block["ci_upper"] = at["ci_upper"].to_numpy(float)
        block["status"] = at["status"].astype(object).to_numpy()
        rows.append(block)
    return pd.concat(rows, ignore_index=True)
