"""The CLI's simulate, rates and report commands, in-process and as a subprocess."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from lifelines import KaplanMeierFitter

import recidive as rc
from recidive.cli import main
from recidive.datasets import load_rossi


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim")
    assert main(["simulate", "--n", "300", "--seed", "5", "--out", str(out)]) == 0
    return out


def test_simulate_writes_tables_that_validate(simulated, capsys):
    assert sorted(p.name for p in simulated.iterdir()) == [
        "cases.csv",
        "detentions.csv",
        "extract.json",
        "persons.csv",
    ]
    assert len(pd.read_csv(simulated / "persons.csv")) == 300
    args = [f"--{t}={simulated / (t + '.csv')}" for t in ("persons", "cases", "detentions")]
    assert main(["validate", *args, "--cutoff", "2022-06-30"]) == 0
    out = capsys.readouterr().out
    assert "registry OK" in out and "2022-06-30 (given)" in out
    assert main(["validate", *args]) == 0  # the cut-off from extract.json
    assert f"2022-06-30 (from {simulated / 'extract.json'})" in capsys.readouterr().out


def test_rates_on_a_ready_survival_file_equal_lifelines(tmp_path, capsys):
    rossi = load_rossi()
    path = tmp_path / "rossi.csv"
    rossi.to_csv(path, index=False)
    out = tmp_path / "rates.csv"
    code = main(
        ["rates", "--survival", str(path), "--duration", "week", "--event", "arrest",
         "--by", "fin", "--time-unit", "weeks", "--horizons", "0.5", "--out", str(out),
         "--quiet", "--min-cell", "1"]
    )  # fmt: skip
    assert code == 0
    # exact rates: the CLI says, as one line, that 1 is below the usual threshold
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("recidive: warning: min_cell=1 is below the usual")
    rates = pd.read_csv(out)
    weeks = 0.5 * 365.25 / 7
    for fin in (0, 1):
        sub = rossi[rossi["fin"] == fin]
        kmf = KaplanMeierFitter().fit(sub["week"], sub["arrest"])
        expected = 1 - float(kmf.survival_function_at_times(weeks).iloc[0])
        row = rates[rates["fin"].astype(str) == str(fin)]
        assert row["rate"].iloc[0] == pytest.approx(expected, abs=1e-12)


def test_rates_on_registry_files_prints_a_table(simulated, capsys):
    args = [f"--{t}={simulated / (t + '.csv')}" for t in ("persons", "cases")]
    assert main(["rates", *args, "--criteria", "general,violence", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "general" in out and "violence" in out and "horizon_years" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["rates", "--persons", "p.csv"], "give both --persons and --cases, or neither"),
        (["rates", "--survival", "x.csv"], "--survival needs --duration COL and --event COL"),
        (
            ["rates", "--survival", "nope.csv", "--duration", "d", "--event", "e"],
            "survival file nope.csv does not exist",
        ),
        (
            ["rates", "--criteria", "burglary", "--quiet"],
            "criteria has unknown value(s) 'burglary'",
        ),
        (["simulate", "--n", "0", "--out", "x"], "--n must be a positive number of persons"),
        (["report", "--format", "pdf"], "--format takes html, md and json"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("recidive: error: ")
    assert message in err


def test_missing_survival_column_is_named(tmp_path, capsys):
    path = tmp_path / "s.csv"
    pd.DataFrame({"days": [1, 2], "event": [0, 1]}).to_csv(path, index=False)
    argv = ["rates", "--survival", str(path), "--duration", "days", "--event", "status"]
    assert main(argv) == 2
    assert "has no column status; its columns are days, event" in capsys.readouterr().err


def test_subprocess_error_has_no_traceback(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(b"\x00\x01\x02garbage")
    result = subprocess.run(
        [sys.executable, "-m", "recidive", "rates", "--survival", str(path),
         "--duration", "d", "--event", "e"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


def test_rates_without_files_use_the_seeds_population(capsys):
    assert main(["rates", "--horizons", "2", "7"]) == 0
    captured = capsys.readouterr()
    assert (
        "population: offenders of domestic sexual exploitation "
        "(exploitation_form=binnenlands_seksueel), the seed's population" in captured.err
    )
    lines = captured.out.splitlines()
    rates = {float(line.split()[1]): float(line.split()[5]) for line in lines[1:]}
    assert rates == {2.0: pytest.approx(0.36, abs=0.01), 7.0: pytest.approx(0.65, abs=0.01)}
    assert main(["rates", "--horizons", "7", "--population", "all"]) == 0
    captured = capsys.readouterr()
    assert "population: every person" in captured.err
    everyone = float(captured.out.splitlines()[1].split()[5])
    assert everyone < rates[7.0] - 0.03  # the other forms reoffend less


def test_population_on_registry_files(simulated, capsys):
    files = [f"--{t}={simulated / (t + '.csv')}" for t in ("persons", "cases")]
    registry = rc.Registry.from_files(
        persons=simulated / "persons.csv", cases=simulated / "cases.csv", cutoff_date="2022-06-30"
    )
    rules = rc.CohortRules(
        population={"exploitation_form": ["binnenlands_seksueel", "arbeid"], "sex": ["M"]}
    )
    expected = rc.recidivism_rates(rc.build_cohort(registry, rules), horizons=(5,)).to_frame()
    argv = ["rates", *files, "--cutoff", "2022-06-30", "--horizons", "5", "--min-cell", "1"]
    argv += ["--out"]
    out = simulated / "rates.csv"
    populations = ["exploitation_form=binnenlands_seksueel", "exploitation_form=arbeid", "sex=M"]
    options = [x for p in populations for x in ("--population", p)]
    assert main([*argv, str(out), *options]) == 0
    assert "population: the persons with exploitation_form in binnenlands_seksueel, arbeid; " in (
        capsys.readouterr().err
    )
    got = pd.read_csv(out)
    assert got["n"].iloc[0] == expected["n"].iloc[0] < len(registry.persons)
    assert got["rate"].iloc[0] == pytest.approx(expected["rate"].iloc[0], abs=1e-12)
    # registry files without --population: everyone
    assert main([*argv, str(out), "--quiet"]) == 0
    assert pd.read_csv(out)["n"].iloc[0] > expected["n"].iloc[0]


def test_population_on_a_survival_file(tmp_path, capsys):
    rossi = load_rossi()
    path = tmp_path / "rossi.csv"
    rossi.to_csv(path, index=False)
    out = tmp_path / "rates.csv"
    argv = ["rates", "--survival", str(path), "--duration", "week", "--event", "arrest",
            "--time-unit", "weeks", "--horizons", "0.5", "--out", str(out),
            "--population", "fin=1"]  # fmt: skip
    assert main(argv) == 0
    assert pd.read_csv(out)["n"].iloc[0] == (rossi["fin"] == 1).sum()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("exploitation_form", "--population takes COL=VALUE[,VALUE...] (or 'all'), got "),
        ("=arbeid", "--population takes COL=VALUE[,VALUE...]"),
        ("exploitation_form=", "--population takes COL=VALUE[,VALUE...]"),
        ("exploitation_form=arbeid,foo", "population['exploitation_form'] has 'foo', not a code"),
        ("region=Utrecht", "population column 'region' is not a column of persons"),
    ],
)
def test_bad_population_options_give_one_line(option, message, simulated, capsys):
    files = [f"--{t}={simulated / (t + '.csv')}" for t in ("persons", "cases")]
    assert main(["rates", *files, "--quiet", "--population", option]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("recidive: error: ")
    assert message in err
