"""The CLI's files leave the analysis environment: `rates` and `report` apply the policy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import recidive as rc
from recidive.cli import main


@pytest.fixture(scope="module")
def registry_files(tmp_path_factory):
    def write(n: int, seed: int):
        out = tmp_path_factory.mktemp(f"sim{n}")
        assert main(["simulate", "--n", str(n), "--seed", str(seed), "--out", str(out)]) == 0
        return [f"--{t}={out / (t + '.csv')}" for t in ("persons", "cases")] + [
            "--cutoff",
            "2022-06-30",
        ]

    return write


def test_rates_are_published_as_the_section_publishes_them(registry_files, tmp_path, capsys):
    files = registry_files(80, 3)
    out = tmp_path / "rates.csv"
    argv = ["rates", *files, "--criteria", "general,drugs", "--by", "age_group", "--quiet"]
    assert main([*argv, "--out", str(out), "--horizons", "1", "2", "5"]) == 0
    rates = pd.read_csv(out)
    assert not {"n_events", "n_at_risk", "std_err"} & set(rates.columns)
    shown = rates["rate"].dropna()
    assert (shown.round(3) == shown).all()  # the printed precision
    assert set(rates["status"]) <= {"ok", "suppressed", "insufficient_follow_up"}
    # the exact counts behind every published rate (recomputed from the cohort)
    registry = rc.Registry.from_files(
        persons=files[0].split("=")[1], cases=files[1].split("=")[1], cutoff_date="2022-06-30"
    )
    persons = rc.build_cohort(registry).persons
    for row in rates[rates["status"] == "ok"].itertuples():
        group = (
            persons if row.age_group == "all" else persons[persons["age_group"] == row.age_group]
        )
        days = group[f"{row.criterion}_days"].to_numpy()
        event = group[f"{row.criterion}_event"].to_numpy()
        reoffenders = int(((days <= row.horizon_years * 365.25) & (event == 1)).sum())
        assert reoffenders == 0 or reoffenders >= 10
        assert int((days >= row.horizon_years * 365.25).sum()) >= 10
    assert (rates["status"] == "suppressed").any()  # drugs in 80 persons: small counts


def test_min_cell_one_writes_the_exact_table(registry_files, tmp_path, capsys):
    out = tmp_path / "exact.csv"
    code = main(["rates", *registry_files(80, 3), "--min-cell", "1", "--out", str(out), "--quiet"])
    assert code == 0
    # the warning is one line on stderr (the CLI never raises its own warnings)
    assert "recidive: warning: min_cell=1 is below the usual threshold" in capsys.readouterr().err
    exact = pd.read_csv(out)
    assert {"n_events", "n_at_risk", "std_err"} <= set(exact.columns)
    assert not np.allclose(exact["rate"], exact["rate"].round(3))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "min_cell must be a whole number of persons >= 1"),
        ("-1", "min_cell must be a whole number of persons >= 1"),
        ("2.5", "argument --min-cell: invalid int value: '2.5'"),
    ],
)
@pytest.mark.parametrize("command", ["rates", "report"])
def test_bad_min_cell_is_refused_with_one_line(command, value, message, capsys):
    assert (
        main([command, "--min-cell", value, "--quiet", "--persons", "p.csv", "--cases", "c.csv"])
        == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_report_refuses_a_cohort_under_the_minimum(registry_files, tmp_path, capsys):
    files = registry_files(12, 4)
    capsys.readouterr()
    code = main(["report", *files, "--out", str(tmp_path / "out"), "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a section needs at least 20 (2 x min_cell" in err
    assert not (tmp_path / "out" / "recidive.json").exists()


def test_report_writes_svg_only_on_request(registry_files, tmp_path, capsys):
    files = registry_files(300, 5)
    assert main(["report", *files, "--format", "json", "--out", str(tmp_path), "--quiet"]) == 0
    assert not list(tmp_path.glob("figures/*.svg")) and list(tmp_path.glob("figures/*.png"))
    code = main(["report", *files, "--format", "json", "--svg", "--out", str(tmp_path), "--quiet"])
    assert code == 0 and list(tmp_path.glob("figures/*.nl.svg"))
    assert "recidive: warning:" in capsys.readouterr().err  # the suppressed cells, one line
