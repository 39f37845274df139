"""The :class:`Section`: an immutable recidivism section and its renderings.

A section holds numbers (after disclosure control), sentences, tables and
rendered figures, and renders them with the Jinja2 templates in
``recidive/report/templates/`` to Markdown, one self-contained HTML file and
JSON. It never estimates and never suppresses: it only shows what it was given.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from recidive.errors import ArgumentError
from recidive.report import formatting as fmt
from recidive.report.fragment import html_fragment
from recidive.report.section_files import (
    FORMATS,
    check_output_dir,
    fragment_name,
    section_stem,
    write_section_files,
)
from recidive.report.section_schema import SCHEMA_VERSION

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Column:
    """One column of a report table: frame column, header and how to format it.

    ``kind`` is ``"text"``, ``"percent"``, ``"ci"`` (from ``ci_lower``/``ci_upper``),
    ``"count"``, ``"ratio"``, ``"ratio_ci"`` or ``"p"``.
    """

    name: str
    header: str
    kind: str = "text"


@dataclass(frozen=True)
class Table:
    """A report table: numbers (suppressed cells NaN) with how to show them.

    Examples
    --------
    >>> import pandas as pd
    >>> t = Table("t", "Tabel 1", (Column("rate", "Recidive", "percent"),),
    ...           pd.DataFrame({"rate": [0.358, float("nan")], "status": ["ok", "suppressed"],
    ...                         "suppressed": ["", "rate"]}))
    >>> t.display_rows("nl")
    [['35,8%'], ['×']]
    """

    name: str
    title: str
    columns: tuple[Column, ...]
    frame: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """A copy of the numbers."""
        return self.frame.copy()

    def headers(self) -> list[str]:
        """Column headers."""
        return [c.header for c in self.columns]

    def display_rows(self, lang: str) -> list[list[str]]:
        """Every cell formatted for ``lang``; ``×`` suppressed, ``—`` not estimable."""
        return [[_display(row, c, lang) for c in self.columns] for _, row in self.frame.iterrows()]

    def to_dict(self) -> dict:
        """Title, columns and the numeric rows (NaN as ``None``)."""
        keep = [c for c in self.frame.columns if not c.startswith("_")]
        return {
            "title": self.title,
            "columns": [{"name": c.name, "header": c.header, "kind": c.kind} for c in self.columns],
            "rows": [to_jsonable(r) for r in self.frame[keep].to_dict(orient="records")],
            "notes": list(self.notes),
        }


def _missing(row: pd.Series, names: tuple[str, ...]) -> str | None:
    hidden = set(str(row.get("suppressed", "") or "").split(","))
    if row.get("status") == "suppressed" or hidden & set(names):
        return fmt.SUPPRESSED
    return fmt.NOT_ESTIMABLE


def _isnan(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _display(row: pd.Series, column: Column, lang: str) -> str:
    kind, name = column.kind, column.name
    if kind == "text":
        return "" if _isnan(row[name]) else str(row[name])
    if kind in ("ci", "ratio_ci"):
        lo, hi = row["ci_lower"], row["ci_upper"]
        if _isnan(lo) or _isnan(hi):
            return _missing(row, ("ci_lower", "ci_upper"))
        if kind == "ci":
            return fmt.format_interval(lo, hi, lang)
        return f"{fmt.format_ratio(lo, lang)}–{fmt.format_ratio(hi, lang)}"
    value = row[name]
    if _isnan(value):
        return _missing(row, (name,))
    if kind == "percent":
        return fmt.format_percent(value, lang, 1)
    if kind == "count":
        return fmt.format_count(value, lang)
    if kind == "ratio":
        return fmt.format_ratio(value, lang)
    if kind == "p":
        return fmt.format_p_value(value, lang).removeprefix("p = ").removeprefix("p ")
    raise ValueError(f"unknown column kind {kind!r}")


@dataclass(frozen=True)
class Figure:
    """A figure: the numbers it draws and its rendering as PNG and SVG.

    ``data`` holds exactly the published numbers the figure draws (curve points, bars,
    numbers at risk; written to the section's JSON). ``render(kind)`` draws them and
    returns PNG or SVG bytes; :attr:`png` and :attr:`svg` call it once, when first used.
    """

    name: str
    caption: str
    data: dict = field(default_factory=dict, repr=False)
    render: Callable[[str], bytes] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def png(self) -> bytes:
        """The figure as PNG (embedded in HTML, saved beside the Markdown)."""
        return self.render("png") if self.render else b""

    @cached_property
    def svg(self) -> str:
        """The figure as SVG text (saved only on request, see :meth:`Section.save`)."""
        return self.render("svg").decode("utf-8") if self.render else ""

    def data_uri(self) -> str:
        """The PNG as a ``data:`` URI."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")

    def path(self, lang: str, kind: str = "png") -> str:
        """The file ``save`` writes, relative to its directory: ``figures/<name>.<lang>.<kind>``.

        The language is in the name, so Dutch and English sections can share a directory.
        """
        return f"figures/{self.name}.{lang}.{kind}"

    def to_dict(self, lang: str) -> dict:
        """Name, caption, the PNG file ``save`` writes and the numbers drawn."""
        return {
            "name": self.name,
            "caption": self.caption,
            "files": [self.path(lang, "png")],
            "data": self.data,
        }


