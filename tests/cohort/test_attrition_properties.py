"""Properties of build_cohort on random registries (hypothesis).

Every person and every case row that comes in is analysed or excluded with a reason;
event days never exceed the follow-up; a general event happens exactly when some
category event happens; no counted case lies after the cut-off; the registry warns
about its cut-off exactly when it lies more than a year after the latest date; and
``build_cohort`` refuses exactly the registries that leave nobody to follow.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recidive import schema
from recidive.cohort import apply_rules, build_cohort
from recidive.cutoff import LATE_MARGIN_DAYS, LATE_MIN_PERSONS
from recidive.errors import ArgumentError, CutoffWarning
from recidive.registry import Registry
from recidive.rules import CohortRules

DAY0 = pd.Timestamp("2010-01-01")


def _date(day: int) -> pd.Timestamp:
    return DAY0 + pd.Timedelta(days=day)


@st.composite
def registries(draw):
    n = draw(st.integers(1, 6))
    persons = []
    for pid in range(1, n + 1):
        offence = draw(st.integers(0, 1500))
        disposal = offence + draw(st.integers(0, 400))
        release = draw(st.none() | st.integers(disposal, disposal + 900))
        death = draw(st.none() | st.integers(offence, offence + 3000))
        emigration = draw(st.none() | st.integers(offence, offence + 3000))
        persons.append(
            {
                "person_id": pid,
                "sex": draw(st.sampled_from(schema.SEX_CODES)),
                "birth_date": _date(offence - draw(st.integers(4000, 20000))),
                "index_offence_date": _date(offence),
                "index_disposal_date": _date(disposal),
                "index_release_date": None if release is None else _date(release),
                "exploitation_form": draw(st.sampled_from(schema.EXPLOITATION_FORMS)),
                "prior_cases": draw(st.integers(0, 5)),
                "death_date": None if death is None else _date(death),
                "emigration_date": None if emigration is None else _date(emigration),
            }
        )
    cases = []
    for i in range(draw(st.integers(1, 15))):
        offence = draw(st.integers(-100, 4000))
        cases.append(
            {
                "person_id": draw(st.integers(1, n)),
                "case_id": f"c{draw(st.integers(0, i))}",
                "offence_date": _date(offence),
                "disposal_date": _date(offence + draw(st.integers(0, 300))),
                "disposal": draw(st.sampled_from(schema.DISPOSALS)),
                "offence_category": draw(st.sampled_from(schema.OFFENCE_CATEGORIES)),
                "max_penalty_years": draw(st.sampled_from([0.5, 2.0, 4.0, 6.0, 8.0, 12.0])),
                "is_crime": draw(st.booleans()),
            }
        )
    detentions = []
    for pid in range(1, n + 1):
        day = draw(st.integers(0, 2000))
        for _ in range(draw(st.integers(0, 2))):
            start = day + draw(st.integers(0, 300))
            day = start + draw(st.integers(0, 300))
            detentions.append({"person_id": pid, "start": _date(start), "end": _date(day)})
    frame = pd.DataFrame(detentions, columns=["person_id", "start", "end"])
    cutoff = _date(draw(st.integers(1000, 4500)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CutoffWarning)
        registry = Registry(pd.DataFrame(persons), pd.DataFrame(cases), frame, cutoff_date=cutoff)
    warned = any(issubclass(w.category, CutoffWarning) for w in caught)
    return registry, warned


rules_strategy = st.builds(
    CohortRules,
    start=st.sampled_from(["release", "disposal"]),
    crimes_only=st.booleans(),
    censor_at_death=st.booleans(),
    censor_at_emigration=st.booleans(),
    remove_detention_time=st.booleans(),
    registration_lag_days=st.integers(0, 200),
)

SETTINGS = settings(
    max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@SETTINGS
@given(registries(), rules_strategy)
def test_cohort_invariants(drawn, rules):
    # one cohort per example, the properties checked on it (keeps the suite fast)
    registry, warned = drawn
    late = (registry.cutoff_date - registry.latest_date).days > LATE_MARGIN_DAYS
    assert warned == (late and len(registry.persons) >= LATE_MIN_PERSONS)
    cohort = apply_rules(registry, rules)
    every_person_and_case_row_is_accounted_for(registry, cohort)
    days_stay_within_follow_up(cohort.persons, rules)
    general_event_iff_a_category_event(cohort.persons)
    counted_cases_lie_inside_follow_up(cohort, rules)
    nothing_after_the_cut_off(registry, cohort)
    if len(cohort.persons) == 0:
        with pytest.raises(ArgumentError, match="no person has follow-up"):
            build_cohort(registry, rules)


def every_person_and_case_row_is_accounted_for(registry, cohort):
    att = cohort.attrition
    for table, n_read, n_kept in (
        ("persons", len(registry.persons), len(cohort.persons)),
        ("cases", len(registry.cases), len(cohort.cases)),
    ):
        rows = att[att["table"] == table]
        assert rows["n_before"].iloc[0] == n_read
        assert rows["n_after"].iloc[-1] == n_kept
        assert n_kept + rows["n_excluded"].sum() == n_read
        assert (rows["n_before"].iloc[1:].to_numpy() == rows["n_after"].iloc[:-1].to_numpy()).all()


def days_stay_within_follow_up(p, rules):
    assert (p["followup_days"] > 0).all()
    assert (p["end_date"] > p["start_date"]).all()
    for c in rules.criteria:
        assert (p[f"{c}_days"] >= 0).all()
        assert (p[f"{c}_days"] <= p["followup_days"]).all()
        assert set(p[f"{c}_event"].unique()) <= {0, 1}
        censored = p[f"{c}_event"] == 0
        assert (p.loc[censored, f"{c}_days"] == p.loc[censored, "followup_days"]).all()
    if not rules.remove_detention_time:
        calendar = (p["end_date"] - p["start_date"]).dt.days
        assert (p["followup_days"] == calendar).all()


def general_event_iff_a_category_event(p):
    categories = np.column_stack([p[f"{c}_event"] for c in schema.OFFENCE_CATEGORIES])
    assert (p["general_event"].to_numpy() == categories.max(axis=1, initial=0)).all()
    first = np.column_stack([p[f"{c}_days"] for c in schema.OFFENCE_CATEGORIES]).min(axis=1)
    assert (p["general_days"].to_numpy() == first).all()
    assert (p["general_event"] >= p["serious_event"]).all()
    assert (p["serious_event"] >= p["very_serious_event"]).all()


def nothing_after_the_cut_off(registry, cohort):
    after = int((registry.cases["offence_date"] > cohort.cutoff_date).sum())
    att = cohort.attrition.set_index(["table", "step"])
    assert att.loc[("cases", "offence_after_cutoff"), "n_excluded"] == after
    assert (cohort.cases["offence_date"] <= cohort.cutoff_date).all()
    assert (cohort.persons["end_date"] <= cohort.cutoff_date).all()


def counted_cases_lie_inside_follow_up(cohort, rules):
    merged = cohort.cases.merge(cohort.persons, on="person_id", suffixes=("", "_p"))
    assert len(merged) == len(cohort.cases)
    assert (merged["offence_date"] > merged["start_date_p"]).all()
    assert (merged["offence_date"] <= merged["end_date"]).all()
    if rules.crimes_only:
        assert merged["is_crime"].all()
    assert not merged["disposal"].isin(rules.excluded_disposals).any()
