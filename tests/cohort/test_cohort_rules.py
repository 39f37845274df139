"""Each cohort rule on tiny hand-made registries, with the arithmetic worked by hand.

Unless a test says otherwise a person committed the index offence on 2014-01-01, was
disposed of on 2015-01-01 without custody (start of follow-up 2015-01-01), and the
data cut-off is 2020-12-31: follow-up 2015-01-01 -> 2020-12-31 is
365 + 366 + 365 + 365 + 365 + 365 = 2191 days.
"""

from __future__ import annotations

import pandas as pd
import pytest
from registry_builders import make_registry

from recidive.cohort import build_cohort
from recidive.errors import ArgumentError
from recidive.rules import CohortRules

FULL = 2191


def one(cases, rules=None, person=None, detentions=None, cutoff="2020-12-31"):
    """The cohort row of a single person 1 with the given case rows."""
    # no case rows: a cases table with a header and no rows (nobody reoffended)
    reg = make_registry([person or {}], cases, detentions, cutoff=cutoff)
    cohort = build_cohort(reg, rules)
    assert len(cohort.persons) == 1
    return cohort.persons.iloc[0], cohort


def excluded(cohort, table, step):
    rows = cohort.attrition[(cohort.attrition["table"] == table)]
    return int(rows.loc[rows["step"] == step, "n_excluded"].sum())


def test_a_counted_case():
    # start 2015-01-01, offence 2015-02-10 -> 31 + 9 = 40 days
    row, cohort = one([{"offence_date": "2015-02-10"}])
    assert (row.general_days, row.general_event) == (40, 1)
    assert (row.property_days, row.property_event) == (40, 1)
    assert (row.violence_days, row.violence_event) == (FULL, 0)
    assert (row.followup_days, row.end_reason) == (FULL, "cut_off")
    assert cohort.cases["days"].tolist() == [40]


@pytest.mark.parametrize(
    ("case", "step"),
    [
        ({"offence_date": "2015-02-10", "is_crime": False}, "not_a_crime"),
        ({"offence_date": "2015-02-10", "disposal": "acquittal"}, "disposal_not_counting"),
        (
            {"offence_date": "2015-02-10", "disposal": "technical_dismissal"},
            "disposal_not_counting",
        ),
        ({"offence_date": "2015-02-10", "disposal": "discharge"}, "disposal_not_counting"),
        ({"offence_date": "2015-01-01"}, "offence_before_start"),  # on the start day
        ({"offence_date": "2013-06-01"}, "offence_before_start"),  # before the index offence
        ({"offence_date": "2021-01-05", "disposal_date": "2021-02-01"}, "offence_after_cutoff"),
    ],
    ids=[
        "misdemeanour",
        "acquittal",
        "technical dismissal",
        "discharge",
        "on start day",
        "before index offence",
        "after cut-off",
    ],
)
def test_a_case_that_does_not_count(case, step):
    row, cohort = one([case])
    assert (row.general_days, row.general_event) == (FULL, 0)
    assert excluded(cohort, "cases", step) == 1
    assert len(cohort.cases) == 0


def test_misdemeanours_count_when_crimes_only_is_off():
    row, _ = one(
        [{"offence_date": "2015-02-10", "is_crime": False}], CohortRules(crimes_only=False)
    )
    assert (row.general_days, row.general_event) == (40, 1)


def test_policy_dismissal_counts():
    row, _ = one([{"offence_date": "2015-02-10", "disposal": "policy_dismissal"}])
    assert row.general_event == 1


def test_offence_on_the_cut_off_day_counts():
    # 2015-01-01 -> 2020-12-31 = 2191 days, on or before the end counts
    row, _ = one([{"offence_date": "2020-12-31", "disposal_date": "2020-12-31"}])
    assert (row.general_days, row.general_event) == (FULL, 1)


def test_censored_at_death():
    # death 2017-01-01: follow-up 365 + 366 = 731 days; an offence on the day of death
    # counts, one the day after does not
    person = {"death_date": "2017-01-01"}
    row, cohort = one([{"offence_date": "2017-01-02"}], person=person)
    assert (row.followup_days, row.end_reason, row.general_event) == (731, "death", 0)
    assert row.end_date == pd.Timestamp("2017-01-01")
    assert excluded(cohort, "cases", "offence_after_end") == 1
    row, _ = one([{"offence_date": "2017-01-01"}], person=person)
    assert (row.general_days, row.general_event) == (731, 1)


