"""Rendered output: Markdown and JSON snapshots, self-contained HTML, files, progress."""

from __future__ import annotations

import json
import re

import pytest
from report_helpers import build_section, compare_snapshot

import recidive as rc
from recidive.errors import SmallCellWarning

# left out of snapshots: they change without the section changing (the fingerprint is
# checked against the cohort in test_reference_section.py)
VOLATILE = ("version", "generated_at", "fingerprint")


def rounded(value, digits=8):
    """Floats to 8 decimals so the snapshot does not depend on the last bits."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v, digits) for v in value]
    return value


def stable_json(section) -> str:
    data = section.to_dict()
    for key in VOLATILE:
        data["provenance"].pop(key)
    return json.dumps(rounded(data), indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def stable_markdown(section) -> str:
    text = section.to_markdown()
    text = text.replace(f"`{rc.__version__}`", "`<version>`")
    text = text.replace(f"`{section.provenance['fingerprint']}`", "`<fingerprint>`")
    return re.sub(r"`\d{4}-\d\d-\d\dT[\d:+]+`", "`<generated>`", text)


def test_markdown_snapshot(small_section_nl):
    compare_snapshot("section_small_nl.md", stable_markdown(small_section_nl))


def test_json_snapshot(small_section_nl):
    compare_snapshot("section_small_nl.json", stable_json(small_section_nl))


def test_english_markdown_snapshot(small_cohort):
    section = build_section(small_cohort, lang="en")
    compare_snapshot("section_small_en.md", stable_markdown(section))


def test_json_is_strict_and_numbers_are_floats(small_section_nl):
    data = json.loads(small_section_nl.to_json())  # allow_nan=False inside: no NaN
    cell = data["numbers"]["general"]["2"]
    assert isinstance(cell["rate"], float) and isinstance(cell["ci_lower"], float)
    assert isinstance(cell["n"], int)
    keys = [s["key"] for s in data["sentences"]]
    assert keys[:4] == ["high", "fast", "serious", "young"]
    assert "frequency" in keys and "benchmark" in keys
    assert all(isinstance(s["text"], str) for s in data["sentences"])
    assert set(data["qualifiers"]) == {"high", "fast", "serious", "young"}


def test_html_is_self_contained(small_section_nl):
    html = small_section_nl.to_html()
    n_figures = len(small_section_nl.figures)
    assert n_figures == 4
    embedded = html.count('<img src="data:image/png;base64,') + html.count("<svg")
    assert embedded == n_figures
    assert not re.search(r"""(src|href)=["'](?!data:)""", html)
    assert "<link" not in html and "<script" not in html and "@import" not in html
    assert '<html lang="nl">' in html
    assert "@media print" in html
    assert small_section_nl.headline in html
    assert small_section_nl._repr_html_() == html


def test_context_is_placed_as_given(small_cohort):
    paragraphs = [
        "Er worden weinig toezichttrajecten gestart voor daders van mensenhandel.",
        "Tekst met <tags> & tekens.",
    ]
    section = build_section(small_cohort, lang="nl", context=paragraphs)
    assert section.context == tuple(paragraphs)
    markdown = section.to_markdown()
    assert paragraphs[0] in markdown
    assert markdown.index(paragraphs[0]) > markdown.index(section.sentences[-1]["text"])
    assert "Tekst met &lt;tags&gt; &amp; tekens." in section.to_html()


def test_save_writes_every_format_and_figure(small_section_nl, tmp_path):
    written = small_section_nl.save(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {
        "figures",
        "recidive.html",
        "recidive.fragment.html",
        "recidive.md",
        "recidive.json",
    }
    names = sorted(p.name for p in (tmp_path / "figures").iterdir())
    # PNG only by default: output checkers block SVG (docs/disclosure.md)
    assert names == sorted(f"{f.name}.nl.png" for f in small_section_nl.figures)
    assert written[:4] == [
        tmp_path / f"recidive.{ext}" for ext in ("html", "md", "json", "fragment.html")
    ]
    assert len(written) == 4 + len(small_section_nl.figures)
    markdown = written[1].read_text(encoding="utf-8")
    for f in small_section_nl.figures:
        assert f"figures/{f.name}.nl.png" in markdown
    with pytest.raises(rc.RecidiveError, match="formats"):
        small_section_nl.save(tmp_path, formats=("pdf",))
    with pytest.raises(rc.RecidiveError, match="figure_formats"):
        small_section_nl.save(tmp_path, figure_formats=("eps",))


def test_svg_figures_on_request(small_section_nl, tmp_path):
    written = small_section_nl.save(tmp_path, formats=("json",), figure_formats=("png", "svg"))
    svgs = [p for p in written if p.suffix == ".svg"]
    assert len(svgs) == len(small_section_nl.figures)
    for path, figure in zip(svgs, small_section_nl.figures, strict=True):
        assert path.read_text(encoding="utf-8") == figure.svg and "<svg" in figure.svg


def test_insufficient_follow_up_shows_a_dash(small_cohort):
    section = build_section(small_cohort, lang="nl", horizons=range(1, 31))
    table = section.table("general")
    frame = table.to_frame()
    late = frame[frame["horizon_years"] == 30].iloc[0]
    assert late["status"] == "insufficient_follow_up" and late["rate"] != late["rate"]
    assert table.display_rows("nl")[-1][1:3] == ["—", "—"]
    assert any("insufficient_follow_up" in note for note in table.notes)
    assert section.numbers["general"]["30"]["rate"] is None


def test_progress_messages(small_cohort):
    messages = []
    with pytest.warns(SmallCellWarning):
        rc.report.recidivism_section(small_cohort, progress=messages.append)
    assert len(messages) >= 5 and all(isinstance(m, str) and m for m in messages)
    assert any("Cox" in m for m in messages)


def test_bad_language(small_cohort):
    with pytest.raises(rc.RecidiveError, match="lang"):
        rc.report.recidivism_section(small_cohort, lang="de")


def test_dutch_and_english_sections_share_a_directory(small_cohort, small_section_nl, tmp_path):
    english = build_section(small_cohort, lang="en")
    small_section_nl.save(tmp_path, formats=("md",))
    english.save(tmp_path, formats=("md",))
    for section, stem in ((small_section_nl, "recidive"), (english, "recidivism")):
        markdown = (tmp_path / f"{stem}.md").read_text(encoding="utf-8")
        for f in section.figures:
            path = f.path(section.lang)
            assert path in markdown and (tmp_path / path).read_bytes() == f.png
