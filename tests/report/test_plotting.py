"""Plot functions take results, draw on ``ax`` and return it; they never fit."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import recidive as rc  # noqa: E402
from recidive import plotting  # noqa: E402


@pytest.fixture
def km():
    rng = np.random.default_rng(1)
    time = rng.integers(1, 3000, 200)
    event = rng.integers(0, 2, 200)
    return rc.kaplan_meier(time, event)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_cumulative_returns_the_axes_and_draws_at_risk_from_the_table(km):
    fig, ax = plt.subplots()
    out = plotting.plot_cumulative_recidivism(km, ax=ax, benchmark=0.26, min_cell=10)
    assert out is ax
    frame = km.to_frame()
    expected = plotting.at_risk_counts(frame, range(8))
    assert expected[0] == 200
    shown = [t.get_text() for t in ax.texts][1:]
    assert shown == ["<10" if 0 < n < 10 else str(n) for n in expected]
    assert ax.get_ylim() == (0, 1)
    # the curve stops where fewer than 10 are at risk
    line = ax.lines[0]
    last = frame[frame["n_at_risk"] >= 10]["time"].max() / 365.25
    assert line.get_xdata().max() == pytest.approx(last)


def test_new_axes_when_none(km):
    ax = plotting.plot_cumulative_recidivism(km.to_frame(), at_risk_times=None)
    assert ax.figure is not None


def test_rates_input_draws_points(km):
    rates = pd.DataFrame(
        {
            "horizon_years": [1, 2, 3],
            "rate": [0.1, 0.2, 0.3],
            "ci_lower": [0.05, 0.15, 0.25],
            "ci_upper": [0.15, 0.25, 0.35],
        }
    )
    ax = plotting.plot_cumulative_recidivism(rates, benchmark=(0.26, 2, "WODC"))
    assert list(ax.lines[0].get_xdata()) == [0, 1, 2, 3]
    assert ax.get_legend().get_texts()[0].get_text() == "WODC"


def test_rates_by_criterion_marks_suppressed_cells():
    table = pd.DataFrame(
        {
            "criterion": ["property", "violence", "drugs"],
            "horizon_years": 5.0,
            "rate": [0.28, np.nan, 0.12],
            "ci_lower": [0.25, np.nan, 0.1],
            "ci_upper": [0.31, np.nan, 0.14],
        }
    )
    ax = plotting.plot_rates_by_criterion(
        table, labels={"property": "P", "violence": "V", "drugs": "D"}
    )
    assert [t.get_text() for t in ax.get_yticklabels()] == ["P", "V", "D"]
    assert "×" in [t.get_text() for t in ax.texts]
    assert len(ax.patches) == 2


def test_curves_by_group(km):
    ax = plotting.plot_curves_by_group({"<23": km, "23+": km}, annotation="p = 0,5", decimal=",")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["<23", "23+"]
    assert ax.texts[-1].get_text() == "p = 0,5"


def test_bad_time_unit(km):
    with pytest.raises(rc.RecidiveError, match="time_unit"):
        plotting.plot_cumulative_recidivism(km, time_unit="fortnights")
