"""ACRO as a second opinion: the section's underlying counts and curves re-run through ACRO.

ACRO (the SACRO project's semi-automatic output checker, ``pip install acro``) checks its
own calls on microdata, not finished tables. For every rate a section publishes, the
microdata behind it are tabulated with ACRO's ``crosstab`` (reoffended by the time point
or not, per group; reoffended between consecutive published points of one curve), the
curves with ``surv_func`` on the figure's month grid, and totals of recurrent events with
``pivot_table``; ACRO's threshold, survival, nk-dominance and p-ratio checks must agree
with recidive's decisions (docs/disclosure.md maps the rules). ``zeros_are_disclosive``
is set to ``False`` explicitly: the policy publishes 0% (no reoffender among at least
``min_cell`` persons), ACRO's default would not.

acro 1.0.2 pins pandas <= 2.3.3, so the test skips where it cannot be installed.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
import pytest
from report_helpers import build_section

import recidive as rc
from recidive import defaults
from recidive.report import disclosure

M = 10
REGISTRIES = [(60, 21), (150, 22), (300, 23)]


@pytest.fixture(scope="module")
def acro_module():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = pytest.importorskip("acro")
    logging.getLogger("acro").setLevel(logging.WARNING)
    return module


def checker(acro_module):
    session = acro_module.ACRO(suppress=False)
    session.config["zeros_are_disclosive"] = False  # the policy publishes zeros
    assert session.sdc_checks.risk_appetite["safe_threshold"] == M
    return session


def last_status(session) -> str:
    return session.results.results[f"output_{session.results.output_id - 1}"].status


@pytest.fixture(scope="module", params=REGISTRIES, ids=lambda r: f"n{r[0]}")
def published(request):
    n, seed = request.param
    cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=n, seed=seed))
    section = build_section(cohort, lang="en", min_cell=M)
    points = {}
    for name in ("general", "by_type", "by_age"):
        for row in section.table(name).to_frame().itertuples():
            criterion = getattr(row, "criterion", "general")
            group = getattr(row, "age_group", "all")
            points.setdefault((criterion, group), {})[float(row.horizon_years)] = row.status
    for figure in section.to_dict()["figures"]:
        for curve in figure["data"].get("curves", []):
            for p in curve["points"]:
                points.setdefault(("general", curve["group"]), {})[float(p["years"])] = "ok"
    return cohort, section, points


def microdata(cohort, criterion: str, group: str) -> pd.DataFrame:
    persons = cohort.persons
    frame = pd.DataFrame(
        {
            "group": persons["age_group"].astype(str),
            "days": persons[f"{criterion}_days"].to_numpy(),
            "event": persons[f"{criterion}_event"].to_numpy(),
        }
    )
    return frame if group == "all" else frame[frame["group"] == group]


def test_acro_passes_every_published_rate(acro_module, published):
    cohort, _, points = published
    session = checker(acro_module)
    for (criterion, group), curve in points.items():
        data = microdata(cohort, criterion, group)
        for years, status in curve.items():
            if status != "ok":
                continue
            within = (data["event"] == 1) & (data["days"] <= years * defaults.DAYS_PER_YEAR)
            # reoffended or not by the time point: the counts behind a published rate
            reoffended = pd.Series(
                np.where(within, "yes", "no"), index=data.index, name="reoffended"
            )
            session.crosstab(pd.Series(group, index=data.index, name="group"), reoffended)
            assert last_status(session) == "pass", (
                criterion,
                group,
                years,
                reoffended.value_counts(),
            )


def test_acro_passes_the_events_between_published_points(acro_module, published):
    cohort, _, points = published
    session = checker(acro_module)
    for (criterion, group), curve in points.items():
        times = sorted(t for t, status in curve.items() if status == "ok")
        if not times:
            continue
        data = microdata(cohort, criterion, group)
        edges = np.array([0.0, *times]) * defaults.DAYS_PER_YEAR
        event_days = np.where(data["event"] == 1, data["days"], np.inf)
        bins = np.searchsorted(edges, event_days, side="left")  # (t_k-1, t_k] -> k
        labels = [f"({a:g}, {b:g}]" for a, b in zip([0, *times], times, strict=False)]
        interval = pd.Series(
            [labels[b - 1] if 0 < b <= len(times) else "later or never" for b in bins],
            name="first_reoffence",
        )
        reoffended = interval[interval != "later or never"]
        session.crosstab(pd.Series(group, index=reoffended.index, name="group"), reoffended)
        assert last_status(session) == "pass", (criterion, group, reoffended.value_counts())


def test_acro_survival_rule_holds_for_every_drawn_step(acro_module, published):
    """ACRO's survival table on the figure's month grid shows at least its threshold of
    events, hence of persons leaving the risk set, in every step a figure draws."""
    cohort, section, _ = published
    session = checker(acro_module)
    threshold = session.config["survival_safe_threshold"]
    for figure in section.to_dict()["figures"]:
        for curve in figure["data"].get("curves", []):
            data = microdata(cohort, "general", curve["group"])
            # month k holds the days in ((k - 1) / 12, k / 12] years: a step at month k
            # stands for the events since the previous drawn step
            months = np.ceil(data["days"] / (defaults.DAYS_PER_YEAR / 12))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                table = session.surv_func(months, data["event"], output="table")
            # (acro 1.0.2 fails its degrees-of-freedom check on every survival table, as its
            # evidence counts the table's rows; we use its counts, not its verdict)
            events = table["num events"]
            steps = [(0, 0.0), *((round(p["years"] * 12), p["rate"]) for p in curve["points"])]
            for (a, rate_a), (b, rate_b) in zip(steps, steps[1:], strict=False):
                in_step = events[(events.index > a) & (events.index <= b)].sum()
                if rate_b == rate_a:  # a published point without a step (no events)
                    assert in_step == 0, (curve["group"], a, b, in_step)
                    continue
                assert in_step >= threshold, (curve["group"], a, b, in_step)


def test_acro_dominance_checks_agree_with_the_recurrent_event_rule(acro_module):
    session = checker(acro_module)
    rng = np.random.default_rng(5)
    groups = {
        "many": rng.integers(1, 4, 40),
        "few": rng.integers(1, 4, 6),
        "dominated": np.r_[120, 40, np.ones(12, int)],
        "one_big": np.r_[300, np.ones(15, int)],
    }
    for name, counts in groups.items():
        data = pd.DataFrame({"group": name, "events": counts})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # acro passes np.sum to pandas
            session.pivot_table(data, index="group", values="events", aggfunc="sum")
        acro_ok = last_status(session) == "pass"
        ours = disclosure.safe_event_total(counts, M)[0] is not None
        assert acro_ok == ours, (
            name,
            session.results.results[f"output_{session.results.output_id - 1}"].summary,
        )
