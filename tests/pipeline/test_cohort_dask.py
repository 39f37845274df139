"""A registry as Dask DataFrames or Parquet datasets gives the cohort and rates of memory.

``build_cohort`` on a :class:`recidive.dask.DaskRegistry` runs the in-memory gateway and
cohort builder on person-aligned partitions; these tests run it on a ``distributed`` cluster
(two worker processes) and compare with the in-memory pipeline.
"""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest
from dask_cluster import local_client

import recidive as rc
from recidive.cutoff import write_extract

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
from recidive.dask import DaskCohort, DaskRegistry  # noqa: E402

CRITERIA = ["general", "property", "violence", "drugs", "human_trafficking"]
TABLES = ("persons", "cases", "detentions")
TOL = {"rtol": 1e-12, "atol": 1e-12}
CUTOFF = "2022-06-30"  # the synthetic registry's


@pytest.fixture(scope="module")
def client():
    with local_client(memory_limit=800e6) as c:
        yield c


@pytest.fixture(scope="module")
def registry():
    return rc.datasets.reference_registry(n_persons=5000, seed=3)


@pytest.fixture(scope="module")
def in_memory(registry):
    return rc.build_cohort(registry)


def _by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("person_id", kind="stable").reset_index(drop=True)


def _assert_same_cohort(got: DaskCohort, expected: rc.Cohort) -> None:
    assert isinstance(got, DaskCohort)
    pd.testing.assert_frame_equal(_by_id(got.compute().persons), _by_id(expected.persons))
    pd.testing.assert_frame_equal(got.attrition, expected.attrition)
    assert got.cutoff_date == expected.cutoff_date
    assert got.criteria == expected.criteria
    rates = {"criteria": CRITERIA, "by": ["age_group"]}
    pd.testing.assert_frame_equal(
        rc.recidivism_rates(got, **rates).to_frame(),
        rc.recidivism_rates(expected, **rates).to_frame(),
        check_exact=False,
        **TOL,
    )
    for kwargs in ({}, {"cut": 25, "criterion": "property"}):
        a, b = rc.age_profile(got, **kwargs).to_dict(), rc.age_profile(expected, **kwargs).to_dict()
        assert a.keys() == b.keys()
        for key in a:
            if isinstance(a[key], float):
                np.testing.assert_allclose(a[key], b[key], **TOL)
            else:
                assert a[key] == b[key], key


def test_dask_frames_give_the_in_memory_cohort_and_rates(client, registry, in_memory):
    tables = [
        dd.from_pandas(getattr(registry, t), npartitions=n)
        for t, n in zip(TABLES, (3, 5, 2), strict=True)
    ]
    big = DaskRegistry(*tables, cutoff_date=registry.cutoff_date)
    assert big.npartitions == 5
    assert big.n_rows == {t: len(getattr(registry, t)) for t in TABLES}
    _assert_same_cohort(rc.build_cohort(big), in_memory)
    cases = rc.build_cohort(big).compute().cases
    pd.testing.assert_frame_equal(
        cases.sort_values(["person_id", "case_id"]).reset_index(drop=True),
        in_memory.cases.sort_values(["person_id", "case_id"]).reset_index(drop=True),
    )


def test_a_population_gives_the_in_memory_cohort_and_attrition(client, registry):
    # each bucket is built without the registry-wide checks; the selection is checked once
    rules = rc.CohortRules(population={"exploitation_form": ["binnenlands_seksueel", "arbeid"]})
    expected = rc.build_cohort(registry, rules)
    big = DaskRegistry(*(getattr(registry, t) for t in TABLES), cutoff_date=registry.cutoff_date,
                       npartitions=6)  # fmt: skip
    got = rc.build_cohort(big, rules)
    assert got.attrition.loc[1, "step"] == "outside_population"
    _assert_same_cohort(got, expected)
    persons = registry.persons
    few = persons[persons["exploitation_form"] != "overig"].iloc[:40]  # no person of "overig"
    cases = registry.cases[registry.cases["person_id"].isin(few["person_id"])]
    small = DaskRegistry(few, cases, cutoff_date=registry.cutoff_date, npartitions=4)
    kept = ["binnenlands_seksueel", "overig"]
    with pytest.warns(rc.PopulationWarning) as caught:
        rc.build_cohort(small, rc.CohortRules(population={"exploitation_form": kept}))
    assert len(caught) == 1  # once for the registry, not per bucket
    with pytest.raises(rc.ArgumentError, match="the population keeps nobody"):
        rc.build_cohort(small, rc.CohortRules(population={"exploitation_form": ["overig"]}))
    with pytest.raises(rc.ArgumentError, match="population column 'region' is not a column"):
        rc.build_cohort(small, rc.CohortRules(population={"region": ["x"]}))


