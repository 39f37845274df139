"""An attacker who reads only a section's published files and tries every route to a small count.

:func:`read_published` parses what ``Section.save`` wrote for one language (the JSON,
the Markdown or HTML tables, the method box, the figure data, the SVG curves when they
were written); :func:`attack` compares every route to a count with the true,
unsuppressed counts of the cohort (:class:`Truth`) and returns a finding for each route
that leads to a count of 1 to ``min_cell - 1`` persons:

* published counts (group sizes, persons excluded, read, analysed, numbers at risk, the
  persons with a Cox characteristic and without it);
* a rate times N, for every group, criterion and time point published anywhere (tables,
  key numbers, figure points, bars, SVG paths): the reoffenders and the persons still at
  risk behind it;
* the interval route ``n ~ p (1 - p) / se^2`` (se from the interval's width);
* differences between any two published points of one curve (table against table,
  table against figure);
* total minus the visible groups, for group sizes and for the reoffenders at every
  point, and the increments of the hidden union between points;
* general recidivism minus a type of offence (which it contains), and its increments;
* consecutive numbers at risk under the figure (persons leaving), and, where the curve is
  published at both times, persons leaving minus reoffenders (the censored);
* the median follow-up (one person's value?) and the shares under the age cut;
* the selection table (persons read minus analysed minus the visible steps);
* the frequency of reoffending: mean / per recidivist (the share of recidivists), and the
  cases between any two published points of the mean cumulative function (from fewer
  than ``min_cell`` persons?);
* groups dropped from a table, values shown in Markdown/HTML/SVG but not in the JSON,
  rates published more precisely than printed, and numbers in sentences that no table
  publishes.

Used by ``tests/report/test_attacker.py`` and ``benchmarks/attack_disclosure.py``.
"""

from __future__ import annotations

import html as html_lib
import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from recidive.frequency import case_history

Z = 1.959963984540054
DAYS = 365.25
STEMS = {"nl": "recidive", "en": "recidivism"}
AGE_GROUPS = ("<23", "23+")


# -- the truth --------------------------------------------------------------------------------
class Truth:
    """The unsuppressed counts of a cohort: what the attacker tries to recover."""

    def __init__(self, cohort):
        persons = cohort.persons
        self.cohort = cohort
        groups = persons["age_group"].astype(str).to_numpy()
        self.masks = {"all": np.ones(len(persons), bool)}
        for g in AGE_GROUPS:
            self.masks[g] = groups == g
        bands = persons["age_band"].astype(str).to_numpy()
        for band in persons["age_band"].cat.categories.astype(str):
            self.masks[band] = bands == band  # the fine age bands of the type-by-age table
        self.persons = persons
        self.followup = persons["followup_days"].to_numpy(float) / DAYS

    def _curve(self, criterion: str, group: str):
        mask = self.masks[group]
        days = self.persons[f"{criterion}_days"].to_numpy(float)[mask]
        event = self.persons[f"{criterion}_event"].to_numpy(int)[mask]
        return days, event

    def events(self, criterion: str, group: str, years: float) -> int:
        days, event = self._curve(criterion, group)
        return int(((days <= years * DAYS) & (event == 1)).sum())

    def at_risk(self, criterion: str, group: str, years: float) -> int:
        days, _ = self._curve(criterion, group)
        return int((days >= years * DAYS).sum())

    def cases(self) -> tuple[np.ndarray, np.ndarray]:
        """Per counted case (general): its person and day on the cohort's clock."""
        history = case_history(self.cohort, "general")
        n = history["n_cases"].to_numpy()
        return (
            np.repeat(history["person_id"].to_numpy(), n),
            np.repeat(history["days"].to_numpy(), n),
        )

    def size(self, group: str) -> int:
        return int(self.masks[group].sum())

    def attrition(self) -> dict[str, int]:
        rows = self.cohort.attrition
        rows = rows[rows["table"] == "persons"]
        return {str(s): int(n) for s, n in zip(rows["step"], rows["n_excluded"], strict=True)}

    def n_read(self) -> int:
        rows = self.cohort.attrition
        return int(rows[rows["table"] == "persons"]["n_before"].iloc[0])