def test_death_not_censored_when_rule_is_off():
    row, _ = one([], CohortRules(censor_at_death=False), person={"death_date": "2017-01-01"})
    assert (row.followup_days, row.end_reason) == (FULL, "cut_off")


def test_censored_at_emigration():
    # emigration 2016-01-01: 365 days
    row, _ = one([{"offence_date": "2016-06-01"}], person={"emigration_date": "2016-01-01"})
    assert (row.followup_days, row.end_reason, row.general_event) == (365, "emigration", 0)
    row, _ = one(
        [], CohortRules(censor_at_emigration=False), person={"emigration_date": "2016-01-01"}
    )
    assert row.followup_days == FULL


def test_death_wins_a_tie_with_the_cut_off():
    row, _ = one([], person={"death_date": "2020-12-31"})
    assert (row.followup_days, row.end_reason) == (FULL, "death")


def test_censored_at_an_earlier_cut_off():
    # rules cut-off 2016-01-01 (the registry's is 2020-12-31): 365 days
    row, cohort = one([{"offence_date": "2016-02-01"}], CohortRules(cutoff_date="2016-01-01"))
    assert (row.followup_days, row.general_event) == (365, 0)
    assert cohort.cutoff_date == pd.Timestamp("2016-01-01")


def test_cut_off_after_the_registrys_is_refused():
    with pytest.raises(ArgumentError, match="after the registry's data cut-off 2020-12-31"):
        one([], CohortRules(cutoff_date="2021-06-30"))


def test_no_cut_off_is_refused_not_guessed():
    with pytest.raises(ArgumentError, match="the data cut-off is missing"):
        one([{"offence_date": "2016-02-01"}], cutoff=None)


def test_registration_lag():
    # lag 30 days: end 2020-12-01, follow-up 2191 - 30 = 2161; an offence on
    # 2020-12-15 falls after the end
    row, cohort = one(
        [{"offence_date": "2020-12-15", "disposal_date": "2020-12-20"}],
        CohortRules(registration_lag_days=30),
    )
    assert (row.followup_days, row.general_event) == (2161, 0)
    assert row.end_date == pd.Timestamp("2020-12-01")
    assert excluded(cohort, "cases", "offence_after_end") == 1


def test_start_at_release_or_at_disposal():
    # released 2015-07-01; offence 2015-05-01 is 120 days after the disposal
    # (31 + 28 + 31 + 30) but before release
    person = {"index_release_date": "2015-07-01"}
    case = [{"offence_date": "2015-05-01"}]
    row, cohort = one(case, person=person)
    assert row.start_date == pd.Timestamp("2015-07-01")
    assert row.general_event == 0
    # 2015-07-01 -> 2020-12-31 = 2191 - 181 = 2010 days
    assert row.followup_days == 2010
    assert excluded(cohort, "cases", "offence_before_start") == 1
    row, _ = one(case, CohortRules(start="disposal"), person=person)
    assert (row.start_date, row.general_days, row.general_event) == (
        pd.Timestamp("2015-01-01"),
        120,
        1,
    )


def test_detention_time_removed():
    # start 2015-01-01; detentions [2014-12-01, 2015-01-11) -> 10 days inside,
    # [2015-02-01, 2015-03-01) -> 28 days, [2021-01-01, 2021-02-01) -> outside.
    # offence 2015-04-11: 31 + 28 + 31 + 10 = 100 calendar days - 38 = 62 days at risk
    # follow-up 2191 - 38 = 2153 days
    detentions = [
        (1, "2014-12-01", "2015-01-11"),
        (1, "2015-02-01", "2015-03-01"),
        (1, "2021-01-01", "2021-02-01"),
    ]
    cases = [
        {"offence_date": "2015-04-11"},
        {"offence_date": "2016-01-01", "offence_category": "drugs"},
    ]
    row, cohort = one(
        cases,
        CohortRules(remove_detention_time=True, cutoff_date="2020-12-31"),
        detentions=detentions,
        cutoff="2021-06-30",
    )
    assert (row.general_days, row.general_event) == (62, 1)
    assert row.followup_days == FULL - 38
    # drugs: 2015-01-01 -> 2016-01-01 = 365 - 38 = 327
    assert (row.drugs_days, row.drugs_event) == (327, 1)
    assert cohort.cases.sort_values("days")["days"].tolist() == [62, 327]
    # without the rule the calendar days count
    row, _ = one(cases, detentions=detentions, cutoff="2020-12-31")
    assert (row.general_days, row.followup_days) == (100, FULL)


