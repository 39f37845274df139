"""The section's trend block on the default registry: table, figure, method, both languages.

The default registry's composition shifts over the exit years (younger, more prior cases)
while the true hazard falls 2% a year (``recidive.datasets._model``): observed 2-year
recidivism rises, adjusted recidivism falls. The block must show that, with the words
"uitstroomjaar" / "year of exit", and publish an adjusted rate only where the observed
one is published.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import recidive as rc
from recidive.report.trend_content import MIN_EXIT_YEARS, trend_content
from recidive.report.trend_section import TREND_WORDS


@pytest.mark.parametrize(("lang", "year_word"), [("nl", "uitstroomjaar"), ("en", "year of exit")])
def test_the_default_section_has_the_trend_block(request, lang, year_word, default_cohort):
    section = request.getfixturevalue(f"default_section_{lang}")
    table = section.table("trend")
    assert year_word in table.title.lower()
    figure = next(f for f in section.figures if f.name == "figure_trend")
    assert year_word in figure.caption.lower()
    assert figure.png.startswith(b"\x89PNG") and 'id="plot-area"' in figure.svg
    label, text = next((k, v) for k, v in section.method if k == TREND_WORDS[lang]["method"])
    # the method box names the covariates corrected for
    for covariate in ("sex", "age_at_index", "prior_cases"):
        assert TREND_WORDS[lang][covariate] in text
    markdown = section.to_markdown()
    assert table.title in markdown and figure.caption in markdown
    frame = table.to_frame()
    observed = frame[frame["measure"] == "observed"].set_index("exit_year")["rate"]
    adjusted = frame[frame["measure"] == "adjusted"].set_index("exit_year")["rate"]
    assert observed.notna().sum() >= MIN_EXIT_YEARS
    # the history the generator documents: observed rises, adjusted falls
    years = observed.index.to_numpy(float)
    assert np.polyfit(years, observed.to_numpy(), 1)[0] > 0
    assert np.polyfit(years, adjusted.to_numpy(), 1)[0] < 0
    # the figure draws exactly the table's published points
    drawn = {s["measure"]: s["points"] for s in figure.data["series"]}
    assert [p["rate"] for p in drawn["observed"]] == observed.dropna().tolist()
    assert [p["rate"] for p in drawn["adjusted"]] == adjusted.dropna().tolist()


def test_the_json_has_the_trend_table_and_figure(default_section_en):
    data = default_section_en.to_dict()
    rows = data["tables"]["trend"]["rows"]
    assert {r["measure"] for r in rows} == {"observed", "adjusted"}
    assert "n" not in rows[0]  # no group sizes in the trend block
    assert any(f["name"] == "figure_trend" for f in data["figures"])


def _subset(cohort, keep: np.ndarray):
    return rc.Cohort(
        cohort.persons[keep].reset_index(drop=True), cohort.attrition, cohort.cases,
        cohort.rules, cohort.cutoff_date, cohort.fingerprint, cohort.criteria,
    )  # fmt: skip


def test_adjusted_is_hidden_with_the_observed_rate():
    cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=3000, seed=1))
    # five persons left in 2010: that year is hidden (R1), and one more to protect it (R2)
    keep = np.ones(len(cohort.persons), bool)
    keep[np.flatnonzero(cohort.persons["exit_year"].to_numpy() == 2010)[5:]] = False
    content = trend_content(_subset(cohort, keep), min_cell=10)
    assert content is not None
    rows = content.rows
    observed = rows[rows["measure"] == "observed"].set_index("exit_year")
    adjusted = rows[rows["measure"] == "adjusted"].set_index("exit_year")
    hidden = observed["status"] == "suppressed"
    assert hidden.sum() == 2 and hidden[2010]
    assert (adjusted.loc[hidden, "status"] == "suppressed").all()
    assert adjusted.loc[hidden, "rate"].isna().all()
    assert adjusted.loc[~hidden, "rate"].notna().all()
    # rates at the published precision
    shown = pd.concat([observed.loc[~hidden, "rate"], adjusted.loc[~hidden, "rate"]])
    assert np.allclose(shown, shown.round(3))


def test_no_trend_block_with_fewer_than_three_exit_years():
    cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=3000, seed=1))
    keep = cohort.persons["exit_year"].isin([2012, 2013]).to_numpy()
    assert trend_content(_subset(cohort, keep)) is None
