"""The write path of a section: all files or none, nothing stale, reproducible, Ctrl-C safe."""

from __future__ import annotations

import doctest
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from recidive.cli import main
from recidive.errors import ArgumentError
from recidive.report import pipeline, section_files
from recidive.report.pipeline import generation_time

ROOT = Path(__file__).resolve().parents[2]


def _files(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def _section_files(lang: str, figures=("a", "b")) -> dict[str, bytes]:
    stem = section_files.section_stem(lang)
    files = {f"{stem}.{kind}": f"{kind} {lang}".encode() for kind in ("html", "md", "json")}
    for name in figures:
        files[f"figures/{name}.{lang}.png"] = b"png"
        files[f"figures/{name}.{lang}.svg"] = b"<svg/>"
    return files


def test_files_are_written_and_listed_in_order(tmp_path):
    files = _section_files("nl")
    written = section_files.write_section_files(tmp_path / "out", files, "nl")
    assert [p.relative_to(tmp_path / "out").as_posix() for p in written] == list(files)
    assert _files(tmp_path / "out") == files  # no temporary directory left behind


def test_stale_files_of_the_same_language_go_the_other_languages_stay(tmp_path):
    out = tmp_path / "out"
    section_files.write_section_files(out, _section_files("en"), "en")
    section_files.write_section_files(out, _section_files("nl", ("a", "b", "c")), "nl")
    (out / "notes.txt").write_text("mine")  # not a section file: never touched
    # a second Dutch run: figure c withheld, HTML not asked for
    again = {k: v for k, v in _section_files("nl", ("a", "b")).items() if "html" not in k}
    section_files.write_section_files(out, again, "nl")
    left = _files(out)
    assert not any(name.endswith((".nl.png", ".nl.svg")) and "/c." in name for name in left)
    assert "recidive.html" not in left and left["recidive.md"] == b"md nl"
    assert {k: v for k, v in left.items() if ".en." in k or "recidivism" in k} == _section_files(
        "en"
    )
    assert left["notes.txt"] == b"mine"


def test_an_error_while_writing_leaves_the_earlier_section(tmp_path, monkeypatch):
    out = tmp_path / "out"
    section_files.write_section_files(out, _section_files("nl"), "nl")
    before = _files(out)
    real = Path.write_bytes
    calls = []

    def failing(self, data):
        calls.append(self)
        if len(calls) == 4:
            raise KeyboardInterrupt  # Ctrl-C halfway through the files
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing)
    new = {k: v + b" new" for k, v in _section_files("nl", ("a", "z")).items()}
    with pytest.raises(KeyboardInterrupt):
        section_files.write_section_files(out, new, "nl")
    assert _files(out) == before


def test_the_section_saves_through_the_write_path(small_section_nl, tmp_path):
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "old_unsuppressed.nl.png").write_bytes(b"stale")
    written = small_section_nl.save(tmp_path, formats=("md",))
    assert not (tmp_path / "figures" / "old_unsuppressed.nl.png").exists()
    assert {p.name for p in tmp_path.iterdir()} == {"recidive.md", "figures"}
    assert set(written) == {p for p in tmp_path.rglob("*") if p.is_file()}


@pytest.mark.parametrize("formats", [("pdf",), (), "docx"])
def test_save_refuses_unknown_formats(small_section_nl, tmp_path, formats):
    with pytest.raises(ArgumentError, match="formats must be among html, md, json"):
        small_section_nl.save(tmp_path, formats=formats)


def test_output_directory_checks(tmp_path):
    assert section_files.check_output_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert not (tmp_path / "a").exists()  # checked, not made
    (tmp_path / "file").write_text("x")
    with pytest.raises(ArgumentError, match="it is a file, not a directory"):
        section_files.check_output_dir(tmp_path / "file")
    with pytest.raises(ArgumentError, match="/file' is a file, not a directory"):
        section_files.check_output_dir(tmp_path / "file" / "sub")
    with pytest.raises(ArgumentError, match=r"cannot write the output to '/proc/1/out' \("):
        section_files.check_output_dir("/proc/1/out")


def test_report_checks_out_before_the_work(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    start = time.perf_counter()
    assert main(["report", "--out", str(tmp_path / "file" / "out")]) == 2
    assert time.perf_counter() - start < 5  # no registry was simulated
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("recidive: error: cannot write the output to ")


def test_generation_time_honours_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1670284800")
    assert generation_time() == datetime(2022, 12, 6, tzinfo=UTC)
    given = datetime(2024, 1, 1, tzinfo=UTC)
    assert generation_time(given) is given
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ArgumentError, match="SOURCE_DATE_EPOCH must be a whole number"):
        generation_time()
    with pytest.raises(ArgumentError, match="generated_at must be a datetime.datetime"):
        generation_time("2024-01-01")
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert (datetime.now(UTC) - generation_time()).total_seconds() < 60


# -- the command as a subprocess -------------------------------------------------------------


def _recidive(*args, env=None, **kwargs) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "recidive", *args],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


@pytest.fixture(scope="module")
def registry_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("registry")
    assert main(["simulate", "--n", "400", "--seed", "7", "--out", str(out)]) == 0
    return [f"--{t}={out / (t + '.csv')}" for t in ("persons", "cases", "detentions")]


def test_two_runs_give_byte_identical_files(registry_files, tmp_path):
    runs = []
    for k, env in enumerate(({"SOURCE_DATE_EPOCH": "1670284800"}, {"PYTHONHASHSEED": "1"})):
        out = tmp_path / f"run{k}"
        extra = [] if "SOURCE_DATE_EPOCH" in env else ["--generated-at", "2022-12-06"]
        process = _recidive("report", *registry_files, "--out", str(out), "--quiet", "--svg",
                            *extra, env={"PYTHONHASHSEED": str(k), **env})  # fmt: skip
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        runs.append(_files(out))
    first, second = runs
    assert first.keys() == second.keys()
    assert {"recidive.html", "recidive.md", "recidive.json"} <= first.keys()
    assert any(name.endswith(".svg") for name in first)
    for name in first:
        assert first[name] == second[name], name
    assert b'"generated_at": "2022-12-06T00:00:00+00:00"' in first["recidive.json"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--generated-at", "06-12-2022"], "--generated-at must be a date written YYYY-MM-DD"),
        (["--min-cell", "0"], "min_cell must be a whole number of persons >= 1"),
        (["--format", "pdf"], "--format takes html, md and json, got 'pdf'"),
    ],
)
def test_report_arguments_are_one_line(args, message, capsys):
    assert main(["report", "--quiet", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"recidive: error: {message}") and err.count("\n") == 1


def test_ctrl_c_exits_130_with_one_line_and_no_partial_section(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "recidive.md").write_text("an earlier section")
    process = _recidive("report", "--out", str(out))
    # wait until the work is under way (the synthetic registry is being generated or used)
    lines = []
    for line in process.stderr:
        lines.append(line)
        if "building the cohort" in line:
            break
    process.send_signal(signal.SIGINT)
    stdout, rest = process.communicate(timeout=120)
    err = [*lines, *rest.splitlines(keepends=True)]
    assert process.returncode == 130
    assert err[-1] == "recidive: interrupted\n"
    assert not any("Traceback" in line for line in err)
    assert all(line.startswith("recidive: ") for line in err)  # progress lines, then one
    assert stdout == ""
    assert _files(out) == {"recidive.md": b"an earlier section"}


@pytest.mark.parametrize("module", [section_files, pipeline])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
