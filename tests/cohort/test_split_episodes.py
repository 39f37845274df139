"""``split_episodes``: (start, stop] rows in calendar time with detention gaps.

Checked by hand on a small registry, and on the synthetic reference registry against the
compressed clock of ``CohortRules(remove_detention_time=True)``, which counts the same days
at risk to the first event by another route (a binary search over detention days).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from registry_builders import three_person_registry

import recidive as rc
from recidive.cohort import criterion_rows
from recidive.estimation.cox import fit_cox


@pytest.fixture(scope="module")
def small():
    registry = three_person_registry()
    return registry, rc.build_cohort(registry)


def test_recurrent_rows_by_hand(small):
    registry, cohort = small
    with pytest.warns(rc.EpisodesWarning, match=r"1 counted cases .* \(1 persons\) .* left out"):
        rows = rc.split_episodes(cohort, registry, recurrent=True)
    one = rows[rows.person_id == 1]
    assert one[["start", "stop", "event", "n_cases", "previous_cases",
                "event_in_detention"]].values.tolist() == [
        [0, 60, 1, 1, 0, 0],  # case a: one event for its two offence rows
        [60, 100, 1, 1, 1, 1],  # case b, committed in detention: at the detention's start
        [130, 400, 1, 2, 2, 0],  # cases c and d on the same day
        [400, 1826, 0, 0, 4, 0],
    ]  # fmt: skip
    two = rows[rows.person_id == 2]  # detained to 2015-08-30 (day 60): case e is lost
    assert two[["start", "stop", "event", "previous_cases"]].values.tolist() == [
        [60, 100, 1, 0], [100, 2010, 0, 1],
    ]  # fmt: skip
    three = rows[rows.person_id == 3]  # detained from 2019-01-01 (day 1096) to the end
    assert three[["start", "stop", "event"]].values.tolist() == [[0, 1096, 0]]
    assert rows["sex"].tolist()[:1] == ["M"] and rows["prior_cases"].tolist()[-1] == 1
    assert list(rows.columns[:7]) == list(rc.episodes.COLUMNS)


def test_first_event_rows_by_hand(small):
    registry, cohort = small
    with pytest.warns(rc.EpisodesWarning, match=r"those persons, whose first case"):
        rows = rc.split_episodes(cohort, registry, criterion="violence")
    # person 1's first violence case is a (day 60); person 2's (e) precedes any time at
    # risk, so person 2 is left out; person 3 has none
    assert rows[["person_id", "start", "stop", "event"]].values.tolist() == [
        [1, 0, 60, 1], [3, 0, 1096, 0],
    ]  # fmt: skip
    drugs = rc.split_episodes(cohort, registry, criterion="drugs")
    assert drugs.loc[drugs.person_id == 1, ["start", "stop", "event"]].values.tolist() == [
        [0, 100, 0], [130, 400, 1],
    ]  # fmt: skip


def test_without_the_registry_one_row_per_person_is_the_survival_frame(small):
    _, cohort = small
    rows = rc.split_episodes(cohort)
    frame = cohort.survival_frame("general")
    assert rows["person_id"].tolist() == frame["person_id"].tolist()
    assert (rows["start"] == 0).all()
    np.testing.assert_array_equal(rows["stop"], frame["days"])
    np.testing.assert_array_equal(rows["event"], frame["event"])


@pytest.fixture(scope="module")
def reference():
    registry = rc.datasets.reference_registry(n_persons=6000, seed=11)
    return registry, rc.build_cohort(registry, rc.CohortRules(remove_detention_time=True))


@pytest.mark.parametrize("criterion", ["general", "violence", "serious"])
def test_days_at_risk_equal_the_compressed_clock(reference, criterion):
    registry, cohort = reference
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = rc.split_episodes(cohort, registry, criterion=criterion)
    at_risk = (rows.stop - rows.start).groupby(rows.person_id).sum()
    event = rows.event.groupby(rows.person_id).max()
    persons = cohort.persons.set_index("person_id")
    days, flag = persons[f"{criterion}_days"], persons[f"{criterion}_event"]
    missing = persons.index.difference(at_risk.index)
    # the persons left out are exactly those whose first event the compressed clock puts
    # at time 0 (an offence during a detention running at the start), and the warning
    # counts them
    assert ((days[missing] == 0) & (flag[missing] == 1)).all()
    if len(missing):
        assert len(caught) == 1 and f"({len(missing)} persons)" in str(caught[0].message)
    np.testing.assert_array_equal(at_risk, days[at_risk.index])
    np.testing.assert_array_equal(event, flag[event.index])


def test_recurrent_rows_count_every_counted_case(reference):
    registry, cohort = reference
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = rc.split_episodes(cohort, registry, recurrent=True)
    cases = cohort.cases[criterion_rows("general", cohort.cases, cohort.rules)]
    n_cases = len(cases.drop_duplicates(["person_id", "case_id"]))
    lost = int(str(caught[0].message).split(" counted cases")[0].split()[-1]) if caught else 0
    assert rows["n_cases"].sum() == n_cases - lost
    person = rows.person_id.to_numpy()
    same = person[1:] == person[:-1]
    assert (rows.stop > rows.start).all()
    assert (rows.start.to_numpy()[1:][same] >= rows.stop.to_numpy()[:-1][same]).all()
    expected = rows.groupby("person_id")["n_cases"].cumsum() - rows["n_cases"]
    np.testing.assert_array_equal(rows["previous_cases"], expected)
    assert rows["event_in_detention"].sum() > 0
    # the rows fit an Andersen-Gill model with the running count as a covariate
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = fit_cox(rows.assign(any_previous=(rows.previous_cases > 0).astype(int)), "stop",
                      "event", ["any_previous", "sex"], entry="start", cluster="person_id")  # fmt: skip
    assert res.metadata["n_clusters"] == rows.person_id.nunique()
    assert np.isfinite(res.std_err).all()


def test_arguments(small):
    registry, cohort = small
    with pytest.raises(rc.ArgumentError, match=r"criterion 'nope' is not in this cohort"):
        rc.split_episodes(cohort, registry, criterion="nope")
    with pytest.raises(rc.ArgumentError, match=r"needs an in-memory Cohort .* not DataFrame"):
        rc.split_episodes(cohort.persons)
    other = rc.Registry(registry.persons.iloc[:1], registry.cases.iloc[:1],
                        cutoff_date="2020-12-31")  # fmt: skip
    with pytest.raises(rc.ArgumentError, match=r"fingerprints differ"):
        rc.split_episodes(cohort, other)
    with pytest.raises(rc.ArgumentError, match=r"recurrent must be True or False"):
        rc.split_episodes(cohort, registry, recurrent="yes")
    compressed = rc.build_cohort(registry, rc.CohortRules(remove_detention_time=True))
    with pytest.raises(rc.ArgumentError, match=r"remove detention time .* pass the registry"):
        rc.split_episodes(compressed)