def test_offence_during_detention():
    # detention [2015-02-01, 2015-06-01); offence inside it on 2015-03-01:
    # 59 calendar days - 28 detained days (February) = 31 days at risk
    row, _ = one(
        [{"offence_date": "2015-03-01"}],
        CohortRules(remove_detention_time=True),
        detentions=[(1, "2015-02-01", "2015-06-01")],
    )
    assert (row.general_days, row.general_event) == (31, 1)


def test_detained_throughout_follow_up_is_excluded():
    reg = make_registry(
        [{}, {}],
        [{"person_id": 2, "offence_date": "2016-01-01"}],
        detentions=[(1, "2014-06-01", "2021-01-01")],
    )
    cohort = build_cohort(reg, CohortRules(remove_detention_time=True))
    assert cohort.persons["person_id"].tolist() == [2]
    assert excluded(cohort, "persons", "no_time_at_risk") == 1


def test_categories_overlap():
    # violence 2015-03-01 (59 days), property 2015-06-01 (151 days): general ends at the
    # first, property still runs to its own first case
    row, _ = one(
        [
            {"offence_date": "2015-03-01", "offence_category": "violence"},
            {"offence_date": "2015-06-01", "offence_category": "property"},
            {"offence_date": "2015-09-01", "offence_category": "property"},
        ]
    )
    assert (row.general_days, row.general_event) == (59, 1)
    assert (row.violence_days, row.violence_event) == (59, 1)
    assert (row.property_days, row.property_event) == (151, 1)
    assert (row.drugs_days, row.drugs_event) == (FULL, 0)


def test_a_case_with_several_offences_counts_for_each_category():
    # one case, two offence rows (property, weapons) on 2015-02-10 (40 days)
    row, cohort = one(
        [
            {"case_id": "k", "offence_date": "2015-02-10", "offence_category": "property"},
            {"case_id": "k", "offence_date": "2015-02-10", "offence_category": "weapons"},
        ]
    )
    assert (row.general_days, row.property_days, row.weapons_days) == (40, 40, 40)
    assert (row.general_event, row.property_event, row.weapons_event) == (1, 1, 1)
    assert len(cohort.cases) == 2
    assert cohort.cases[["person_id", "case_id"]].drop_duplicates().shape[0] == 1


def test_a_case_is_dated_by_its_earliest_counted_offence():
    # case k: violence 2015-03-01 (59 days) and property 2015-04-01; the case, and so
    # the property criterion, is dated 2015-03-01
    row, cohort = one(
        [
            {"case_id": "k", "offence_date": "2015-03-01", "offence_category": "violence"},
            {"case_id": "k", "offence_date": "2015-04-01", "offence_category": "property"},
        ]
    )
    assert (row.property_days, row.violence_days) == (59, 59)
    assert cohort.cases["case_date"].tolist() == [pd.Timestamp("2015-03-01")] * 2


@pytest.mark.parametrize(
    ("penalty", "serious", "very_serious"),
    [(3.9, 0, 0), (4.0, 1, 0), (6.0, 1, 0), (8.0, 1, 1), (12.0, 1, 1)],
)
def test_serious_and_very_serious(penalty, serious, very_serious):
    row, _ = one([{"offence_date": "2015-02-10", "max_penalty_years": penalty}])
    assert (row.serious_event, row.very_serious_event) == (serious, very_serious)
    assert row.serious_days == (40 if serious else FULL)


def test_serious_on_any_offence_row_of_the_case():
    # case k: a 2-year offence and a 6-year offence -> a serious case at 40 days;
    # a later 12-year case at 2016-01-01 (365 days) is the first very serious one
    row, _ = one(
        [
            {"case_id": "k", "offence_date": "2015-02-10", "max_penalty_years": 2.0},
            {"case_id": "k", "offence_date": "2015-02-10", "max_penalty_years": 6.0},
            {"case_id": "m", "offence_date": "2016-01-01", "max_penalty_years": 12.0},
        ]
    )
    assert (row.serious_days, row.serious_event) == (40, 1)
    assert (row.very_serious_days, row.very_serious_event) == (365, 1)


