"""The HTML section as a fragment: no page wrapper, namespaced classes, the page's content."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from recidive.report.fragment import html_fragment, scoped_css


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.classes, self.ids, self.text = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name == "class":
                self.classes.extend(value.split())
            elif name == "id":
                self.ids.append(value)

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())


def _parsed(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


@pytest.fixture(scope="module")
def page_and_fragment(small_section_nl):
    return small_section_nl.to_html(), small_section_nl.to_html_fragment()


def test_fragment_has_no_page_wrapper(page_and_fragment):
    _, fragment = page_and_fragment
    tags = _parsed(fragment).tags
    assert not {"html", "head", "body", "meta", "title"} & set(tags)
    assert "<!DOCTYPE" not in fragment
    assert fragment.startswith('<div class="recidive" lang="nl">')
    assert fragment.rstrip().endswith("</div>")


def test_every_class_and_id_is_namespaced(page_and_fragment):
    page, fragment = page_and_fragment
    got = _parsed(fragment)
    assert got.classes and all(c == "recidive" or c.startswith("recidive-") for c in got.classes)
    assert got.ids and all(i.startswith("recidive-") for i in got.ids)
    # the page's own classes and ids, each prefixed once
    want = _parsed(page)
    assert sorted(got.ids) == sorted(f"recidive-{i}" for i in want.ids)
    assert set(got.classes) - {"recidive"} == {f"recidive-{c}" for c in want.classes}


def test_stylesheet_is_scoped(page_and_fragment):
    _, fragment = page_and_fragment
    css = re.search(r"<style>(.*?)</style>", fragment, re.S).group(1)
    selectors = [s.strip() for s in re.findall(r"([^{}]+)\{", css)]
    rules = [s for s in selectors if not s.startswith("@")]
    assert rules and all(
        part.strip().startswith(".recidive") for s in rules for part in s.split(",")
    ), rules
    assert "@media print" in css
    assert not re.search(r"(^|[\s,}])(body|html|:root)\s*[{,]", css)


def test_fragment_shows_what_the_page_shows(small_section_nl, page_and_fragment):
    page, fragment = page_and_fragment
    page_text = _parsed(page).text
    fragment_text = _parsed(fragment).text
    title_index = page_text.index(f"{small_section_nl.title} — {small_section_nl.headline}")
    body_text = page_text[title_index + 1 :]
    css_text = [t for t in fragment_text if "{" in t]  # the stylesheet
    assert [t for t in fragment_text if t not in css_text] == [t for t in body_text if "{" not in t]
    assert fragment.count('<img src="data:image/png;base64,') == len(small_section_nl.figures)
    for sentence in small_section_nl.sentences:
        assert sentence["text"] in fragment


def test_english_fragment(small_cohort):
    from report_helpers import build_section

    fragment = build_section(small_cohort, lang="en").to_html_fragment()
    assert fragment.startswith('<div class="recidive" lang="en">')


def test_saved_beside_the_page_and_removed_when_stale(small_section_nl, tmp_path):
    written = small_section_nl.save(tmp_path, formats=("html",), figure_formats=())
    assert [p.name for p in written[:2]] == ["recidive.html", "recidive.fragment.html"]
    assert written[1].read_text(encoding="utf-8") == small_section_nl.to_html_fragment()
    small_section_nl.save(tmp_path, formats=("md",), figure_formats=())
    assert not (tmp_path / "recidive.fragment.html").exists()
    assert not (tmp_path / "recidive.html").exists()


def test_helpers():
    assert scoped_css("td.num, #t th { x: 1; }", ".s") == (
        ".s td.recidive-num, .s #recidive-t th { x: 1; }"
    )
    with pytest.raises(ValueError, match="<body>"):
        html_fragment("<p>no page</p>", "nl")
