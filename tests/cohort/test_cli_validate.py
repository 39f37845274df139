"""``recidive validate``: a summary on good input, one stderr line and exit 2 on bad."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from bad_inputs import BAD
from registry_builders import CUTOFF

from recidive.cli import SUBCOMMANDS, main

CLI_BAD = [b for b in BAD if b.cli]


def _args(inputs: dict, tmp: Path) -> list[str]:
    args = ["validate", "--cutoff", CUTOFF]
    for table in ("persons", "cases", "detentions"):
        source = inputs.get(table)
        if isinstance(source, pd.DataFrame):
            path = tmp / f"{table}_in.csv"
            source.to_csv(path, index=False)
            source = path
        if source is not None:
            args += [f"--{table}", str(source)]
    return args


def test_validate_prints_summary_and_attrition(good_tables, tmp_path, capsys):
    code = main(_args(good_tables, tmp_path))
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert "registry OK" in out
    assert "persons analysed 3 of 3" in out
    assert f"cut-off     {CUTOFF} (given)" in out
    assert "attrition:" in out and "offence_before_start" in out


@pytest.mark.parametrize("bad", CLI_BAD, ids=[b.id for b in CLI_BAD])
def test_bad_input_gives_one_line_and_exit_2(bad, good_tables, tmp_path, capsys):
    code = main(_args(bad.make(good_tables, tmp_path), tmp_path))
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("recidive: error: ")


def test_same_message_as_the_library(good_tables, tmp_path, capsys):
    bad = next(b for b in BAD if b.id == "release before disposal")
    main(_args(bad.make(good_tables, tmp_path), tmp_path))
    assert capsys.readouterr().err == f"recidive: error: {bad.message}\n"


@pytest.mark.parametrize(
    "argv",
    [[], ["validate"], ["validate", "--persons", "p.csv"], ["frobnicate"]],
    ids=["no command", "no files", "no cases", "unknown command"],
)
def test_usage_errors_are_one_line(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("recidive: error: ")


def test_bad_cutoff_is_one_line(good_tables, tmp_path, capsys):
    args = _args(good_tables, tmp_path)
    args[args.index("--cutoff") + 1] = "gisteren"
    assert main(args) == 2
    assert capsys.readouterr().err == (
        "recidive: error: --cutoff must be a date written YYYY-MM-DD such as '2022-06-30'; "
        "got 'gisteren'\n"
    )


def test_help_exits_0(capsys):
    assert main(["--help"]) == 0
    assert "validate" in capsys.readouterr().out


def test_subcommands_are_a_table():
    assert list(SUBCOMMANDS) == ["report", "rates", "simulate", "validate"]


def test_python_m_recidive_shows_no_traceback(tmp_path):
    garbage = tmp_path / "persons.csv"
    garbage.write_bytes(b"\x00\x01\x02 not a table")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "recidive",
            "validate",
            "--persons",
            str(garbage),
            "--cases",
            str(garbage),
            "--cutoff",
            CUTOFF,
        ],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("recidive: error: persons file")
    assert result.stderr.count("\n") == 1