def test_parquet_datasets_give_the_in_memory_cohort_and_rates(client, registry, tmp_path):
    paths = {}
    for table, n in zip(TABLES, (4, 6, 3), strict=True):
        frame = getattr(registry, table)
        dd.from_pandas(frame, npartitions=n).to_parquet(tmp_path / table, write_index=False)
        paths[table] = tmp_path / table
    assert len(list((tmp_path / "cases").glob("*.parquet"))) == 6
    # no cut-off given: refused, unless the extract's sidecar file lies beside the tables
    with pytest.raises(rc.ArgumentError, match="the data cut-off is missing"):
        rc.Registry.from_files(**paths, engine="dask")
    write_extract(tmp_path, registry.cutoff_date)
    expected = rc.build_cohort(registry)
    big = rc.Registry.from_files(**paths, engine="dask")
    assert big.cutoff_date == registry.cutoff_date
    assert big.latest_date == registry.latest_date  # information, not the cut-off
    _assert_same_cohort(rc.build_cohort(big), expected)
    with pytest.raises(rc.ArgumentError, match="is after the cut-off 2022-06-30 in"):
        rc.Registry.from_files(**paths, cutoff_date="2023-01-01", engine="dask")
    # the fingerprint does not depend on how the data are split
    again = DaskRegistry(*(getattr(registry, t) for t in TABLES), npartitions=7,
                         cutoff_date=registry.cutoff_date)  # fmt: skip
    assert again.fingerprint == big.fingerprint


def test_string_ids(client, registry, in_memory):
    tables = {t: getattr(registry, t).copy() for t in TABLES}
    for frame in tables.values():
        frame["person_id"] = "P" + frame["person_id"].astype(str).str.zfill(6)
    expected = rc.build_cohort(rc.Registry(**tables, cutoff_date=registry.cutoff_date))
    big = DaskRegistry(**{t: dd.from_pandas(f, npartitions=3) for t, f in tables.items()},
                       cutoff_date=registry.cutoff_date)  # fmt: skip
    cohort = rc.build_cohort(big)
    # text ids keep the dtype of the in-memory path (object with pandas 2, str with pandas 3)
    assert cohort.compute().persons["person_id"].dtype == expected.persons["person_id"].dtype
    _assert_same_cohort(cohort, expected)


def test_a_validation_error_of_any_partition_is_one_error(client, registry, tmp_path):
    cases = registry.cases
    stray = cases.iloc[[0, 1, 2]].assign(person_id=[990001, 990002, 990003])
    bad = pd.concat([cases, stray], ignore_index=True)
    with pytest.raises(rc.ValidationError) as expected:
        rc.Registry(registry.persons, bad, registry.detentions, cutoff_date=CUTOFF)
    big = DaskRegistry(registry.persons, dd.from_pandas(bad, npartitions=4), npartitions=4,
                       scratch_dir=tmp_path, cutoff_date=CUTOFF)  # fmt: skip
    with pytest.raises(rc.ValidationError) as got:
        rc.build_cohort(big)
    assert list(tmp_path.iterdir()) == []  # the work files went with the error
    assert got.value.n_rows == 3  # summed over the partitions the stray cases land in
    assert str(got.value).startswith("cases.person_id is not in persons in 3 rows")
    assert sorted(got.value.ids) == sorted(expected.value.ids)
    persons = registry.persons
    dup = pd.concat([persons, persons.iloc[[10, 20]]], ignore_index=True)
    with pytest.raises(rc.ValidationError, match="persons.person_id has duplicate ids in 4 rows"):
        rc.build_cohort(DaskRegistry(dup, registry.cases, npartitions=6, cutoff_date=CUTOFF))
    with pytest.raises(rc.ValidationError, match="persons.sex has unknown codes"):
        DaskRegistry(persons.astype({"sex": object}).assign(sex="X"), registry.cases,
                     cutoff_date=CUTOFF)  # fmt: skip
    with pytest.raises(rc.ValidationError, match="does not exist"):
        DaskRegistry("no/such/persons", registry.cases, cutoff_date=CUTOFF)
    with pytest.raises(rc.ArgumentError, match="the data cut-off is missing"):
        DaskRegistry(registry.persons, registry.cases)


