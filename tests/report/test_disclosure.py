"""Disclosure control: each rule of the policy (recidive.report.disclosure, R1-R12) on its own.

Expected values are worked by hand from the rule; the attacker test (test_attacker.py)
checks the rules together against every route on the published files.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import recidive as rc
from recidive.errors import ArgumentError, DisclosureError, SmallCellWarning
from recidive.report import disclosure as d
from recidive.report.content import compute_content
from recidive.report.safe_rates import Containing, complete_groups, publish_rates

M = 10


def curve_frame(events, at_risk, n, times=(1.0, 2.0, 3.0, 4.0), group=None, criterion="general"):
    """A RateTable-shaped frame of one curve with the given cumulative events and at-risk."""
    events, at_risk = np.asarray(events, float), np.asarray(at_risk, float)
    rate = events / n  # without censoring, 1 - S(t) = D(t) / N
    frame = pd.DataFrame(
        {
            "criterion": criterion,
            "horizon_years": list(times),
            "n": float(n),
            "n_events": events,
            "n_at_risk": at_risk,
            "rate": rate,
            "std_err": 0.01,
            "ci_lower": np.maximum(rate - 0.05, 0),
            "ci_upper": np.minimum(rate + 0.05, 1),
            "status": np.where(at_risk > 0, "ok", "insufficient_follow_up"),
        }
    )
    if group is not None:
        frame.insert(1, "age_group", group)
    return frame


# -- R1, R2: groups and partitions ------------------------------------------------------------
def test_small_and_empty_groups_are_hidden_with_a_partner():
    assert d.hidden_groups({"<23": 6, "23+": 44}, M) == {"<23", "23+"}
    assert d.hidden_groups({"<23": 0, "23+": 45}, M) == {"<23", "23+"}  # empty = small
    assert d.hidden_groups({"<23": 15, "23+": 30}, M) == set()
    assert d.hidden_groups({"a": 4, "b": 30, "c": 40}, M) == {"a", "b"}
    assert d.hidden_groups({"a": 4, "b": 3, "c": 40}, M) == {"a", "b", "c"}


def test_protect_partition():
    hidden, hide_total = d.protect_partition(8, {"a": 5, "b": 3}, {"a", "b"}, M)
    assert hidden == {"a", "b"} and hide_total
    assert d.protect_partition(None, {"a": 5}, {"a"}, M) == ({"a"}, False)
    hidden, _ = d.protect_partition(100, {"a": 3, "b": 4, "c": 50, "d": 43}, {"a", "b"}, M)
    assert hidden == {"a", "b", "d"}  # two hidden parts under the threshold need a third
    hidden, _ = d.protect_partition(60, {"a": 3, "z": 0, "b": 57}, {"a"}, M)
    assert hidden == {"a", "b"}  # a zero is never chosen as the partner


def test_selection_counts_and_persons_read():
    frame = pd.DataFrame({"step": ["died", "emigrated"], "n_excluded": [3, 0]})
    out, hide_total, _ = d.suppress_counts(frame, "n_excluded", M, total=3)
    assert np.isnan(out.loc[0, "n_excluded"]) and out.loc[1, "n_excluded"] == 0
    assert hide_total  # persons read - analysed would give the 3


# -- R3, R4: points of one curve --------------------------------------------------------------
def test_points_need_enough_at_risk_and_safe_increments():
    events = [[12, 15, 25, 40]]
    at_risk = [[50, 40, 30, 9]]
    # year 2 first: year 1 would leave 3 events before year 2; year 4 has 9 at risk
    assert d.select_points(events, at_risk, [1, 0, 2, 3], M) == [1, 2]
    # year 1 first: then year 2 goes (3 after year 1), year 3 stays (13 after year 1)
    assert d.select_points(events, at_risk, [0, 1, 2, 3], M) == [0, 2]


def test_zero_events_are_published_and_flat_grid_points_skipped():
    events = [[0, 0, 0, 12]]
    at_risk = [[40, 40, 40, 28]]
    assert d.select_points(events, at_risk, [0], M, fill=[1, 2, 3]) == [0, 3]


def test_curves_that_share_points_all_obey_the_rule():
    events = [[10, 20, 30], [10, 15, 30]]
    at_risk = [[40, 30, 20]] * 2
    assert d.select_points(events, at_risk, [0, 1, 2], M) == [0, 2]


def test_publish_rates_hides_small_reoffender_counts_and_rounds():
    frame = curve_frame([4, 12, 22, 22], [45, 35, 28, 25], n=50)
    out = publish_rates(frame, M, horizons=(2.0, 1.0, 3.0, 4.0)).frame
    assert out["status"].tolist() == ["suppressed", "ok", "ok", "ok"]
    assert out.loc[1, "rate"] == 0.24 and out.loc[3, "rate"] == 0.44  # 22 -> 22: no events
    assert np.isnan(out.loc[0, "rate"]) and out.loc[0, "suppressed"] == "rate,ci_lower,ci_upper"
    assert not {"n_events", "n_at_risk", "std_err"} & set(out.columns)


def test_publish_rates_stops_where_few_remain_and_marks_past_follow_up():
    frame = curve_frame([10, 20, 30, 30], [40, 25, 6, 0], n=50)
    out = publish_rates(frame, M, horizons=(1.0, 2.0, 3.0, 4.0)).frame
    assert out["status"].tolist() == ["ok", "ok", "suppressed", "insufficient_follow_up"]


def test_rounding_is_the_printed_precision():
    frame = curve_frame([10], [40], n=30, times=(1.0,))
    out = publish_rates(frame, M, horizons=(1.0,)).frame
    assert out.loc[0, "rate"] == 0.333 and out.loc[0, "ci_lower"] == 0.283


# -- R5: partitions of curves -----------------------------------------------------------------
def age_curves(young_events, old_events, young_n=30, old_n=60):
    young = curve_frame(young_events, [25, 20, 15, 12], young_n, group="<23")
    old = curve_frame(old_events, [55, 45, 40, 35], old_n, group="23+")
    total_events = np.add(young_events, old_events)
    total = curve_frame(total_events, [80, 65, 55, 47], young_n + old_n, group="all")
    return pd.concat([total, young, old], ignore_index=True)


def test_groups_are_published_together_at_a_subset_of_the_totals_points():
    # the young have 4 reoffenders by year 1: they and the others are hidden there
    frame = age_curves([4, 12, 14, 25], [15, 25, 40, 41])
    out = publish_rates(frame, M, by=["age_group"], horizons=(2.0, 4.0, 1.0, 3.0)).frame
    status = out.pivot(index="age_group", columns="horizon_years", values="status")
    assert status.loc["all"].tolist() == ["ok", "ok", "ok", "ok"]
    for g in ("<23", "23+"):  # year 3: 2 more young; year 4 after year 2: 13 and 16
        assert status.loc[g].tolist() == ["suppressed", "ok", "suppressed", "ok"]


def test_a_small_group_hides_its_partner_and_total_minus_parts_is_protected():
    frame = age_curves([4, 6, 8, 9], [15, 25, 40, 41], young_n=8)
    out = publish_rates(frame, M, by=["age_group"], horizons=(1.0, 2.0)).frame
    parts = out[out["age_group"] != "all"]
    assert parts["n"].isna().all() and (parts["status"] == "suppressed").all()
    assert (out[out["age_group"] == "all"]["n"] == 68).all()


def test_without_a_total_row_the_total_is_protected_as_if_published():
    frame = age_curves([4, 12, 14, 25], [15, 25, 40, 41])
    parts = frame[frame["age_group"] != "all"]
    out = publish_rates(parts, M, by=["age_group"], horizons=(1.0, 2.0)).frame
    assert (out[out["horizon_years"] == 1.0]["status"] == "suppressed").all()


def test_missing_groups_are_added_as_empty():
    frame = curve_frame([10], [40], n=40, times=(2.0,), group="all")
    young = curve_frame([10], [40], n=40, times=(2.0,), group="<23")
    full = complete_groups(pd.concat([frame, young]), ["age_group"], {"age_group": ["<23", "23+"]})
    assert sorted(full["age_group"]) == ["23+", "<23", "all"]
    out = publish_rates(full, M, by=["age_group"], horizons=(2.0,)).frame
    assert out.set_index("age_group").loc["<23", "status"] == "suppressed"  # its partner is empty


def test_a_contained_criterion_is_published_where_general_is_and_differs_safely():
    general = curve_frame([20, 40, 52], [80, 60, 45], n=100, times=(2.0, 5.0, 7.0))
    published = publish_rates(general, M, horizons=(7.0, 2.0, 5.0))
    assert (published.frame["status"] == "ok").all()
    # violence: 12, 25 and 31 by 2, 5 and 7 years; general minus violence: 8, 15, 21
    violence = curve_frame([12, 25, 31], [85, 70, 55], n=100, times=(2.0, 5.0, 7.0))
    violence["criterion"] = "violence"
    nested = publish_rates(
        violence, M, horizons=(5.0, 2.0, 7.0), containing=Containing(general, published.frame)
    ).frame
    # 2y: 8 reoffended without violence; 7y: 21 - 15 = 6 more since 5y
    assert nested["status"].tolist() == ["suppressed", "ok", "suppressed"]
    alone = publish_rates(violence, M, horizons=(5.0, 2.0, 7.0)).frame
    assert alone["status"].tolist() == ["ok", "ok", "suppressed"]  # 31 - 25 = 6 on its own


# -- R6: curves in figures ----------------------------------------------------------------------
def km_points(days, events, grid_years, min_cell=M):
    frame = pd.DataFrame({"days": days, "event": events})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rc.InsufficientFollowUpWarning)
        exact = rc.survival_rates(frame, duration="days", event="event", horizons=grid_years)
    out = publish_rates(exact.to_frame(), min_cell, horizons=()).frame
    return out[out["status"] == "ok"]


GRID = [k / 12 for k in range(1, 85)]


def test_a_group_of_eleven_shows_at_most_one_step():
    rng = np.random.default_rng(0)
    for _ in range(50):
        days, events = rng.integers(1, 2500, 11), rng.integers(0, 2, 11)
        assert len(km_points(days, events, GRID)) <= 1
    # the most favourable case: ten reoffend on one day, one is followed on
    days, events = np.r_[np.full(10, 365), 2000], np.r_[np.ones(10, int), 0]
    assert len(km_points(days, events, GRID)) <= 1


def test_a_group_under_the_threshold_shows_no_curve():
    rng = np.random.default_rng(1)
    days, events = rng.integers(1, 2500, 9), np.ones(9, int)
    assert len(km_points(days, events, GRID)) == 0


def test_each_drawn_step_holds_at_least_min_cell_events_at_a_month():
    rng = np.random.default_rng(2)
    days, events = rng.integers(1, 2600, 300), rng.integers(0, 2, 300)
    points = km_points(days, events, GRID)
    times = points["horizon_years"].to_numpy()
    assert np.allclose(times * 12, np.round(times * 12))  # whole months
    cumulative = [int(((days <= t * 365.25) & (events == 1)).sum()) for t in times]
    assert all(b - a >= M for a, b in zip([0, *cumulative], cumulative, strict=False))
    assert all(int((days >= t * 365.25).sum()) >= M for t in times)


# -- R7: numbers at risk ----------------------------------------------------------------------
def test_numbers_at_risk_need_safe_differences():
    at_risk = pd.DataFrame({"years": [0, 1, 2, 3, 4], "n_at_risk": [45, 40, 28, 9, 0]})
    out = d.suppress_at_risk(at_risk, M)
    assert out["n_at_risk"].tolist()[:1] == [45] and np.isnan(out["n_at_risk"].iloc[1])
    assert out["n_at_risk"].iloc[2] == 28 and np.isnan(out["n_at_risk"].iloc[3])
    assert out["n_at_risk"].iloc[4] == 0 and out["suppressed"].tolist()[1] == "n_at_risk"
    assert d.suppress_at_risk(at_risk, 1)["n_at_risk"].tolist() == [45, 40, 28, 9, 0]
    # where the curve is published too: 45 - 28 left by year 2, 12 of them reoffended
    at_risk["n_events"] = [0, np.nan, 12, np.nan, np.nan]
    assert np.isnan(d.suppress_at_risk(at_risk, M)["n_at_risk"].iloc[2])  # 5 censored
    at_risk["n_events"] = [0, np.nan, 7, np.nan, np.nan]
    assert d.suppress_at_risk(at_risk, M)["n_at_risk"].iloc[2] == 28  # 10 censored


# -- R8, R9, R10 --------------------------------------------------------------------------------
def test_share_rule():
    assert d.share_is_disclosive(5, 100, M) and d.share_is_disclosive(95, 100, M)
    assert not d.share_is_disclosive(0, 100, M) and not d.share_is_disclosive(40, 100, M)


def test_medians_are_coarse_and_need_persons_on_both_sides():
    values = np.r_[np.full(12, 1.0), np.full(5, 4.1), np.full(12, 6.0)]
    assert d.coarse_median(values, M) == 4.0
    assert d.coarse_median(np.r_[np.full(9, 1.0), np.full(5, 4.1), np.full(12, 6.0)], M) is None
    assert d.coarse_median([2.2] * 30, M) is None  # everyone in one interval
    assert d.coarse_median([1.0, 2.0, 3.0], 1) == 2.0


def test_recurrent_event_totals():
    assert d.safe_event_total([1] * 12) == (12.0, "")
    assert d.safe_event_total([0] * 20) == (0.0, "")
    assert d.safe_event_total([3] * 9)[0] is None  # 27 events, 9 persons
    total, why = d.safe_event_total([60, 30] + [1] * 10)
    assert total is None and why.startswith("nk-dominance")
    total, why = d.safe_event_total([100, 1] + [1] * 8, nk=(2, 0.99))
    assert total is None and why.startswith("p-ratio")


def test_cox_needs_min_cell_events_on_both_sides(small_cohort):
    from recidive.report.cox_content import cox_content
    from recidive.report.qualifiers import QualifierRules

    frame = small_cohort.survival_frame("general")
    cox = cox_content(frame, M, frozenset(), QualifierRules())
    forms = frame["exploitation_form"].astype(str)
    for name, n in zip(cox.table["covariate"], cox.table["n_level"], strict=True):
        if name in ("age_decades", "prior_log2"):  # continuous: no group to reveal
            assert n is None or np.isnan(n)
            continue
        if name == "form_pooled":
            mask = forms.isin(cox.pooled)
        elif name == "female":
            mask = frame["sex"].astype(str) == "F"
        else:
            mask = forms == name.removeprefix("form_")
        assert n == int(mask.sum())
        assert min(frame["event"][mask].sum(), frame["event"][~mask].sum()) >= M
    assert "overig" in cox.pooled  # 16 persons, too few reoffenders among them: pooled


# -- R11, R12: minimum cohort, threshold -------------------------------------------------------
def test_a_cohort_under_the_minimum_is_refused(tiny_cohort):
    few = rc.build_cohort(rc.datasets.reference_registry(n_persons=1, seed=3))
    with pytest.raises(
        DisclosureError, match=r"persons; a section needs at least 20 \(2 x min_cell"
    ):
        rc.report.recidivism_section(few)
    with pytest.raises(DisclosureError, match="needs at least 120"):
        rc.report.recidivism_section(tiny_cohort, min_cell=60)
    assert d.minimum_cohort(10) == 20


@pytest.mark.parametrize("bad", [0, -1, 2.5, "10", True])
def test_min_cell_must_be_a_whole_number_of_at_least_one(tiny_cohort, bad):
    with pytest.raises(ArgumentError, match="min_cell must be a whole number"):
        rc.report.recidivism_section(tiny_cohort, min_cell=bad)


def test_min_cell_one_switches_suppression_off(tiny_cohort):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SmallCellWarning)
        section = rc.report.recidivism_section(tiny_cohort, lang="en", min_cell=1)
    assert any("below the usual threshold" in str(w.message) for w in caught)
    general = section.table("general").to_frame()
    assert (general["status"] != "suppressed").all()
    assert dict(section.method)["Disclosure control"].startswith("Switched off")


def test_the_api_estimators_stay_exact(tiny_cohort):
    rates = rc.recidivism_rates(tiny_cohort, ["drugs"], horizons=(2,)).to_frame()
    assert {"n_events", "n_at_risk", "std_err"} <= set(rates.columns)
    assert 0 < rates["n_events"].iloc[0] < M  # a small count, exact for the analyst


# -- on a small registry ------------------------------------------------------------------------
@pytest.fixture(scope="module", params=[10, 20])
def tiny(request, tiny_cohort):
    with pytest.warns(SmallCellWarning, match="suppressed by disclosure control") as record:
        section = rc.report.recidivism_section(tiny_cohort, min_cell=request.param)
    return request.param, section, record


def test_tiny_registry_really_is_tiny(tiny_cohort):
    assert 40 <= len(tiny_cohort.persons) <= 60


def test_suppressed_values_are_null_in_json_and_x_in_text(tiny):
    min_cell, section, record = tiny
    data = json.loads(section.to_json())
    hidden = 0
    for name, table in data["tables"].items():
        for row in table["rows"]:
            for column in filter(None, (row.get("suppressed") or "").split(",")):
                assert row[column] is None, (name, column)
                hidden += 1
    assert hidden > 0
    assert "×" in section.to_markdown() and "niet gepubliceerd" in section.to_markdown()
    assert str(min_cell) in str(record[0].message)


def test_the_report_draws_only_published_points(tiny_cohort):
    with pytest.warns(SmallCellWarning):
        content = compute_content(tiny_cohort, min_cell=M)
    general = content.general.set_index("horizon_years")
    for group, points in content.curves.items():
        assert len(points) and np.allclose(points["years"] * 12, np.round(points["years"] * 12))
        if group == "all":  # the figure passes through the table at the published horizons
            for h, row in general[general["status"] == "ok"].iterrows():
                drawn = points[np.isclose(points["years"], h)]
                assert drawn["rate"].tolist() == [row["rate"]]


def test_stricter_threshold_hides_the_age_groups(tiny_cohort):
    with pytest.warns(SmallCellWarning):
        section = rc.report.recidivism_section(tiny_cohort, min_cell=20)
    by_age = section.table("by_age").to_frame()
    groups = by_age[by_age["age_group"] != "all"]
    assert (groups["status"] == "suppressed").all()
    assert groups[["n", "rate"]].isna().all().all()
    assert section.numbers["age"]["share_under_cut_offenders"]["value"] is None
    assert section.numbers["logrank"]["p_value"] is None
    assert "figure_3_by_age" not in [f.name for f in section.figures]
    assert (
        section.sentences[3]["text"]
        == "De leeftijd van recidivisten kan niet worden gerapporteerd."
    )
    assert "young" not in set(section.table("cox").to_frame().get("covariate", []))