# -- what was published ---------------------------------------------------------------------
@dataclass
class Published:
    """Everything the attacker reads from the files of one section."""

    lang: str
    min_cell: int
    points: dict = field(default_factory=dict)  # (criterion, group) -> {years: (r, lo, hi)}
    sizes: dict = field(default_factory=dict)  # group -> N or None
    counts: list = field(default_factory=list)  # (where, value)
    at_risk: list = field(default_factory=list)  # (years, value or None)
    attrition: dict = field(default_factory=dict)  # step -> value or None
    n_read: int | None = None
    n_analysed: int | None = None
    median_followup: float | None = None
    shares: dict = field(default_factory=dict)
    cox: list = field(default_factory=list)  # (covariate, n_level)
    percents: list = field(default_factory=list)  # whole percents in sentences
    extra_percents: set = field(default_factory=set)  # published percents that are not points
    conf_percent: int | None = None  # the confidence level the text states
    findings: list = field(default_factory=list)  # problems seen while reading
    frequency: dict = field(default_factory=dict)  # years -> frequency row (mcf, per_recidivist)
    frequency_points: set = field(default_factory=set)  # years of every published MCF point
    files: list = field(default_factory=list)
    svg_steps: int = 0

    def add_point(self, criterion, group, years, rate, lo, hi, source: str) -> None:
        if rate is None:
            return
        for name, value in (("rate", rate), ("ci_lower", lo), ("ci_upper", hi)):
            if value is not None and round(value, 3) != value:
                self.findings.append(f"{source}: {name} {value!r} more precise than printed")
        curve = self.points.setdefault((criterion, group), {})
        key = round(float(years), 6)
        if key in curve and curve[key][0] != rate:
            self.findings.append(
                f"{source}: {criterion} {group} {years:g}y shows {rate}, elsewhere {curve[key][0]}"
            )
        curve.setdefault(key, (rate, lo, hi))


def read_published(directory: Path, lang: str) -> Published:
    """Parse the published files of one language's section in ``directory``."""
    directory = Path(directory)
    stem = STEMS[lang]
    data = json.loads((directory / f"{stem}.json").read_text(encoding="utf-8"))
    pub = Published(lang=lang, min_cell=int(data["provenance"]["min_cell"]))
    pub.files.append(f"{stem}.json")
    _read_json(pub, data)
    md = directory / f"{stem}.md"
    if md.exists():
        pub.files.append(md.name)
        _compare_tables(pub, _markdown_tables(md.read_text(encoding="utf-8")), data, "md")
    page = directory / f"{stem}.html"
    if page.exists():
        pub.files.append(page.name)
        _compare_tables(pub, _html_tables(page.read_text(encoding="utf-8")), data, "html")
    for figure in data["figures"]:
        svg = directory / "figures" / f"{figure['name']}.{lang}.svg"
        if svg.exists():
            pub.files.append(f"figures/{svg.name}")
            _read_svg(pub, svg.read_text(encoding="utf-8"), figure)
    return pub


