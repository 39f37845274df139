"""The section's JSON against the JSON Schema shipped in the package.

Sections of both languages, of the default registry (large, nothing suppressed in the
headline numbers), of a small registry (cells under 10 occur) and of a tiny one (disclosure
control suppresses much) must validate; the schema must reject what it promises to reject
(a missing required key, an unknown key in a strict block, a wrong type) and accept a new
top-level block (the minor-bump policy of docs/section_json.md).
"""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path

import pytest
from report_helpers import build_section

from recidive.report import SCHEMA_VERSION, section_schema
from recidive.report.section_schema import SCHEMA_PATH

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def validator():
    schema = section_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def tiny_section_en(tiny_cohort):
    return build_section(tiny_cohort, lang="en")


def _errors(validator, data) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)
    ]


@pytest.mark.parametrize(
    "fixture",
    ["default_section_nl", "default_section_en", "small_section_nl", "tiny_section_en"],
)
def test_sections_validate(fixture, validator, request):
    section = request.getfixturevalue(fixture)
    data = json.loads(section.to_json())
    assert data["schema_version"] == SCHEMA_VERSION
    assert _errors(validator, data) == []


def test_tiny_section_has_suppressed_cells_that_validate(tiny_section_en, validator):
    data = json.loads(tiny_section_en.to_json())
    statuses = [cell["status"] for cell in data["numbers"]["by_type"].values()]
    assert "suppressed" in statuses  # the case the schema's nulls are for
    assert _errors(validator, data) == []


def test_saved_file_validates(small_section_nl, validator, tmp_path):
    small_section_nl.save(tmp_path, formats=("json",), figure_formats=())
    data = json.loads((tmp_path / "recidive.json").read_text(encoding="utf-8"))
    assert _errors(validator, data) == []


def test_schema_carries_the_version_the_documents_write():
    schema = section_schema()
    assert schema["x-schema-version"] == SCHEMA_VERSION
    major = SCHEMA_VERSION.split(".")[0]
    assert schema["properties"]["schema_version"]["pattern"].startswith(f"^{major}\\.")


def test_schema_is_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = config["tool"]["setuptools"]["package-data"]["recidive.report"]
    assert SCHEMA_PATH.name in package_data
    assert SCHEMA_PATH.parent == ROOT / "recidive" / "report"


def _changed(data, path, change):
    data = copy.deepcopy(data)
    *parents, last = path
    target = data
    for key in parents:
        target = target[key]
    change(target, last)
    return data


@pytest.mark.parametrize(
    ("path", "change", "where"),
    [
        (("schema_version",), lambda d, k: d.pop(k), ""),
        (("schema_version",), lambda d, k: d.__setitem__(k, "2.0.0"), "schema_version"),
        (("numbers", "general", "2", "rate"), lambda d, k: d.__setitem__(k, 1.5), "rate"),
        (("numbers", "general", "2", "extra"), lambda d, k: d.__setitem__(k, 1), "general/2"),
        (("numbers", "cohort", "n_analysed"), lambda d, k: d.__setitem__(k, "many"), "cohort"),
        (("provenance", "min_cell"), lambda d, k: d.pop(k), "provenance"),
        (("tables", "general", "columns"), lambda d, k: d[k][0].__setitem__("kind", "x"), "kind"),
        (("lang",), lambda d, k: d.__setitem__(k, "de"), "lang"),
    ],
    ids=[
        "no-version",
        "next-major",
        "rate-above-1",
        "unknown-key",
        "type",
        "missing",
        "column-kind",
        "language",
    ],  # fmt: skip
)
def test_schema_rejects(small_section_nl, validator, path, change, where):
    data = _changed(json.loads(small_section_nl.to_json()), path, change)
    errors = _errors(validator, data)
    assert errors and any(where in e for e in errors), errors


def test_new_blocks_are_allowed(small_section_nl, validator):
    """New top-level blocks, number blocks, tables and figure data are a minor bump."""
    data = json.loads(small_section_nl.to_json())
    data["trend"] = {"by": "exit_year", "rows": []}
    data["numbers"]["frequency"] = {"per_100": 80.5}
    data["tables"]["trend"] = copy.deepcopy(data["tables"]["general"])
    data["figures"][0]["data"]["trend_line"] = [1, 2]
    assert _errors(validator, data) == []