def test_serious_threshold_is_a_rule():
    row, _ = one(
        [{"offence_date": "2015-02-10", "max_penalty_years": 3.0}],
        CohortRules(serious_min_penalty_years=3.0),
    )
    assert row.serious_event == 1


def test_persons_without_follow_up_are_excluded_and_counted():
    reg = make_registry(
        [
            {},  # analysed
            {"index_release_date": "2021-03-01", "index_disposal_date": "2019-01-01"},
            {"index_release_date": "2016-01-01", "death_date": "2015-06-01"},
            {"index_release_date": "2016-01-01", "emigration_date": "2016-01-01"},
        ],
        [{"person_id": p, "offence_date": "2016-06-01"} for p in (1, 2, 3, 4)],
        cutoff="2020-12-31",
    )
    cohort = build_cohort(reg)
    assert cohort.persons["person_id"].tolist() == [1]
    assert excluded(cohort, "persons", "start_after_end") == 1
    assert excluded(cohort, "persons", "died_before_start") == 1
    assert excluded(cohort, "persons", "emigrated_before_start") == 1
    assert excluded(cohort, "cases", "person_excluded") == 3
    att = cohort.attrition.set_index(["table", "step"])
    assert att.loc[("persons", "read"), "n_after"] == 4
    assert (att["n_before"] - att["n_after"] == att["n_excluded"]).all()


def test_age_at_index_and_bands():
    # born 1991-01-01, index offence 2014-01-01: the 23rd birthday -> 23-29 and 23+,
    # although 8401 / 365.25 = 22.9999 years; a day younger is 18-22 and <23
    reg = make_registry(
        [{"birth_date": "1991-01-01"}, {"birth_date": "1991-01-02"}, {"birth_date": "1999-01-01"}],
        [{"offence_date": "2016-01-01"}],
    )
    persons = build_cohort(reg).persons
    assert persons["age_at_index"].iloc[0] == pytest.approx(8401 / 365.25)
    assert persons["age_band"].astype(str).tolist() == ["23-29", "18-22", "<18"]
    assert persons["age_group"].astype(str).tolist() == ["23+", "<23", "<23"]
    assert list(persons["age_band"].cat.categories) == ["<18", "18-22", "23-29", "30-39", "40+"]


def test_own_age_bands():
    reg = make_registry([{"birth_date": "1991-01-01"}], [{"offence_date": "2016-01-01"}])
    rules = CohortRules(age_breaks=(25,), age_labels=("young", "old"), monitor_age_cut=21)
    persons = build_cohort(reg, rules).persons
    assert (persons["age_band"].iloc[0], persons["age_group"].iloc[0]) == ("young", "21+")


def test_cohort_contract_columns_and_dtypes():
    row, cohort = one([{"offence_date": "2015-02-10"}], CohortRules(criteria=("general", "drugs")))
    assert list(cohort.persons.columns) == [
        "person_id",
        "sex",
        "birth_date",
        "age_at_index",
        "age_band",
        "age_group",
        "exploitation_form",
        "prior_cases",
        "start_date",
        "end_date",
        "end_reason",
        "followup_days",
        "exit_year",
        "general_days",
        "general_event",
        "drugs_days",
        "drugs_event",
    ]
    dtypes = cohort.persons.dtypes.astype(str)
    assert dtypes["general_days"] == "int64" and dtypes["general_event"] == "int8"
    assert dtypes["end_reason"] == "category" and dtypes["start_date"] == "datetime64[ns]"
    assert dtypes["exit_year"] == "int64"
    assert list(cohort.attrition.columns) == [
        "table",
        "step",
        "n_before",
        "n_after",
        "n_excluded",
        "reason",
    ]
    assert cohort.criteria == ("general", "drugs")
    assert cohort.fingerprint == make_registry([{}], [{"offence_date": "2015-02-10"}]).fingerprint


def test_survival_frame_and_long():
    _, cohort = one([{"offence_date": "2015-02-10", "offence_category": "drugs"}])
    frame = cohort.survival_frame("drugs")
    assert (frame["days"].iloc[0], frame["event"].iloc[0]) == (40, 1)
    assert "general_days" not in frame
    long = cohort.survival_long(["general", "violence"])
    assert long["criterion"].astype(str).tolist() == ["general", "violence"]
    assert long["event"].tolist() == [1, 0]
    with pytest.raises(ArgumentError, match="criterion 'theft' is not in this cohort"):
        cohort.survival_frame("theft")