def _read_json(pub: Published, data: dict) -> None:
    tables = data["tables"]
    for row in tables.get("general", {}).get("rows", []):
        _row_point(pub, "general", "all", row, "json general")
    for row in tables.get("by_type", {}).get("rows", []):
        _row_point(pub, row["criterion"], "all", row, "json by_type")
    for row in tables.get("serious", {}).get("rows", []):
        _row_point(pub, row["criterion"], "all", row, "json serious")
    for row in tables.get("by_type_age", {}).get("rows", []):
        group = str(row["age"])
        for key, value in row.items():
            if key.startswith("rate_"):
                pub.add_point(
                    row["criterion"], group, float(key.removeprefix("rate_")), value, None, None,
                    "json by_type_age",
                )  # fmt: skip
        pub.counts.append((f"by_type_age N {row['criterion']} {group}", row["n"]))
    for key, cell in data["numbers"].get("serious", {}).items():
        _row_point(pub, key.split("|")[0], "all", cell, "json numbers serious")
    pub.extra_percents = {
        round(cell["rate"] * 100)
        for cell in data["numbers"].get("competing", {}).values()
        if cell.get("rate") is not None
    }
    for row in tables.get("by_age", {}).get("rows", []):
        group = str(row["age_group"])
        _row_point(pub, "general", group, row, "json by_age")
        pub.sizes.setdefault(group, row["n"])
        if pub.sizes[group] != row["n"]:
            pub.findings.append(f"json by_age: N of {group} differs between rows")
        pub.counts.append((f"by_age N {group}", row["n"]))
    numbers = data["numbers"]
    for h, cell in numbers["general"].items():
        _row_point(pub, "general", "all", {**cell, "horizon_years": float(h)}, "json numbers")
    for criterion, cell in numbers["by_type"].items():
        _row_point(pub, criterion, "all", cell, "json numbers")
    for key, cell in numbers["by_age"].items():
        _row_point(pub, "general", key.split("|")[0], cell, "json numbers")
    cohort = numbers["cohort"]
    pub.n_read, pub.n_analysed = cohort["n_read"], cohort["n_analysed"]
    pub.median_followup = cohort["median_followup_years"]
    pub.counts += [("persons read", pub.n_read), ("persons analysed", pub.n_analysed)]
    age = numbers["age"]
    pub.shares = {
        "offenders": age["share_under_cut_offenders"],
        "recidivists": age["share_under_cut_recidivists"],
    }
    pub.counts.append(("share n under cut", age["share_under_cut_offenders"].get("n_under_cut")))
    for row in tables.get("cox", {}).get("rows", []):
        pub.cox.append((row["covariate"], row["n_level"]))
        pub.counts.append((f"cox n {row['covariate']}", row["n_level"]))
    for row in tables.get("attrition", {}).get("rows", []):
        pub.attrition[str(row["step"])] = row["n_excluded"]
        pub.counts.append((f"excluded {row['step']}", row["n_excluded"]))
    _read_frequency(pub, tables.get("frequency", {}).get("rows", []), data)
    for figure in data["figures"]:
        figure_data = figure["data"]
        for curve in figure_data.get("curves", []):
            for p in curve["points"]:
                pub.add_point(
                    "general", curve["group"], p["years"], p["rate"], p["ci_lower"], p["ci_upper"],
                    f"figure {figure['name']}",
                )  # fmt: skip
        for bar in figure_data.get("bars", []):
            pub.add_point(
                bar["criterion"], "all", figure_data["horizon_years"], bar["rate"],
                bar["ci_lower"], bar["ci_upper"], f"figure {figure['name']}",
            )  # fmt: skip
        for row in figure_data.get("at_risk", []):
            pub.at_risk.append((row["years"], row["n_at_risk"]))
            pub.counts.append((f"at risk {row['years']:g}y", row["n_at_risk"]))
    recidivists = data["numbers"]["age"]["share_under_cut_recidivists"]
    for key in ("ci_lower", "ci_upper", "raw"):
        if recidivists.get(key) is not None:
            pub.extra_percents.add(round(recidivists[key] * 100))
    by_type = [c["rate"] for c in data["numbers"]["by_type"].values() if c.get("rate") is not None]
    pub.extra_percents.add(round(sum(by_type) * 100))  # "the types overlap: together 74%"
    pub.conf_percent = round(float(recidivists.get("conf_level") or 0.95) * 100)
    texts = [s["text"] for s in data["sentences"]] + [data["headline"]]
    pub.percents = [int(x) for t in texts for x in re.findall(r"(\d+)%", t)]
    method = " ".join(m["text"] for m in data["method"])
    read = re.search(r"([\d.,]+|×) (?:personen ingelezen|persons read)", method)
    if read and read.group(1) != "×":
        shown = int(read.group(1).replace(".", "").replace(",", ""))
        if shown != pub.n_read:
            pub.findings.append(f"method box shows {shown} persons read, JSON {pub.n_read}")


def _read_frequency(pub: Published, rows: list, data: dict) -> None:
    """The frequency table, its key numbers and the MCF figure's points (one curve)."""
    cells = [*rows, *data["numbers"].get("frequency", {}).values()]
    for row in cells:
        if row.get("mcf") is None:
            continue
        key = round(float(row["horizon_years"]), 6)
        if key in pub.frequency and pub.frequency[key]["mcf"] != row["mcf"]:
            pub.findings.append(f"frequency {key:g}y shows two values")
        pub.frequency.setdefault(key, row)
        pub.frequency_points.add(key)
    for figure in data["figures"]:
        for p in figure["data"].get("points", []):
            key = round(float(p["years"]), 6)
            if key in pub.frequency and pub.frequency[key]["mcf"] != p["mcf"]:
                pub.findings.append(f"figure {figure['name']}: frequency {key:g}y differs")
            pub.frequency_points.add(key)


