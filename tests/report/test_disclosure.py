"""Disclosure control: no published cell under the threshold, not even by subtraction."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import recidive as rc
from recidive.errors import SmallCellWarning
from recidive.report.content import compute_content
from recidive.report.disclosure import (
    protect_partition,
    safe_curve,
    share_is_disclosive,
    suppress_at_risk,
    suppress_counts,
    suppress_rate_table,
)

MIN_CELL = 10
COUNT_COLUMNS = ("n", "n_events", "n_at_risk", "n_excluded", "n_level")


def age_frame(n_young=6, events_young=3):
    return pd.DataFrame(
        {
            "criterion": "general",
            "age_group": ["all", "<23", "23+"],
            "horizon_years": 2.0,
            "n": [50 + n_young - 6, n_young, 44],
            "n_events": [20 + events_young - 3, events_young, 17],
            "n_at_risk": [30, 3, 27],
            "rate": [0.4, 0.5, 0.39],
            "std_err": 0.05,
            "ci_lower": 0.3,
            "ci_upper": 0.5,
            "status": "ok",
        }
    )


# -- unit rules -------------------------------------------------------------------------
def test_primary_and_secondary_row_suppression():
    out, notes = suppress_rate_table(age_frame(), MIN_CELL, group="age_group")
    assert out["status"].tolist() == ["ok", "suppressed", "suppressed"]
    assert out.loc[1:, ["n", "rate", "ci_lower", "n_events"]].isna().all().all()
    assert out.loc[0, "n"] == 50
    assert any("small group" in note for note in notes)


def test_small_event_count_gets_a_partner():
    frame = age_frame(n_young=30, events_young=4)
    out, _ = suppress_rate_table(frame, MIN_CELL, group="age_group")
    assert out["status"].tolist() == ["ok", "ok", "ok"]
    assert np.isnan(out.loc[1, "n_events"]) and np.isnan(out.loc[2, "n_events"])
    assert out.loc[0, "n_events"] == 21
    assert out.loc[1, "rate"] == 0.5  # the rate rests on 30 persons: shown


def test_no_group_means_no_secondary():
    out, _ = suppress_rate_table(age_frame().iloc[[1]], MIN_CELL)
    assert out["status"].tolist() == ["suppressed"]


def test_protect_partition_hides_total_when_no_part_is_left():
    hidden, hide_total = protect_partition(8, {"a": 5, "b": 3}, {"a", "b"}, MIN_CELL)
    assert hidden == {"a", "b"} and hide_total
    hidden, hide_total = protect_partition(None, {"a": 5}, {"a"}, MIN_CELL)
    assert hidden == {"a"} and not hide_total
    # two hidden parts that add up to under the threshold need a third
    hidden, _ = protect_partition(100, {"a": 3, "b": 4, "c": 50, "d": 43}, {"a", "b"}, MIN_CELL)
    assert hidden == {"a", "b", "d"}


def test_zeros_are_shown_and_never_chosen_as_partner():
    hidden, _ = protect_partition(60, {"a": 3, "z": 0, "b": 57}, {"a"}, MIN_CELL)
    assert hidden == {"a", "b"}


def test_attrition_counts_hide_the_total():
    frame = pd.DataFrame({"step": ["died", "emigrated"], "n_excluded": [3, 0]})
    out, hide_total, _ = suppress_counts(frame, "n_excluded", MIN_CELL, total=3)
    assert np.isnan(out.loc[0, "n_excluded"]) and out.loc[1, "n_excluded"] == 0
    assert hide_total


def test_share_rule():
    assert share_is_disclosive(5, 100, MIN_CELL)
    assert share_is_disclosive(95, 100, MIN_CELL)
    assert not share_is_disclosive(0, 100, MIN_CELL)
    assert not share_is_disclosive(40, 100, MIN_CELL)


# -- on a small registry ------------------------------------------------------------------
def test_safe_curve_stops_where_few_remain_at_risk():
    km = pd.DataFrame(
        {
            "time": [700, 100, 300, 500],
            "n_at_risk": [3, 40, 12, 10],
            "survival": [0.5, 0.9, 0.8, 0.7],
        }
    )
    out = safe_curve(km, 10)
    assert out["time"].tolist() == [100, 300, 500]
    assert safe_curve(km, 1)["time"].tolist() == [100, 300, 500, 700]


def test_numbers_at_risk_under_the_threshold_are_hidden():
    at_risk = pd.DataFrame({"years": [0, 1, 2, 3], "n_at_risk": [45, 12, 9, 0]})
    out = suppress_at_risk(at_risk, 10)
    assert out["n_at_risk"].tolist()[:2] == [45, 12] and out["n_at_risk"].iloc[3] == 0
    assert np.isnan(out["n_at_risk"].iloc[2]) and out["fewer_than"].iloc[2] == 10
    assert out["fewer_than"].isna().tolist() == [True, True, False, True]
    assert at_risk["n_at_risk"].tolist() == [45, 12, 9, 0]  # a copy, the input unchanged
    assert suppress_at_risk(at_risk, 1)["n_at_risk"].tolist() == [45, 12, 9, 0]


def test_the_report_draws_only_safe_curves(tiny_cohort):
    with pytest.warns(SmallCellWarning):
        content = compute_content(tiny_cohort, min_cell=MIN_CELL)
    for curve in content.curves.values():
        assert len(curve) and (curve["n_at_risk"] >= MIN_CELL).all()
    # numbers at risk under figure 1: persons still followed at each whole year
    days = tiny_cohort.survival_frame("general")["days"]
    for _, row in content.at_risk.iterrows():
        followed = int((days >= row["years"] * 365.25).sum())
        if 0 < followed < MIN_CELL:
            assert np.isnan(row["n_at_risk"]) and row["fewer_than"] == MIN_CELL
        else:
            assert row["n_at_risk"] == followed and np.isnan(row["fewer_than"])


def section_with(cohort, min_cell):
    with pytest.warns(SmallCellWarning, match="suppressed by disclosure control") as record:
        section = rc.report.recidivism_section(cohort, min_cell=min_cell)
    return section, record


@pytest.fixture(scope="module", params=[10, 20])
def tiny(request, tiny_cohort):
    section, record = section_with(tiny_cohort, request.param)
    return request.param, section, record


def published_rows(section):
    return {name: table["rows"] for name, table in section.to_dict()["tables"].items()}


def test_tiny_registry_really_is_tiny(tiny_cohort):
    assert 40 <= len(tiny_cohort.persons) <= 60


def test_no_published_count_under_the_threshold(tiny):
    min_cell, section, _ = tiny
    for name, rows in published_rows(section).items():
        for row in rows:
            for column in COUNT_COLUMNS:
                value = row.get(column)
                assert value is None or value == 0 or value >= min_cell, (name, column, row)
            if row.get("rate") is not None and "n" in row:
                assert row["n"] >= min_cell, (name, row)


def test_no_hidden_cell_is_revealed_by_subtraction(tiny):
    min_cell, section, _ = tiny
    rows = pd.DataFrame(published_rows(section)["by_age"])
    for _, part in rows.groupby("horizon_years"):
        total = part[part["age_group"] == "all"].iloc[0]
        groups = part[part["age_group"] != "all"]
        for column in ("n", "n_events", "n_at_risk"):
            if pd.isna(total[column]):
                continue
            derived = total[column] - groups[column].fillna(0).sum()
            hidden = groups[column].isna().sum()
            assert (derived == 0 and hidden == 0) or derived >= min_cell, (column, part)
    cohort = section.to_dict()["numbers"]["cohort"]
    attrition = pd.DataFrame(published_rows(section)["attrition"])
    persons = attrition[attrition["table"] == "persons"]
    if cohort["n_read"] is not None:  # persons read - analysed - visible exclusions
        derived = cohort["n_read"] - cohort["n_analysed"] - persons["n_excluded"].fillna(0).sum()
        assert derived == 0 or derived >= min_cell


def test_shares_do_not_reveal_small_counts(tiny):
    min_cell, section, _ = tiny
    age = section.numbers["age"]
    share = age["share_under_cut_offenders"]
    if share["value"] is not None:
        n = share["n"]
        assert min(share["value"] * n, (1 - share["value"]) * n) >= min_cell - 1e-9


def test_suppressed_values_are_null_in_json_and_x_in_text(tiny):
    min_cell, section, record = tiny
    data = json.loads(section.to_json())
    text = section.to_markdown()
    hidden = 0
    for name, table in data["tables"].items():
        for row in table["rows"]:
            for column in filter(None, (row.get("suppressed") or "").split(",")):
                assert row[column] is None, (name, column)
                hidden += 1
    assert hidden > 0
    assert "×" in text and "niet gepubliceerd" in text
    assert str(min_cell) in str(record[0].message)


def test_stricter_threshold_hides_the_age_groups(tiny_cohort):
    section, _ = section_with(tiny_cohort, 20)
    by_age = section.table("by_age").to_frame()
    groups = by_age[by_age["age_group"] != "all"]
    assert (groups["status"] == "suppressed").all()
    assert groups[["n", "rate", "n_events"]].isna().all().all()
    assert section.numbers["age"]["share_under_cut_offenders"]["value"] is None
    assert section.numbers["logrank"]["p_value"] is None
    assert [f.name for f in section.figures] == ["figure_1_cumulative", "figure_2_by_type"]
    assert section.sentences[3]["text"] == (
        "De leeftijd van recidivisten kan niet worden gerapporteerd."
    )
    assert "young" not in set(section.table("cox").to_frame().get("covariate", []))
