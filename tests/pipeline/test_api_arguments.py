"""Misuse of the public API: every bad argument is an ArgumentError with a plain message.

Each case calls a public function the way a new user might get it wrong and asserts the
message (numbers shown as plain numbers, never ``np.int64(4)``). A horizon past the
follow-up is not an error: the rates are NaN with a status and an
``InsufficientFollowUpWarning`` says which and why.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import recidive as rc
from recidive.errors import ArgumentError, InsufficientFollowUpWarning


@pytest.fixture(scope="module")
def cohort():
    return rc.build_cohort(rc.datasets.reference_registry(n_persons=300, seed=1))


def _section(cohort, **kwargs):
    return rc.report.recidivism_section(cohort, **kwargs)


CASES = [
    ("rates horizons=[]", lambda c: rc.recidivism_rates(c, horizons=[]), "horizons is empty"),
    (
        "rates horizons=['x']",
        lambda c: rc.recidivism_rates(c, horizons=["x"]),
        "horizons must be numbers of years such as (2, 5, 7); got 'x'",
    ),
    (
        "rates horizons=[True]",
        lambda c: rc.recidivism_rates(c, horizons=[True]),
        "horizons must be numbers of years such as (2, 5, 7); got True",
    ),
    (
        "rates horizons=[-1]",
        lambda c: rc.recidivism_rates(c, horizons=[np.int64(-1)]),
        "horizons must be finite numbers of years >= 0; got -1.0",
    ),
    (
        "rates criteria=None",
        lambda c: rc.recidivism_rates(c, criteria=None),
        "criteria must be a list of names from: general,",
    ),
    (
        "rates criteria unknown",
        lambda c: rc.recidivism_rates(c, criteria=["general", "burglary"]),
        "criteria has unknown value(s) 'burglary'; use any of general,",
    ),
    (
        "rates criteria=[]",
        lambda c: rc.recidivism_rates(c, criteria=[]),
        "criteria is empty; give at least one of: general,",
    ),
    (
        "rates conf_level=95",
        lambda c: rc.recidivism_rates(c, conf_level=95),
        "conf_level must lie strictly between 0 and 1 (e.g. 0.95); got 95",
    ),
    (
        "age_profile horizon_years='x'",
        lambda c: rc.age_profile(c, horizon_years="x"),
        "horizon_years must be numbers of years such as (2, 5, 7); got 'x'",
    ),
    (
        "age_profile cut=2.5",
        lambda c: rc.age_profile(c, cut=2.5),
        "cut must be a whole number of years or None; got 2.5",
    ),
    (
        "section horizons=['x']",
        lambda c: _section(c, horizons=["x"]),
        "horizons must be numbers of years such as (2, 5, 7); got 'x'",
    ),
    ("section horizons=[]", lambda c: _section(c, horizons=[]), "horizons is empty"),
    (
        "section min_cell='10'",
        lambda c: _section(c, min_cell="10"),
        "min_cell must be a whole number of persons >= 1; got '10'",
    ),
    (
        "section min_cell=2.5",
        lambda c: _section(c, min_cell=2.5),
        "min_cell must be a whole number of persons >= 1; got 2.5",
    ),
    (
        "section min_cell=0",
        lambda c: _section(c, min_cell=0),
        "min_cell must be a whole number of persons >= 1 (1 switches suppression off); got 0",
    ),
    (
        "section min_cell=-1",
        lambda c: _section(c, min_cell=np.int64(-1)),
        "min_cell must be a whole number of persons >= 1 (1 switches suppression off); got -1",
    ),
    (
        "section benchmark='x'",
        lambda c: _section(c, benchmark="x"),
        "benchmark must be a share between 0 and 1 (e.g. 0.26); got 'x'",
    ),
    (
        "section benchmark=1.5",
        lambda c: _section(c, benchmark=1.5),
        "benchmark must be a share strictly between 0 and 1 (e.g. 0.26, not 26); got 1.5",
    ),
    (
        "section benchmark=26",
        lambda c: _section(c, benchmark=np.int64(26)),
        "benchmark must be a share strictly between 0 and 1 (e.g. 0.26, not 26); got 26",
    ),
    (
        "section lang='fr'",
        lambda c: _section(c, lang="fr"),
        "lang must be one of 'nl', 'en'; got 'fr'",
    ),
    (
        "section context=[1]",
        lambda c: _section(c, context=["tekst", 1]),
        "context must be a list of texts; got 1 in it",
    ),
    (
        "section population_label=3",
        lambda c: _section(c, population_label=3),
        "population_label must be a text or None; got 3",
    ),
    (
        "section generated_at text",
        lambda c: _section(c, generated_at="2024-01-01"),
        "generated_at must be a datetime.datetime; got '2024-01-01'",
    ),
    (
        "kaplan_meier time_unit",
        lambda c: rc.kaplan_meier([1, 2, 3], [1, 0, 1], time_unit="fortnights"),
        "time_unit must be one of 'days', 'weeks', 'months', 'years'; got 'fortnights'",
    ),
    (
        "survival_rates time_unit",
        lambda c: rc.survival_rates(c.survival_frame(), "days", "event", time_unit="fortnights"),
        "time_unit must be one of 'days', 'weeks', 'months', 'years'; got 'fortnights'",
    ),
    (
        "survival_rates conf_type",
        lambda c: rc.survival_rates(c.survival_frame(), "days", "event", conf_type="logit"),
        "conf_type must be one of 'log-log', 'log', 'plain'; got 'logit'",
    ),
    (
        "Registry cutoff_date=2022",
        lambda c: rc.Registry(pd.DataFrame(), pd.DataFrame(), cutoff_date=2022),
        "cutoff_date must be a date written YYYY-MM-DD such as '2022-06-30'; got 2022",
    ),
    (
        "CohortRules cutoff_date=np.int64",
        lambda c: rc.CohortRules(cutoff_date=np.int64(20220630)),
        "cutoff_date must be a date written YYYY-MM-DD such as '2022-06-30'; got 20220630",
    ),
    (
        "CohortRules cutoff after the registry's",
        lambda c: rc.build_cohort(
            rc.datasets.reference_registry(n_persons=50, seed=1),
            rc.CohortRules(cutoff_date="2023-01-01"),
        ),
        "cutoff_date 2023-01-01 is after the registry's data cut-off 2022-06-30",
    ),
    (
        "CoxModel conf_level",
        lambda c: rc.CoxModel(conf_level=np.float64(1.5)),
        "conf_level must lie strictly between 0 and 1 (e.g. 0.95); got 1.5",
    ),
    (
        "CoxModel max_iter",
        lambda c: rc.CoxModel(max_iter=np.int64(-4)),
        "max_iter must be a non-negative integer, got -4",
    ),
    (
        "Cox missing covariate row",
        lambda c: rc.CoxModel().fit(
            pd.DataFrame(
                {"t": [1, 2, 3, 4, 5], "e": [1, 0, 1, 1, 0], "x": [0.1, 0.3, np.nan, 0.2, 0.9]}
            ),  # fmt: skip
            duration="t",
            event="e",
            covariates=["x"],
        ),
        "covariate 'x' has missing or infinite values in 1 rows (first row 2)",
    ),
    (
        "save formats",
        lambda c: _FakeSave.run(),
        "formats must be among html, md, json; got ['pdf']",
    ),
]


class _FakeSave:
    """Section.save's format check, without building a section."""

    @staticmethod
    def run():
        from recidive.report.section import Section

        Section.save(None, "out", formats=("pdf",))