def _row_point(pub: Published, criterion, group, row: dict, source: str) -> None:
    pub.add_point(
        criterion, str(group), row["horizon_years"], row.get("rate"), row.get("ci_lower"),
        row.get("ci_upper"), source,
    )  # fmt: skip


# -- Markdown and HTML tables -----------------------------------------------------------------
def _markdown_tables(text: str) -> dict[str, list[list[str]]]:
    """Title -> rows of cells, for every table after a bold title line."""
    tables, title, rows = {}, None, None
    for line in text.splitlines():
        bold = re.fullmatch(r"\*\*(.+)\*\*", line.strip())
        if bold:
            title, rows = bold.group(1), None
        elif line.startswith("|") and title is not None:
            if rows is None:  # the header
                rows = tables.setdefault(title, [])
            elif not line.startswith(("|:", "|-")):
                cells = line.strip().removeprefix("| ").removesuffix(" |").split(" | ")
                rows.append([c.strip() for c in cells])
        elif rows is not None:
            title, rows = None, None
    return tables


def _html_tables(page: str) -> dict[str, list[list[str]]]:
    tables = {}
    for block in re.findall(r"<table id=\"table-[^\"]+\">(.*?)</table>", page, re.S):
        title = html_lib.unescape(re.search(r"<caption>(.*?)</caption>", block, re.S).group(1))
        body = re.search(r"<tbody>(.*?)</tbody>", block, re.S).group(1)
        tables[title] = [
            [html_lib.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
        ]
    return tables


def _number(text: str, lang: str) -> float:
    decimal, thousands = (",", ".") if lang == "nl" else (".", ",")
    return float(text.replace(thousands, "").replace(decimal, "."))


def _parse_cell(text: str, kind: str, lang: str):
    """A displayed cell as a number (or pair), ``None`` for ×/—, ``"text"`` for labels."""
    if kind == "text":
        return "text"
    if text in ("×", "—", ""):
        return None
    text = text.removeprefix("< ").removesuffix("%")
    if kind in ("ci", "ratio_ci"):
        low, high = text.split("–")
        scale = 100 if kind == "ci" else 1
        return (_number(low, lang) / scale, _number(high, lang) / scale)
    value = _number(text, lang)
    return value / 100 if kind == "percent" else value


def _compare_tables(pub: Published, shown: dict, data: dict, source: str) -> None:
    """Every number a Markdown/HTML table shows must be the JSON's, at the printed precision."""
    for name, table in data["tables"].items():
        rows = shown.get(table["title"])
        if rows is None:
            pub.findings.append(f"{source}: table {name} missing")
            continue
        if len(rows) != len(table["rows"]):
            pub.findings.append(
                f"{source}: table {name} has {len(rows)} rows, JSON {len(table['rows'])}"
            )
            continue
        for cells, row in zip(rows, table["rows"], strict=True):
            for text, column in zip(cells, table["columns"], strict=True):
                value = _parse_cell(text, column["kind"], pub.lang)
                if value == "text":
                    continue
                expected = (
                    (row["ci_lower"], row["ci_upper"])
                    if column["kind"] in ("ci", "ratio_ci")
                    else row.get(column["name"])
                )
                _check_shown(pub, value, expected, f"{source} {name} {column['name']}")


def _check_shown(pub: Published, value, expected, where: str) -> None:
    if value is None:
        return
    if expected is None or (isinstance(expected, tuple) and None in expected):
        pub.findings.append(f"{where}: shows {value} where the JSON publishes nothing")
        return
    pairs = zip(value, expected, strict=True) if isinstance(value, tuple) else [(value, expected)]
    for v, e in pairs:
        if abs(v - e) > 0.0051 * max(1.0, abs(e)):
            pub.findings.append(f"{where}: shows {v}, JSON {e}")


# -- SVG --------------------------------------------------------------------------------------
def _path_points(d: str) -> list[tuple[float, float]]:
    numbers = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", d)]
    return list(zip(numbers[0::2], numbers[1::2], strict=False))


def _read_svg(pub: Published, svg: str, figure: dict) -> None:
    """Read the drawn curves back from the SVG's coordinates and add them as published points."""
    area = re.search(r'<g id="plot-area">\s*<path d="([^"]+)"', svg)
    if not area:
        pub.findings.append(f"svg {figure['name']}: no plot area")
        return
    corners = _path_points(area.group(1))
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    x0, x1, y_bottom, y_top = min(xs), max(xs), max(ys), min(ys)
    x_max = figure["data"].get("x_max")
    for curve in figure["data"].get("curves", []):
        gid = re.escape(html_lib.escape(f"curve-{curve['group']}"))
        found = re.search(rf'<g id="{gid}">\s*<path d="([^"]+)"', svg)
        if not found:
            pub.findings.append(f"svg {figure['name']}: curve {curve['group']} not found")
            continue
        vertices = _path_points(found.group(1))
        json_points = [(p["years"], p["rate"]) for p in curve["points"]]
        drawn = 0
        for (xa, ya), (xb, yb) in itertools.pairwise(vertices):
            if abs(xa - xb) > 1e-6 or abs(ya - yb) < 1e-6:
                continue  # not a vertical step
            years = (xb - x0) / (x1 - x0) * x_max
            rate = (y_bottom - yb) / (y_bottom - y_top)
            match = [
                p for p in json_points if abs(p[0] - years) < 0.02 and abs(p[1] - rate) < 0.006
            ]
            if not match:
                pub.findings.append(
                    f"svg {figure['name']}: a step at {years:.3f}y to {rate:.3f} is not in the JSON"
                )
            else:
                drawn += 1
                pub.add_point(
                    "general", curve["group"], match[0][0], match[0][1], None, None, "svg"
                )
        steps = sum(b[1] != a[1] for a, b in itertools.pairwise([(0.0, 0.0), *json_points]))
        if drawn != steps:
            pub.findings.append(
                f"svg {figure['name']}: {drawn} steps drawn for {steps} published steps"
            )
        pub.svg_steps += drawn


# -- the attack -------------------------------------------------------------------------------
@dataclass
class Attack:
    """What the attacker tried and found."""

    findings: list = field(default_factory=list)
    tried: Counter = field(default_factory=Counter)


def _small(x, m: int) -> bool:
    return x is not None and 0 < x < m


def attack(pub: Published, truth: Truth) -> Attack:
    """Try every route from the published numbers to a count under ``min_cell``."""
    m = pub.min_cell
    out = Attack(findings=list(pub.findings))
    out.tried["file"] += len(pub.files)
    out.tried["svg step"] += pub.svg_steps
    _route_counts(pub, out, m)
    _route_points(pub, truth, out, m)
    _route_partitions(pub, truth, out, m)
    _route_nested(pub, truth, out, m)
    _route_at_risk(pub, truth, out, m)
    _route_cohort(pub, truth, out, m)
    _route_sentences(pub, out)
    _route_frequency(pub, truth, out, m)
    return out


def _route_counts(pub: Published, out: Attack, m: int) -> None:
    for where, value in pub.counts:
        out.tried["published count"] += 1
        if _small(value, m):
            out.findings.append(f"published count {where} = {value}")
    for covariate, n_level in pub.cox:
        if n_level is not None and pub.n_analysed is not None:
            out.tried["cox complement"] += 1
            if _small(pub.n_analysed - n_level, m):
                out.findings.append(f"N minus cox n {covariate} = {pub.n_analysed - n_level}")


def _route_points(pub: Published, truth: Truth, out: Attack, m: int) -> None:
    for (criterion, group), curve in pub.points.items():
        n_group = truth.size(group)
        for years, (rate, lo, hi) in curve.items():
            out.tried["rate x N"] += 1
            events = truth.events(criterion, group, years)
            at_risk = truth.at_risk(criterion, group, years)
            if _small(events, m):
                out.findings.append(
                    f"rate x N: {criterion} {group} {years:g}y: {rate} x {n_group} = "
                    f"{rate * n_group:.1f}, {events} reoffenders"
                )
            if _small(at_risk, m) or _small(n_group, m):
                out.findings.append(f"{criterion} {group} {years:g}y rests on {at_risk} at risk")
            if lo is not None and hi is not None and 0 < rate < 1 and hi > lo:
                out.tried["interval"] += 1
                n_eff = rate * (1 - rate) / ((hi - lo) / (2 * Z)) ** 2
                if _small(round(n_eff), m):
                    out.findings.append(
                        f"interval: {criterion} {group} {years:g}y gives n ~ {n_eff:.1f}"
                    )
        for a, b in itertools.combinations(sorted(curve), 2):
            out.tried["difference"] += 1
            step = truth.events(criterion, group, b) - truth.events(criterion, group, a)
            if _small(step, m):
                out.findings.append(
                    f"difference: {criterion} {group} {a:g}y-{b:g}y: {step} reoffenders"
                )


def _route_partitions(pub: Published, truth: Truth, out: Attack, m: int) -> None:
    sizes = {g: pub.sizes.get(g) for g in AGE_GROUPS}
    visible = [g for g in AGE_GROUPS if sizes[g] is not None]
    hidden = [g for g in AGE_GROUPS if sizes[g] is None]
    for g in AGE_GROUPS:
        if g not in pub.sizes:
            out.findings.append(f"dropped group: {g} is not in the by-age table")
    if pub.sizes.get("all") is not None:
        out.tried["total minus parts (N)"] += 1
    if visible and hidden and pub.sizes.get("all") is not None:
        rest = sum(truth.size(g) for g in hidden)
        if rest < m:
            out.findings.append(f"total minus parts: hidden groups hold {rest} persons")
    criteria = {c for c, _ in pub.points}
    for criterion in criteria:
        total = pub.points.get((criterion, "all"), {})
        derivable: dict[tuple, list] = {}
        for years in total:
            shown = [g for g in AGE_GROUPS if years in pub.points.get((criterion, g), {})]
            gone = tuple(g for g in AGE_GROUPS if g not in shown)
            out.tried["total minus parts (events)"] += 1
            if not shown or not gone:
                continue
            rest = sum(truth.events(criterion, g, years) for g in gone)
            if _small(rest, m):
                out.findings.append(
                    f"total minus parts: {criterion} {years:g}y: hidden groups {gone} had {rest}"
                )
            derivable.setdefault(gone, []).append(years)
        for gone, times in derivable.items():
            for a, b in itertools.combinations(sorted(times), 2):
                out.tried["hidden union difference"] += 1
                step = sum(
                    truth.events(criterion, g, b) - truth.events(criterion, g, a) for g in gone
                )
                if _small(step, m):
                    out.findings.append(f"hidden union {gone} {a:g}y-{b:g}y: {step} reoffenders")


def _route_nested(pub: Published, truth: Truth, out: Attack, m: int) -> None:
    """General recidivism contains every type (and serious the very serious): their
    difference counts persons too."""
    for (criterion, group), curve in pub.points.items():
        parent = "serious" if criterion == "very_serious" else "general"
        general = pub.points.get((parent, group), {})
        if criterion == "general" or not general:
            continue
        common = sorted(set(curve) & set(general))

        def without(years, c=criterion, g=group, p=parent):
            return truth.events(p, g, years) - truth.events(c, g, years)

        for years in common:
            out.tried["general minus a type"] += 1
            if _small(without(years), m):
                out.findings.append(
                    f"general minus a type: {criterion} {group} {years:g}y: {without(years)}"
                )
        for a, b in itertools.combinations(common, 2):
            out.tried["general minus a type, difference"] += 1
            if _small(abs(without(b) - without(a)), m):
                out.findings.append(
                    f"general minus a type, difference: {criterion} {group} {a:g}y-{b:g}y: "
                    f"{without(b) - without(a)}"
                )


def _route_at_risk(pub: Published, truth: Truth, out: Attack, m: int) -> None:
    shown = [(y, n) for y, n in pub.at_risk if n is not None]
    for y, n in shown:
        if n != truth.at_risk("general", "all", y):
            out.findings.append(
                f"at risk {y:g}y shows {n}, truth {truth.at_risk('general', 'all', y)}"
            )
    for (ya, na), (yb, nb) in itertools.pairwise(shown):
        out.tried["persons leaving"] += 1
        if _small(na - nb, m):
            out.findings.append(f"persons leaving {ya:g}y-{yb:g}y: {na - nb}")
    # where the curve is published too: persons leaving minus reoffenders = censored
    curve = pub.points.get(("general", "all"), {})
    both = [y for y, _ in shown if y == 0 or round(float(y), 6) in curve]
    for a, b in itertools.combinations(both, 2):
        out.tried["persons leaving without a reoffence"] += 1
        left = truth.at_risk("general", "all", a) - truth.at_risk("general", "all", b)
        censored = left - (truth.events("general", "all", b) - truth.events("general", "all", a))
        if _small(censored, m):
            out.findings.append(f"persons leaving without a reoffence {a:g}y-{b:g}y: {censored}")


def _route_cohort(pub: Published, truth: Truth, out: Attack, m: int) -> None:
    if pub.median_followup is not None:
        out.tried["median"] += 1
        v, x = pub.median_followup, truth.followup
        below, above = int((x < v - 0.25).sum()), int((x >= v + 0.25).sum())
        if round(v * 2) != v * 2 or below < m or above < m:
            out.findings.append(f"median follow-up {v}: {below} below, {above} above its interval")
    steps = truth.attrition()
    hidden = [s for s, v in pub.attrition.items() if v is None]
    if pub.n_read is not None:
        out.tried["selection partition"] += 1
    if pub.n_read is not None and hidden:
        rest = sum(steps[s] for s in hidden)
        if _small(rest, m):
            out.findings.append(f"persons read minus the visible steps: {rest}")
    if pub.n_read is not None and pub.n_read != truth.n_read():
        out.findings.append("persons read differs from the truth")
    share = pub.shares.get("offenders", {})
    if share.get("value") is not None:
        out.tried["share"] += 1
        young = truth.size(AGE_GROUPS[0])
        if _small(young, m) or _small(truth.size("all") - young, m):
            out.findings.append("share under the cut among offenders rests on a small group")
    share = pub.shares.get("recidivists", {})
    if share.get("value") is not None:
        out.tried["share"] += 1
        for g in AGE_GROUPS:
            events = truth.events("general", g, 7)
            if _small(events, m) or _small(truth.at_risk("general", g, 7), m):
                out.findings.append(f"share among recidivists rests on {g}: {events} reoffenders")


def _route_sentences(pub: Published, out: Attack) -> None:
    """Whole percents in sentences must be published rates or shares, rounded (or thresholds)."""
    known = {50, 26, 10, pub.conf_percent or 95}  # thresholds, benchmark, the CI level
    known |= pub.extra_percents
    for curve in pub.points.values():
        for rate, _, _ in curve.values():
            known.add(round(rate * 100))
    for share in pub.shares.values():
        if share.get("value") is not None:
            known.add(round(share["value"] * 100))
    for percent in pub.percents:
        out.tried["sentence number"] += 1
        if percent not in known:
            out.findings.append(f"a sentence says {percent}%, which no table publishes")


def _route_frequency(pub: Published, truth: Truth, out: Attack, m: int) -> None:
    """Frequencies: mcf / per recidivist gives the share of recidivists (rate x N); mcf x N
    and differences between any two published points give case totals, which must come
    from 0 or at least ``m`` persons."""
    for years, row in pub.frequency.items():
        out.tried["frequency / per recidivist"] += 1
        events = truth.events("general", "all", years)
        if row.get("per_recidivist") and _small(events, m):
            out.findings.append(f"frequency {years:g}y: mcf / per recidivist gives {events}")
    person, day = truth.cases()
    points = sorted(pub.frequency_points)
    for a, b in itertools.combinations([0.0, *points], 2):
        out.tried["frequency cases"] += 1
        # the last whole day counted at a point (years are read at 6 decimals)
        first, last = np.floor(a * DAYS + 1e-3), np.floor(b * DAYS + 1e-3)
        inside = (day > first) & (day <= last)
        if a == 0.0:
            inside |= day == 0
        contributors = np.unique(person[inside]).size
        if _small(contributors, m):
            out.findings.append(
                f"frequency {a:g}y-{b:g}y: the cases come from {contributors} persons"
            )
