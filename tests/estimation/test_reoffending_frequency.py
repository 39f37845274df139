"""``reoffending_frequency``: hand-worked cases, the R-checked MCF as oracle, a bootstrap.

The MCF at a horizon is checked by hand and against :func:`recidive.mean_cumulative_function`
(itself equal to R ``survfit(..., id =)``, tests/r/mcf.R). What that routine cannot hold
directly is mapped onto data it can: several cases on one day become events at distinct
instants of a finer clock (the risk set is the same at each, and a person's influence is
linear in its count, so the MCF and its Lawless-Nadeau error at whole days are unchanged),
and events at day 0 move with every time by one day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import recidive as rc
from recidive.estimation.recurrent_horizons import frequency_at_horizons

DAYS = rc.defaults.DAYS_PER_YEAR


def _hand(death=None):
    """Persons followed to 10, 4 and 8; events: person 0 at 2 and two at 5, person 1 at 3."""
    death = np.zeros(3, bool) if death is None else death
    return frequency_at_horizons(
        np.array([10, 4, 8]), np.array([0, 0, 0, 1]), np.array([2, 5, 5, 3]),
        np.array([1, 1, 1, 1]), death, np.array([1.0, 6.0, 10.0, 11.0]), "log", 0.95,
    )  # fmt: skip


def test_by_hand():
    out = _hand()
    # at 6: dL = 1/3 (t=2, 3 at risk), 1/3 (t=3), 2/2 (t=5, persons 0 and 2 at risk)
    assert out["mcf"][1] == pytest.approx(1 / 3 + 1 / 3 + 1)
    # influences D_i = sum (dN_i - Y_i dL) / Y: 11/18, 1/9, -13/18
    assert out["std_err"][1] == pytest.approx(np.sqrt((11**2 + 2**2 + 13**2) / 18**2))
    # first events at 2 and 3 (person 2 censored at 8): S(6) = 2/3 * 1/2
    assert out["share_recidivists"][1] == pytest.approx(2 / 3)
    assert out["per_recidivist"][1] == pytest.approx(2.5)
    # IF(R) = D / F - M S a / F^2 with a = 2/9, 5/36, -13/36: 92/144, -1/144, -91/144
    assert out["per_recidivist_std_err"][1] == pytest.approx(np.sqrt(92**2 + 1 + 91**2) / 144)
    assert out["mcf"][0] == 0 and out["std_err"][0] == 0 and np.isnan(out["per_recidivist"][0])
    assert out["past"].tolist() == [False, False, False, True]
    assert np.isnan(out["mcf"][3])
    # death of person 1 at 4: S_death(5-) = 2/3, so Ghosh-Lin = 1/3 + 1/3 + 2/3 * 1
    dead = _hand(np.array([False, True, False]))
    assert dead["mcf_death_terminal"][1] == pytest.approx(4 / 3)
    assert dead["mcf"][1] == pytest.approx(5 / 3)
    assert out["mcf_death_terminal"][1] == pytest.approx(5 / 3)


def _random_history(seed: int, n: int = 400, ties: bool = True, at_zero: bool = True):
    rng = np.random.default_rng(seed)
    followup = rng.integers(1, 300, n)
    who = np.repeat(np.arange(n), rng.poisson(followup / 80))
    low = 0 if at_zero else 1
    day = np.floor(rng.random(who.size) * (followup[who] + 1 - low)).astype(int) + low
    if not ties:
        keep = ~pd.DataFrame({"p": who, "d": day}).duplicated().to_numpy()
        who, day = who[keep], day[keep]
    return followup, who, day


def _as_rows(followup, who, day, scale=4):
    """(entry, stop] rows on a clock ``scale`` times finer and one day later: the k-th case of
    a person on day d at ``scale (d + 1) - (cases that day - k)``."""
    events = pd.DataFrame({"id": who, "day": day}).sort_values(["id", "day"])
    rank = events.groupby(["id", "day"]).cumcount(ascending=False).to_numpy()
    stop = scale * (events["day"].to_numpy() + 1) - rank
    ends = pd.DataFrame(
        {"id": np.arange(len(followup)), "stop": scale * (followup + 1), "event": 0}
    )
    rows = pd.concat(
        [pd.DataFrame({"id": events["id"].to_numpy(), "stop": stop, "event": 1}), ends]
    )
    rows = rows.sort_values(["id", "stop", "event"], ascending=[True, True, False])
    rows = rows.drop_duplicates(["id", "stop"])  # an event on the last day ends the follow-up
    rows["entry"] = rows.groupby("id")["stop"].shift(fill_value=0)
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_equals_the_mean_cumulative_function(seed):
    followup, who, day = _random_history(seed)
    horizons = np.array([0.0, 30.0, 100.5, 250.0, 299.0])
    out = frequency_at_horizons(followup, who, day, np.ones(who.size, int), np.zeros(len(followup), bool),
                                horizons, "log", 0.95)  # fmt: skip
    rows = _as_rows(followup, who, day)
    mcf = rc.mean_cumulative_function(rows["stop"], rows["event"], rows["id"], entry=rows["entry"])
    at = mcf.at(4 * (np.floor(horizons) + 1))
    assert (day == 0).any() and pd.Series(list(zip(who, day, strict=True))).duplicated().any()
    for name in ("mcf", "std_err", "ci_lower", "ci_upper"):
        np.testing.assert_allclose(out[name], at[name], rtol=1e-10, atol=1e-12, err_msg=name)
    # the risk set at the horizon itself: follow-up to at least h
    np.testing.assert_array_equal(out["n_at_risk"], mcf.at(4 * (horizons + 1))["n_at_risk"])


def test_share_of_recidivists_is_kaplan_meier_and_ratio_error_matches_a_bootstrap():
    followup, who, day = _random_history(7, n=1500, ties=True)
    horizons = np.array([100.0, 200.0])
    none = np.zeros(len(followup), bool)
    out = frequency_at_horizons(followup, who, day, np.ones(who.size, int), none, horizons,
                                "log", 0.95)  # fmt: skip
    first = pd.Series(day).groupby(who).min()
    time = followup.copy()
    time[first.index] = first.to_numpy()
    event = np.isin(np.arange(len(followup)), first.index)
    km = rc.kaplan_meier(time, event).at(horizons)
    np.testing.assert_allclose(out["share_recidivists"], 1 - km["survival"], rtol=1e-12)
    rng = np.random.default_rng(2022)
    ratios = []
    by_person = (
        pd.Series(np.arange(who.size)).groupby(who).apply(list).reindex(range(len(followup)))
    )
    for _ in range(300):
        pick = rng.integers(0, len(followup), len(followup))
        idx = np.concatenate(
            [by_person[p] for p in pick if isinstance(by_person[p], list)] + [[]]
        ).astype(int)
        new_id = np.repeat(
            np.arange(len(pick)),
            [len(by_person[p]) if isinstance(by_person[p], list) else 0 for p in pick],
        )
        boot = frequency_at_horizons(followup[pick], new_id, day[idx], np.ones(idx.size, int),
                                     none, horizons, "log", 0.95)  # fmt: skip
        ratios.append(boot["per_recidivist"])
    np.testing.assert_allclose(out["per_recidivist_std_err"], np.std(ratios, axis=0), rtol=0.15)