def to_jsonable(value):
    """Turn numpy/pandas scalars into Python, NaN into ``None``, recursively.

    Examples
    --------
    >>> import numpy as np
    >>> to_jsonable({"a": np.float64("nan"), "b": [np.int64(3)]})
    {'a': None, 'b': [3]}
    """
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


@dataclass(frozen=True)
class Section:
    """The recidivism section of the monitor, ready to render.

    Build it with :func:`recidive.report.recidivism_section`; every attribute is
    data (numbers after disclosure control and the text generated from them).

    Attributes
    ----------
    lang : str
        ``"nl"`` or ``"en"``.
    title, headline : str
    sentences : tuple of dict
        The key sentences (``key``, ``qualifier``, ``holds``, ``text``).
    qualifiers : dict
        Per qualifier whether it holds, its rule and the numbers it used.
    numbers : dict
        Key numbers with CI and n (``None`` where suppressed or not estimable).
    tables : tuple of Table
    figures : tuple of Figure
    context : tuple of str
        The caller's context paragraphs, as given.
    method : tuple of (str, str)
        The method box: label and text.
    provenance : dict
        Package version, data fingerprint, rules, generation date.
    notes : tuple of str
        Footnotes (suppression, insufficient follow-up, CI).

    Examples
    --------
    >>> import recidive as rc
    >>> cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=800, seed=5))
    >>> section = rc.report.recidivism_section(cohort, lang="en")  # doctest: +SKIP
    >>> section.headline  # doctest: +SKIP
    'RECIDIVISM IS HIGH, FAST AND SERIOUS'
    """

    lang: str
    title: str
    headline: str
    sentences: tuple[dict, ...]
    qualifiers: dict
    numbers: dict
    tables: tuple[Table, ...]
    figures: tuple[Figure, ...]
    context: tuple[str, ...]
    method: tuple[tuple[str, str], ...]
    provenance: dict
    notes: tuple[str, ...]
    benchmark: dict
    labels: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"Section(lang={self.lang!r}, headline={self.headline!r}, "
            f"{len(self.sentences)} sentences, {len(self.tables)} tables, "
            f"{len(self.figures)} figures)"
        )

    def table(self, name: str) -> Table:
        """The table called ``name`` (``general``, ``by_type``, ``by_age``, ``cox``,
        ``standardised``, ``attrition``)."""
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(f"no table {name!r}; tables: {[t.name for t in self.tables]}")

    # -- renderings -------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Every number (floats, ``None`` where suppressed) and every sentence, for JSON.

        The document follows the shipped JSON Schema (:func:`~recidive.report.section_schema`)
        of the version in its ``schema_version`` field.
        """
        return to_jsonable(
            {
                "schema_version": SCHEMA_VERSION,
                "lang": self.lang,
                "title": self.title,
                "headline": self.headline,
                "sentences": list(self.sentences),
                "qualifiers": self.qualifiers,
                "numbers": self.numbers,
                "benchmark": self.benchmark,
                "tables": {t.name: t.to_dict() for t in self.tables},
                "figures": [f.to_dict(self.lang) for f in self.figures],
                "context": list(self.context),
                "method": [{"label": k, "text": v} for k, v in self.method],
                "provenance": self.provenance,
                "notes": list(self.notes),
            }
        )

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text (no NaN)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    def _context(self, figure_src) -> dict:
        tables = [
            {
                "name": t.name,
                "title": t.title,
                "headers": t.headers(),
                "rows": t.display_rows(self.lang),
                "notes": t.notes,
                "numeric": [c.kind not in ("text",) for c in t.columns],
            }
            for t in self.tables
        ]
        return {
            "s": self,
            "lang": self.lang,
            "labels": self.labels,
            "provenance": [
                (self.labels.get("p_version", "version"), self.provenance.get("version")),
                (
                    self.labels.get("p_fingerprint", "fingerprint"),
                    self.provenance.get("fingerprint"),
                ),
                (
                    self.labels.get("p_rules", "rules"),
                    json.dumps(self.provenance.get("rules"), ensure_ascii=False, sort_keys=True),
                ),
                (self.labels.get("p_generated", "generated"), self.provenance.get("generated_at")),
            ],
            "tables": [t for t in tables if t["name"] != "attrition"],
            "attrition": next((t for t in tables if t["name"] == "attrition"), None),
            "figures": [
                {"name": f.name, "caption": f.caption, "src": figure_src(f)} for f in self.figures
            ],
        }

    def to_markdown(self) -> str:
        """The section as Markdown; figures refer to ``figures/<name>.<lang>.png`` (see :meth:`save`)."""
        template = _environment(html=False).get_template("section.md.j2")
        return template.render(**self._context(lambda f: f.path(self.lang))).strip() + "\n"

    def to_html(self) -> str:
        """The section as one self-contained HTML page (figures inline as base64 PNG)."""
        template = _environment(html=True).get_template("section.html.j2")
        return template.render(**self._context(Figure.data_uri))

    def to_html_fragment(self) -> str:
        """The section as an HTML fragment to place inside another page.

        No ``<html>``, ``<head>`` or ``<body>``: one ``<div class="recidive">`` holding a
        stylesheet scoped to it and the section, every class and id prefixed with
        ``recidive-`` (see :mod:`recidive.report.fragment`). Made from :meth:`to_html`, so
        the two show the same content.
        """
        return html_fragment(self.to_html(), self.lang)

    def _repr_html_(self) -> str:
        return self.to_html()

    def save(self, directory, formats=FORMATS, figure_formats=("png",)) -> list[Path]:
        """Write the section and its figures to ``directory``, all at once.

        Files: ``recidive.<fmt>`` (Dutch) or ``recidivism.<fmt>`` (English) and
        ``figures/<name>.<lang>.png`` (the Markdown refers to the PNGs); with ``"html"``
        also the fragment ``recidive.fragment.html`` (:meth:`to_html_fragment`), so a Dutch and
        an English section can be saved to the same directory. SVG figures are written
        only when ``figure_formats`` asks for them: they draw the same published points
        as the PNGs, but output checkers (ACRO among them) block SVG by default because
        vectors can carry exact values (see ``docs/disclosure.md``). The files are
        written to a temporary directory and moved into place, so an error or Ctrl-C
        leaves no partial section; files of an earlier save of the same language that
        this one does not write are removed (see :mod:`recidive.report.section_files`).

        Parameters
        ----------
        directory : str or Path
            Created if missing.
        formats : sequence of {"html", "md", "json"}
        figure_formats : sequence of {"png", "svg"}

        Returns
        -------
        list of Path
            Every file written: the section files in the order of ``formats``, then the
            HTML fragment (with ``"html"``), then the figure files.

        Raises
        ------
        recidive.errors.ArgumentError
            For an unknown format, or a directory that cannot be written.

        Examples
        --------
        >>> import recidive as rc
        >>> cohort = rc.build_cohort(rc.datasets.reference_registry(seed=2022))  # doctest: +SKIP
        >>> section = rc.report.recidivism_section(cohort)  # doctest: +SKIP
        >>> section.save("out/", formats=("html", "json"))  # doctest: +SKIP
        [PosixPath('out/recidive.html'), PosixPath('out/recidive.json'), ...]
        """
        if isinstance(formats, str):
            formats = (formats,)
        if isinstance(figure_formats, str):
            figure_formats = (figure_formats,)
        formats, figure_formats = tuple(formats), tuple(figure_formats)
        unknown = sorted(set(formats) - set(FORMATS))
        if unknown or not formats:
            raise ArgumentError(
                f"formats must be among {', '.join(FORMATS)}; got {unknown or list(formats)}"
            )
        unknown = sorted(set(figure_formats) - {"png", "svg"})
        if unknown:
            raise ArgumentError(f"figure_formats must be among png, svg; got {unknown}")
        check_output_dir(directory)
        stem = section_stem(self.lang)
        renders = {"html": self.to_html, "md": self.to_markdown, "json": self.to_json}
        files = {f"{stem}.{kind}": renders[kind]().encode("utf-8") for kind in formats}
        if "html" in formats:
            files[fragment_name(self.lang)] = self.to_html_fragment().encode("utf-8")
        for f in self.figures:
            for kind in figure_formats:
                data = f.png if kind == "png" else f.svg.encode("utf-8")
                files[f.path(self.lang, kind)] = data
        return write_section_files(directory, files, self.lang)


def _environment(html: bool):
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md_row"] = lambda cells: (
        "| " + " | ".join(str(v).replace("|", "\\|") for v in cells) + " |"
    )
    env.filters["md_rule"] = lambda numeric: (
        "|" + "|".join("---:" if n else ":---" for n in numeric) + "|"
    )
    return env
