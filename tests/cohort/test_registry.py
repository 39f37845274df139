"""Registry: reading, dtype normalisation, ids, fingerprint, immutability."""

from __future__ import annotations

import pandas as pd
import pytest
from registry_builders import CUTOFF

from recidive.errors import ArgumentError
from recidive.registry import Registry


def test_dtypes_are_normalised(good_tables):
    reg = Registry(**good_tables, cutoff_date=CUTOFF)
    p, c, d = reg.persons, reg.cases, reg.detentions
    assert p["person_id"].dtype == "int64" and c["person_id"].dtype == "int64"
    assert c["case_id"].dtype == object
    for column in ("birth_date", "index_release_date", "death_date", "emigration_date"):
        assert p[column].dtype == "datetime64[ns]"
    assert c["offence_date"].dtype == "datetime64[ns]" and d["start"].dtype == "datetime64[ns]"
    assert list(p["sex"].cat.categories) == ["M", "F"]
    assert c["offence_category"].dtype == "category" and c["disposal"].dtype == "category"
    assert c["is_crime"].dtype == bool and p["prior_cases"].dtype == "int64"
    assert c["max_penalty_years"].dtype == "float64"


def test_missing_optional_columns_are_added(good_tables):
    persons = good_tables["persons"].drop(columns=["death_date", "emigration_date"])
    p = Registry(persons, good_tables["cases"], cutoff_date=CUTOFF).persons
    assert p["death_date"].isna().all() and p["death_date"].dtype == "datetime64[ns]"


def test_no_detentions_gives_an_empty_typed_table(good_tables):
    d = Registry(good_tables["persons"], good_tables["cases"], cutoff_date=CUTOFF).detentions
    assert len(d) == 0 and list(d.columns) == ["person_id", "start", "end"]
    assert d["start"].dtype == "datetime64[ns]"


def test_csv_parquet_and_dataframes_give_the_same_registry(good_tables, tmp_path):
    from_frames = Registry(**good_tables, cutoff_date=CUTOFF)
    for table, frame in good_tables.items():
        frame.to_csv(tmp_path / f"{table}.csv", index=False)
        frame.to_parquet(tmp_path / f"{table}.parquet", index=False)
    from_csv = Registry.from_files(
        **{t: tmp_path / f"{t}.csv" for t in good_tables}, cutoff_date=CUTOFF
    )
    from_pq = Registry.from_files(
        **{t: str(tmp_path / f"{t}.parquet") for t in good_tables}, cutoff_date=CUTOFF
    )
    for reg in (from_csv, from_pq):
        pd.testing.assert_frame_equal(reg.persons, from_frames.persons)
        pd.testing.assert_frame_equal(reg.cases, from_frames.cases)
        pd.testing.assert_frame_equal(reg.detentions, from_frames.detentions)
        assert reg.fingerprint == from_frames.fingerprint


def test_string_ids_keep_leading_zeros_in_every_table(good_tables, tmp_path):
    persons = good_tables["persons"].assign(person_id=["001", "002", "003"])
    cases = good_tables["cases"].assign(person_id=["001", "002", "002"])
    detentions = good_tables["detentions"].assign(person_id=["003"])
    for name, frame in (("persons", persons), ("cases", cases), ("detentions", detentions)):
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    reg = Registry.from_files(
        persons=tmp_path / "persons.csv",
        cases=tmp_path / "cases.csv",
        detentions=tmp_path / "detentions.csv",
        cutoff_date=CUTOFF,
    )
    assert reg.persons["person_id"].tolist() == ["001", "002", "003"]
    assert reg.cases["person_id"].tolist() == ["001", "002", "002"]
    assert reg.detentions["person_id"].tolist() == ["003"]


def test_mixed_ids_become_strings_in_every_table(good_tables):
    persons = good_tables["persons"].assign(person_id=["A1", "2", "3"])
    cases = good_tables["cases"].assign(person_id=["A1", "2", "2"])
    reg = Registry(persons, cases, good_tables["detentions"], cutoff_date=CUTOFF)
    assert reg.detentions["person_id"].tolist() == ["3"]
    assert reg.cases["person_id"].tolist() == ["A1", "2", "2"]


def test_fingerprint_ignores_row_order_but_not_values(good_tables):
    reg = Registry(**good_tables, cutoff_date=CUTOFF)
    shuffled = {k: v.iloc[::-1] for k, v in good_tables.items()}
    assert Registry(**shuffled, cutoff_date=CUTOFF).fingerprint == reg.fingerprint
    changed = good_tables["persons"].assign(prior_cases=[0, 0, 5])
    other = Registry(changed, good_tables["cases"], good_tables["detentions"], cutoff_date=CUTOFF)
    assert other.fingerprint != reg.fingerprint
    assert len(reg.fingerprint) == 16 and int(reg.fingerprint, 16) >= 0


def test_tables_are_copies(good_tables):
    reg = Registry(**good_tables, cutoff_date=CUTOFF)
    persons = reg.persons
    persons["prior_cases"] = 99
    assert (reg.persons["prior_cases"] != 99).all()
    good_tables["persons"].loc[0, "sex"] = "F"
    assert reg.persons["sex"].iloc[0] == "M"


def test_cutoff_and_latest_date(good_tables):
    reg = Registry(**good_tables, cutoff_date="2018-05-31")
    assert reg.cutoff_date == pd.Timestamp("2018-05-31")
    # the latest case date is the disposal of case c2, 2017-05-05 + 30 days; the latest
    # date of all is person 3's death
    assert reg.latest_date == pd.Timestamp("2018-01-01")


def test_bad_cutoff_is_an_argument_error(good_tables):
    with pytest.raises(ArgumentError, match="cutoff_date must be a date written YYYY-MM-DD"):
        Registry(**good_tables, cutoff_date="soon")


def test_repr_is_short(good_tables):
    text = repr(Registry(**good_tables, cutoff_date=CUTOFF))
    assert text.startswith("Registry(persons=3, cases=3, detentions=1, cutoff_date=2018-05-31")
