"""``CohortRules(population=...)``: the persons a study is about, checked and counted."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest
from registry_builders import make_registry

from recidive.cohort import build_cohort
from recidive.errors import ArgumentError, CutoffWarning, PopulationWarning
from recidive.registry import Registry
from recidive.rules import CohortRules

DOMESTIC = {"exploitation_form": ["binnenlands_seksueel"]}


@pytest.fixture(scope="module")
def registry():
    """Four persons of three forms; person 3 is released after the cut-off; each has a case."""
    persons = [
        {"exploitation_form": "binnenlands_seksueel"},
        {"exploitation_form": "binnenlands_seksueel", "sex": "F", "prior_cases": 2},
        {"exploitation_form": "binnenlands_seksueel", "index_release_date": "2021-06-01"},
        {"exploitation_form": "arbeid", "prior_cases": 2},
        {"exploitation_form": "crimineel"},
    ]
    cases = [
        {"person_id": p, "case_id": f"c{p}{k}", "offence_date": "2016-03-01"}
        for p in range(1, 6)
        for k in range(p)  # person p has p case rows
    ]
    return make_registry(persons, cases)


def steps(cohort, table):
    att = cohort.attrition[cohort.attrition["table"] == table]
    return att.set_index("step")[["n_before", "n_excluded", "reason"]]


def test_persons_outside_the_population_are_counted_as_their_own_step(registry):
    cohort = build_cohort(registry, CohortRules(population=DOMESTIC))
    assert cohort.persons["person_id"].tolist() == [1, 2]
    persons = steps(cohort, "persons")
    assert persons.index.tolist()[:3] == ["read", "outside_population", "died_before_start"]
    assert persons.loc["outside_population", "n_excluded"] == 2
    assert persons.loc["outside_population", "reason"] == (
        "outside the population: exploitation_form not in binnenlands_seksueel"
    )
    assert persons.loc["start_after_end", "n_excluded"] == 1  # person 3, inside the population
    # their cases: 4 + 5 rows of persons 4 and 5, 3 of person 3
    assert steps(cohort, "cases").loc["person_excluded", "n_excluded"] == 4 + 5 + 3
    assert sorted(cohort.cases["person_id"].unique()) == [1, 2]


def test_without_a_population_there_is_no_such_step(registry):
    cohort = build_cohort(registry)
    assert "outside_population" not in cohort.attrition["step"].tolist()
    assert len(cohort.persons) == 4


def test_several_values_and_several_columns(registry):
    both = build_cohort(
        registry, CohortRules(population={"exploitation_form": ["arbeid", "crimineel"]})
    )
    assert both.persons["person_id"].tolist() == [4, 5]
    two = CohortRules(
        population={"exploitation_form": ["binnenlands_seksueel", "arbeid"], "prior_cases": [2]}
    )
    cohort = build_cohort(registry, two)
    assert cohort.persons["person_id"].tolist() == [2, 4]
    assert steps(cohort, "persons").loc["outside_population", "reason"] == (
        "outside the population: exploitation_form not in binnenlands_seksueel, arbeid "
        "or prior_cases not in 2"
    )
    # values from the command line are text: "2" selects prior_cases 2
    text = CohortRules(population={"prior_cases": ["2"]})
    assert build_cohort(registry, text).persons["person_id"].tolist() == [2, 4]


def test_the_rules_keep_the_selection_json_ready_and_compare_equal():
    rules = CohortRules(
        population={"exploitation_form": ("binnenlands_seksueel", "binnenlands_seksueel")}
    )
    assert rules.population == {"exploitation_form": ("binnenlands_seksueel",)}
    assert rules == CohortRules(population=DOMESTIC)
    assert hash(rules) == hash(CohortRules(population=DOMESTIC))
    assert rules != CohortRules()
    data = rules.to_dict()
    assert data["population"] == {"exploitation_form": ["binnenlands_seksueel"]}
    assert json.loads(json.dumps(data)) == data
    assert CohortRules().to_dict()["population"] is None


@pytest.mark.parametrize(
    ("population", "message"),
    [
        (["binnenlands_seksueel"], "population must map persons columns to the values kept"),
        ({}, "population must map persons columns to the values kept"),
        ("exploitation_form=arbeid", "population must map persons columns"),
        (
            {"exploitation_form": "binnenlands_seksueel"},
            "population['exploitation_form'] must be a list of values, not the text "
            "'binnenlands_seksueel'; write {'exploitation_form': ['binnenlands_seksueel']}",
        ),
        ({"exploitation_form": []}, "population['exploitation_form'] is empty"),
        ({"exploitation_form": 3}, "population['exploitation_form'] must be a list of values"),
        ({"prior_cases": [None]}, "population['prior_cases'] takes text or numbers, not None"),
        ({"prior_cases": [float("nan")]}, "takes text or numbers, not nan"),
        ({3: ["x"]}, "population columns must be names of persons columns, not 3"),
        (
            {"exploitation_form": ["binnenlands"]},
            "population['exploitation_form'] has 'binnenlands', not a code of "
            "persons.exploitation_form; use any of binnenlands_seksueel, grensoverschrijdend",
        ),
        ({"sex": ["X"]}, "population['sex'] has 'X', not a code of persons.sex; use any of M, F"),
    ],
)
def test_bad_selections_are_argument_errors(population, message):
    with pytest.raises(ArgumentError) as err:
        CohortRules(population=population)
    assert message in str(err.value)


def test_an_unknown_column_names_the_persons_columns(registry):
    with pytest.raises(ArgumentError) as err:
        build_cohort(registry, CohortRules(population={"region": ["Utrecht"]}))
    assert str(err.value).startswith(
        "population column 'region' is not a column of persons; the persons columns are "
        "person_id, sex, birth_date, index_offence_date, index_disposal_date, "
        "exploitation_form, prior_cases"
    )


def test_a_selection_that_keeps_nobody_is_an_error(registry):
    with pytest.raises(
        ArgumentError,
        match="the population keeps nobody: no person has "
        "persons.exploitation_form in overig; check the values or the registry",
    ):
        build_cohort(registry, CohortRules(population={"exploitation_form": ["overig"]}))


def test_a_value_that_no_person_has_warns(registry):
    rules = CohortRules(population={"exploitation_form": ["arbeid", "overig"]})
    with pytest.warns(
        PopulationWarning,
        match="no person has persons.exploitation_form overig: the population holds only arbeid",
    ):
        cohort = build_cohort(registry, rules)
    assert cohort.persons["person_id"].tolist() == [4]


def test_a_column_of_the_users_own_selects_too():
    persons = [{"exploitation_form": "arbeid"}, {"exploitation_form": "arbeid"}]
    reg = make_registry(persons, [{"offence_date": "2016-03-01"}])
    frame = reg.persons.assign(region=["Utrecht", "Zeeland"])
    with warnings.catch_warnings():  # the hand-made registry ends years before its cut-off
        warnings.simplefilter("ignore", CutoffWarning)
        own = Registry(frame, reg.cases, cutoff_date="2020-12-31")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cohort = build_cohort(own, CohortRules(population={"region": ["Zeeland"]}))
    assert cohort.persons["person_id"].tolist() == [2]
    assert isinstance(cohort.persons, pd.DataFrame)
