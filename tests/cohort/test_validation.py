"""Every rule of the validation gateway, with its exact message."""

from __future__ import annotations

import pandas as pd
import pytest
from bad_inputs import BAD
from registry_builders import CUTOFF, cases_frame, persons_frame

from recidive.errors import RecidiveError, ValidationError
from recidive.registry import Registry
from recidive.validation import validate_tables


@pytest.mark.parametrize("bad", BAD, ids=[b.id for b in BAD])
def test_bad_input_is_rejected_with_its_message(bad, good_tables, tmp_path):
    inputs = bad.make(good_tables, tmp_path)
    with pytest.raises(ValidationError) as info:
        Registry.from_files(**inputs, cutoff_date=CUTOFF)
    assert isinstance(info.value, RecidiveError) and isinstance(info.value, ValueError)
    expected = bad.message.format(tmp=tmp_path)
    assert str(info.value).startswith(expected)


def test_message_names_table_column_rule_count_and_ids(good_tables):
    persons = good_tables["persons"].assign(birth_date=["2014-06-01", "2014-07-01", "1980-01-01"])
    with pytest.raises(ValidationError) as info:
        Registry(persons, good_tables["cases"], cutoff_date=CUTOFF)
    err = info.value
    assert (err.table, err.column, err.n_rows) == ("persons", "birth_date", 2)
    assert err.rule == "is after persons.index_offence_date"
    assert err.ids == [1, 2] and err.id_label == "person_id"
    assert err.fix == "correct the dates"


def test_many_offending_rows_show_five_ids_and_an_ellipsis():
    persons = persons_frame(*({"sex": "?"} for _ in range(8)))
    cases = cases_frame({"offence_date": "2016-01-01"})
    with pytest.raises(ValidationError, match=r"in 8 rows \(person_id 1, 2, 3, 4, 5, …\)"):
        Registry(persons, cases, cutoff_date=CUTOFF)


def test_codes_and_ids_are_stripped_of_spaces(good_tables):
    persons = good_tables["persons"].assign(sex=[" M", "F ", "M"])
    reg = Registry(persons, good_tables["cases"], cutoff_date=CUTOFF)
    assert reg.persons["sex"].tolist() == ["M", "F", "M"]


@pytest.mark.parametrize(
    ("value", "flag"),
    [("true", True), ("False", False), ("1", True), (0, False), ("ja", True), ("nee", False)],
)
def test_is_crime_accepts_common_spellings(good_tables, value, flag):
    cases = good_tables["cases"].assign(is_crime=[value] * 3)
    assert (
        Registry(good_tables["persons"], cases, cutoff_date=CUTOFF).cases["is_crime"].tolist()
        == [flag] * 3
    )


def test_cases_outside_follow_up_are_not_errors(good_tables):
    # judgement rule: a case before the index offence or after death is possible data;
    # the cohort excludes it and counts it in the attrition (see test_cohort_rules)
    cases = cases_frame(
        {"person_id": 1, "offence_date": "2010-01-01"},
        {"person_id": 3, "offence_date": "2019-01-01"},  # person 3 died 2018-01-01
    )
    assert len(Registry(good_tables["persons"], cases, cutoff_date=CUTOFF).cases) == 2


def test_touching_detentions_do_not_overlap(good_tables):
    # a detention covers [start, end): a new one may start on the day the last ended
    detentions = pd.DataFrame(
        {
            "person_id": [3, 3],
            "start": ["2016-01-01", "2016-03-01"],
            "end": ["2016-03-01", "2016-04-01"],
        }
    )
    assert (
        len(Registry(**good_tables | {"detentions": detentions}, cutoff_date=CUTOFF).detentions)
        == 2
    )


def test_empty_detentions_table_is_fine(good_tables):
    empty = good_tables["detentions"].iloc[:0]
    assert len(Registry(**good_tables | {"detentions": empty}, cutoff_date=CUTOFF).detentions) == 0


def test_validate_tables_returns_new_frames(good_tables):
    before = good_tables["persons"].copy()
    validate_tables(good_tables["persons"], good_tables["cases"])
    pd.testing.assert_frame_equal(good_tables["persons"], before)
