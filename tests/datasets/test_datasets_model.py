"""The simulated registry: deterministic, valid, and in the documented shape."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import recidive as rc
from recidive import schema
from recidive.datasets import simulate_registry, write_registry
from recidive.errors import ArgumentError


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return simulate_registry(n_persons=20_000, seed=11)


def test_same_seed_gives_identical_tables():
    a, b = simulate_registry(2000, seed=5), simulate_registry(2000, seed=5)
    for name in ("persons", "cases", "detentions"):
        pd.testing.assert_frame_equal(a[name], b[name])


def test_different_seeds_give_different_tables():
    a, b = simulate_registry(2000, seed=5), simulate_registry(2000, seed=6)
    assert not a["persons"]["birth_date"].equals(b["persons"]["birth_date"])
    assert len(a["cases"]) != len(b["cases"]) or not a["cases"].equals(b["cases"])


def test_reference_registry_is_deterministic():
    a = rc.datasets.reference_registry(n_persons=3000, seed=3)
    b = rc.datasets.reference_registry(n_persons=3000, seed=3)
    c = rc.datasets.reference_registry(n_persons=3000, seed=4)
    assert a.fingerprint == b.fingerprint != c.fingerprint


def test_the_registry_validator_accepts_it(default_registry):
    assert isinstance(default_registry, rc.Registry)
    assert len(default_registry.persons) == rc.datasets.DEFAULT_N_PERSONS
    assert default_registry.cutoff_date == pd.Timestamp("2022-06-30")


def test_realistic_size_registry_is_valid_and_small():
    reg = simulate_registry(seed=1, as_registry=True)
    assert len(reg.persons) == rc.datasets.REALISTIC_N_PERSONS == 350


def test_columns_and_codes_follow_the_schema(tables):
    for spec in (schema.PERSONS, schema.CASES, schema.DETENTIONS):
        assert list(tables[spec.name].columns) == [*spec.required, *spec.optional]
    for (table, column), codes in schema.CODE_LISTS.items():
        values = set(tables[table][column].astype(str))
        assert values <= set(codes)
    # every exploitation form, offence category and disposal occurs
    assert set(tables["persons"]["exploitation_form"].astype(str)) == set(schema.EXPLOITATION_FORMS)
    assert set(tables["cases"]["offence_category"].astype(str)) == set(schema.OFFENCE_CATEGORIES)
    assert set(tables["cases"]["disposal"].astype(str)) == set(schema.DISPOSALS)
    forms = tables["persons"]["exploitation_form"].value_counts(normalize=True)
    assert forms.idxmax() == "binnenlands_seksueel"


def test_entry_is_staggered_and_follow_up_often_shorter_than_7_years(default_registry):
    persons = default_registry.persons
    years = persons["index_disposal_date"].dt.year
    assert years.min() == 2008 and years.max() == 2019
    followup = rc.build_cohort(default_registry).persons["followup_days"]
    short = (followup < 7 * 365.25).mean()
    assert 0.2 < short < 0.8


def test_some_cases_must_not_count(tables):
    cases = tables["cases"]
    acquitted = cases["disposal"].isin(schema.NON_COUNTING_DISPOSALS) & cases["is_crime"]
    assert acquitted.mean() > 0.05
    assert (~cases["is_crime"]).mean() > 0.05


def test_offenders_reoffend_several_times_in_several_categories(tables):
    cases = tables["cases"]
    per_person = cases.groupby("person_id")
    assert (per_person["case_id"].nunique() >= 3).mean() > 0.3
    assert (per_person["offence_category"].nunique() >= 2).mean() > 0.3
    rows_per_case = cases.groupby("case_id").size()
    assert (rows_per_case >= 2).mean() > 0.1


def test_some_cases_fall_between_index_disposal_and_release(tables):
    cases = tables["cases"].merge(tables["persons"], on="person_id")
    in_custody = (cases["offence_date"] > cases["index_disposal_date"]) & (
        cases["offence_date"] < cases["index_release_date"]
    )
    assert in_custody.sum() > 100


def test_younger_offenders_and_those_with_more_priors_reoffend_more(tables):
    persons = tables["persons"]
    age = (persons["index_offence_date"] - persons["birth_date"]).dt.days / 365.25
    n_cases = tables["cases"].groupby("person_id")["case_id"].nunique()
    n = persons["person_id"].map(n_cases).fillna(0)
    assert n[age < 23].mean() > 1.3 * n[age >= 23].mean()
    adult = age.between(25, 35)
    many_priors = persons["prior_cases"] >= 5
    assert n[adult & many_priors].mean() > 1.2 * n[adult & ~many_priors].mean()
    domestic = persons["exploitation_form"] == "binnenlands_seksueel"
    assert (age[domestic] < 23).mean() == pytest.approx(0.333, abs=0.01)


def _exit_years(persons: pd.DataFrame) -> pd.Series:
    start = persons["index_release_date"].fillna(persons["index_disposal_date"])
    return start.dt.year


def test_later_exit_cohorts_are_younger_with_more_prior_cases(tables):
    persons = tables["persons"]
    age = (persons["index_offence_date"] - persons["birth_date"]).dt.days / 365.25
    year = _exit_years(persons)
    early, late = year.between(2008, 2010), year.between(2017, 2019)
    assert age[early].mean() - age[late].mean() > 2.0
    assert persons["prior_cases"][late].mean() > 1.15 * persons["prior_cases"][early].mean()
    # the mix of exploitation forms stays the same
    share = persons["exploitation_form"].eq("binnenlands_seksueel")
    assert share[early].mean() == pytest.approx(share[late].mean(), abs=0.03)


def test_exploitation_forms_differ_in_age_and_reoffending(tables):
    persons = tables["persons"]
    age = (persons["index_offence_date"] - persons["birth_date"]).dt.days / 365.25
    n_cases = tables["cases"].groupby("person_id")["case_id"].nunique()
    n = persons["person_id"].map(n_cases).fillna(0)
    form = persons["exploitation_form"].astype(str)
    mean_age = age.groupby(form).mean()
    cases = n.groupby(form).mean()
    # labour exploitation: the oldest offenders, the fewest later cases; criminal: youngest
    assert mean_age.idxmax() == "arbeid" == cases.idxmin()
    assert mean_age.idxmin() == "crimineel" == cases.idxmax()
    assert mean_age["arbeid"] - mean_age["binnenlands_seksueel"] > 8


def test_detentions_do_not_overlap_and_stay_before_the_cut_off(tables):
    det = tables["detentions"].sort_values(["person_id", "start"])
    same = det["person_id"].to_numpy()[1:] == det["person_id"].to_numpy()[:-1]
    assert not np.any(same & (det["start"].to_numpy()[1:] < det["end"].to_numpy()[:-1]))
    assert (det["end"] > det["start"]).all()
    assert det["end"].max() <= pd.Timestamp("2022-06-30")
    # more than the index custody: sentences after later convictions too
    assert det["person_id"].duplicated().sum() > 1000


def test_deaths_and_emigration_occur_and_no_case_follows_them(tables):
    persons, cases = tables["persons"], tables["cases"]
    assert persons["death_date"].notna().mean() > 0.03
    assert persons["emigration_date"].notna().mean() > 0.03
    merged = cases.merge(persons, on="person_id")
    assert not (merged["offence_date"] > merged["death_date"]).any()
    assert not (merged["offence_date"] > merged["emigration_date"]).any()
    assert (cases["offence_date"] <= pd.Timestamp("2022-06-30")).all()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_written_registry_reads_back_identically(tmp_path, fmt):
    reg = simulate_registry(500, seed=2, as_registry=True)
    paths = write_registry(reg, tmp_path, format=fmt)
    tables = [f"{t}.{fmt}" for t in ("persons", "cases", "detentions")]
    assert [p.name for p in paths] == [*tables, "extract.json"]
    # the cut-off comes back from extract.json
    back = rc.Registry.from_files(persons=paths[0], cases=paths[1], detentions=paths[2])
    assert back.fingerprint == reg.fingerprint
    assert back.cutoff_date == reg.cutoff_date == pd.Timestamp("2022-06-30")


def test_ages_at_the_index_offence_are_plausible(tables):
    # the gamma's tail is cut at 90 years: the data contract refuses over 100
    persons = tables["persons"]
    age = (persons["index_offence_date"] - persons["birth_date"]).dt.days / 365.25
    assert 16 <= age.min() and age.max() <= 90


def test_bad_arguments_are_argument_errors(tmp_path):
    with pytest.raises(ArgumentError, match="n_persons"):
        simulate_registry(0)
    with pytest.raises(ArgumentError, match="format"):
        write_registry(simulate_registry(10, seed=1), tmp_path, format="xlsx")