def test_the_same_rules_as_in_memory_for_the_new_cases(client, registry):
    # an empty cases table, a case after the cut-off, a cut-off before everyone's start
    empty = registry.cases.iloc[:0]
    got = rc.build_cohort(DaskRegistry(registry.persons, empty, cutoff_date=CUTOFF))
    expected = rc.build_cohort(rc.Registry(registry.persons, empty, cutoff_date=CUTOFF))
    pd.testing.assert_frame_equal(got.attrition, expected.attrition)
    late = registry.cases.iloc[[0]].assign(case_id="late", offence_date=pd.Timestamp("2022-08-01"),
                                           disposal_date=pd.Timestamp("2022-09-01"))  # fmt: skip
    cases = pd.concat([registry.cases, late], ignore_index=True)
    got = rc.build_cohort(DaskRegistry(registry.persons, cases, cutoff_date=CUTOFF, npartitions=3))
    att = got.attrition.set_index(["table", "step"])
    assert att.loc[("cases", "offence_after_cutoff"), "n_excluded"] == 1
    early = DaskRegistry(registry.persons, registry.cases, cutoff_date="2005-01-01", npartitions=3)
    with pytest.raises(rc.ArgumentError, match="no person has follow-up: the data cut-off 2005"):
        rc.build_cohort(early)
    with pytest.warns(rc.CutoffWarning):
        DaskRegistry(registry.persons, registry.cases, cutoff_date="2030-06-30")


def test_work_files_live_as_long_as_a_frame_reads_them(registry, in_memory, tmp_path):
    """The bucketed registry goes once the cohort is built; the cohort files with its last frame.

    On the threaded scheduler: a LocalCluster's scheduler runs in this process and keeps the
    last messages it sent (the tasks, with their arguments) in a bounded debugging log.
    """
    tables = (getattr(registry, t) for t in TABLES)
    big = DaskRegistry(*tables, cutoff_date=registry.cutoff_date, npartitions=3,
                       scratch_dir=tmp_path)  # fmt: skip
    with dask.config.set(scheduler="threads"):
        cohort = rc.build_cohort(big)
        (scratch,) = tmp_path.iterdir()
        assert scratch.name.startswith("recidive-")
        assert sorted(p.name for p in scratch.iterdir()) == ["cases", "persons"]  # no registry
        assert len(list((scratch / "persons").glob("*.parquet"))) == 3
        frame = cohort.survival_frame("property")
        del cohort
        gc.collect()
        assert scratch.exists()
        expected = in_memory.survival_frame("property")
        pd.testing.assert_frame_equal(_by_id(frame.compute()), _by_id(expected), check_dtype=False)
        del frame
        gc.collect()
        assert not scratch.exists()


def test_a_scratch_dir_that_cannot_be_made_is_one_error(client, registry, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    big = DaskRegistry(registry.persons, registry.cases, scratch_dir=blocker / "sub",
                       cutoff_date=CUTOFF)  # fmt: skip
    with pytest.raises(
        rc.RecidiveError, match="cannot make a scratch directory under .*a-file/sub"
    ):
        rc.build_cohort(big)


def test_workers_on_several_hosts_need_a_shared_scratch_dir(registry, monkeypatch):
    class TwoHosts:
        def scheduler_info(self, n_workers=-1):
            return {"workers": {"tcp://10.0.0.1:4001": {}, "tcp://10.0.0.2:4001": {}}}

    monkeypatch.setattr(distributed, "default_client", lambda: TwoHosts())
    big = DaskRegistry(registry.persons, registry.cases, cutoff_date=CUTOFF)
    with pytest.raises(rc.ArgumentError, match="run on 2 hosts; give DaskRegistry.scratch_dir"):
        rc.build_cohort(big)