@pytest.mark.parametrize(("name", "call", "message"), CASES, ids=[c[0] for c in CASES])
def test_misuse_is_an_argument_error_with_a_plain_message(cohort, name, call, message):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ArgumentError) as info:
            call(cohort)
    text = str(info.value)
    assert text.startswith(message)
    assert "np." not in text and "numpy" not in text


def test_a_months_column_read_as_days_warns(cohort):
    frame = pd.DataFrame(
        {"months": [3, 10, 20, 40, 60, 84], "event": [1, 0, 1, 0, 1, 0], "g": list("ababab")}
    )
    with pytest.warns(InsufficientFollowUpWarning) as caught:
        table = rc.survival_rates(frame, "months", "event", by=["g"])
    assert table.to_frame()["status"].eq("insufficient_follow_up").all()
    assert str(caught[0].message) == (
        "9 of 9 rates are NaN (status 'insufficient_follow_up'): the horizon lies past the "
        "stratum's follow-up (g=all at 2 years; g=all at 5 years; g=all at 7 years, …); the "
        "longest follow-up is 84 days = 0.23 years. Ask for horizons within the follow-up, or "
        "check the time unit (a duration in months read as days ends far too early)"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        good = rc.survival_rates(frame, "months", "event", by=["g"], time_unit="months",
                                 horizons=(2, 5))  # fmt: skip
    assert good.to_frame()["status"].eq("ok").all()


def test_the_warning_names_the_strata_past_follow_up(cohort):
    with pytest.warns(InsufficientFollowUpWarning) as caught:
        table = rc.recidivism_rates(cohort, horizons=(2, 40), by=["age_group"])
    frame = table.to_frame()
    past = frame[frame["status"] == "insufficient_follow_up"]
    assert past["horizon_years"].eq(40).all() and past["rate"].isna().all()
    assert str(caught[0].message).startswith(
        f"{len(past)} of {len(frame)} rates are NaN (status 'insufficient_follow_up'): the "
        "horizon lies past the stratum's follow-up (criterion=general age_group=all at 40 years;"
    )
