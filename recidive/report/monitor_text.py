"""The sentences of the Recidivemonitor's further blocks, written from the safe numbers.

After the four key sentences (:mod:`~recidive.report.sentences`) the section states the
comparison with the benchmark, serious and very serious recidivism, the speed (median
time to recidivism), the share of the young among all offenders, what the share of the
young among recidivists is (its horizon, what it corrects for, its interval and its raw
counterpart) and that the types of offence overlap; the method box gets the
competing-risks sensitivity line and the proportional-hazards check. Every word comes
from the catalogue (:mod:`~recidive.report.i18n_monitor`); a number that disclosure
control hid gives a sentence saying it cannot be reported, or no clause.
"""

from __future__ import annotations

from recidive.report import formatting as fmt
from recidive.report.cox_content import PH_ALPHA
from recidive.report.i18n import code_label, text
from recidive.report.qualifiers import Benchmark, QualifierRules, cell_rate

#: Shares spoken as fractions ("een derde") when the rounded share is within this of them.
FRACTION_TOLERANCE = 0.015
_FRACTIONS = (
    (0.25, "fraction_quarter"),
    (1 / 3, "fraction_third"),
    (0.5, "fraction_half"),
    (2 / 3, "fraction_two_thirds"),
    (0.75, "fraction_three_quarters"),
)


def _pct(x: float, lang: str) -> str:
    return fmt.format_percent(x, lang, 0)


def _interval(lo: float, hi: float, lang: str) -> str:
    return fmt.format_interval(lo, hi, lang, 0)


def monitor_sentences(
    content, benchmark: Benchmark, rules: QualifierRules, population: str, lang: str
) -> list[dict]:
    """The further sentences, ``{"key", "qualifier": None, "holds": None, "text"}`` each.

    Examples
    --------
    >>> fraction_key(0.333), fraction_key(0.30)
    ('fraction_third', None)
    """
    numbers = content.numbers
    texts = {
        "benchmark": _benchmark(numbers, benchmark, population, lang),
        "serious_levels": _serious_levels(numbers, lang),
        "speed": _speed(numbers, content.method["conf_level"], lang),
        "young_offenders": _young_offenders(numbers, rules, lang),
        "young_definition": _young_definition(numbers, rules, content.method, lang),
        "overlap": _overlap(numbers, rules, lang),
    }
    return [
        {"key": key, "qualifier": None, "holds": None, "text": sentence}
        for key, sentence in texts.items()
        if sentence
    ]


def fraction_key(share: float) -> str | None:
    """The catalogue key of the simple fraction a share is close to, if any."""
    for value, key in _FRACTIONS:
        if abs(share - value) <= FRACTION_TOLERANCE:
            return key
    return None


def _benchmark(numbers, benchmark: Benchmark, population: str, lang: str) -> str:
    h = fmt.horizon_key(benchmark.horizon_years)
    r = cell_rate(numbers.get("general", {}).get(h))
    if r is None:
        return ""
    return text(
        "bench_sentence",
        lang,
        bench=benchmark.label(lang),
        b=_pct(benchmark.rate, lang),
        h=h,
        source=benchmark.source,
        pop=population,
        r=_pct(r, lang),
    )


def _serious_levels(numbers, lang: str) -> str:
    serious = numbers.get("serious", {})
    penalty = numbers.get("penalty_years", {})
    if not serious:
        return ""
    listed = {}
    for criterion in ("serious", "very_serious"):
        cells = [
            (key.split("|")[1], cell)
            for key, cell in serious.items()
            if key.split("|")[0] == criterion
        ]
        items = [
            text("rate_within", lang, r=_pct(cell["rate"], lang), h=h)
            for h, cell in cells
            if cell_rate(cell) is not None
        ]
        listed[criterion] = _joined(items, lang) if items else text("not_published", lang)
    if all(v == text("not_published", lang) for v in listed.values()):
        return text("serious_sentence_missing", lang)
    return text(
        "serious_sentence",
        lang,
        s=fmt.format_plain(penalty.get("serious", 4), lang),
        vs=fmt.format_plain(penalty.get("very_serious", 8), lang),
        serious=listed["serious"],
        very=listed["very_serious"],
    )


def _joined(items: list[str], lang: str) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {text('and', lang)} " + items[-1]


def _speed(numbers, conf_level: float, lang: str) -> str:
    median = numbers.get("median_time")
    if not median:
        return ""
    if median["status"] == "not_reached":
        return text("median_not_reached", lang)
    if median["status"] != "ok":
        return text("median_missing", lang)
    values = {
        "m": fmt.format_number(median["years"], lang, 1),
        "level": fmt.level_percent(conf_level),
        "lo": fmt.format_number(median["ci_lower"], lang, 1),
    }
    if median["ci_upper"] is None:
        return text("median_open", lang, **values)
    return text("median_yes", lang, hi=fmt.format_number(median["ci_upper"], lang, 1), **values)


def _young_offenders(numbers, rules: QualifierRules, lang: str) -> str:
    share = numbers.get("age", {}).get("share_under_cut_offenders", {}).get("value")
    if share is None:
        return ""
    key = fraction_key(share)
    if key:
        return text(
            "young_offenders_fraction",
            lang,
            frac=text(key, lang),
            r=_pct(share, lang),
            cut=rules.age_cut,
        )
    return text("young_offenders_share", lang, r=_pct(share, lang), cut=rules.age_cut)


def _young_definition(numbers, rules: QualifierRules, method: dict, lang: str) -> str:
    age = numbers.get("age", {})
    cell = age.get("share_under_cut_recidivists", {})
    if cell.get("value") is None or cell.get("ci_lower") is None:
        return ""
    values = {
        "r": _pct(cell["value"], lang),
        "cut": rules.age_cut,
        "h": fmt.horizon_key(age.get("horizon_years", rules.high_horizon)),
        "level": fmt.level_percent(method["conf_level"]),
        "lo": _pct(cell["ci_lower"], lang),
        "hi": _pct(cell["ci_upper"], lang),
    }
    if cell.get("raw") is None:
        return text("young_definition_no_raw", lang, **values)
    return text("young_definition", lang, raw=_pct(cell["raw"], lang), **values)


def _overlap(numbers, rules: QualifierRules, lang: str) -> str:
    h = fmt.horizon_key(rules.serious_horizon)
    rates = [cell_rate(numbers.get("by_type", {}).get(c)) for c in rules.listed_criteria]
    rates = [r for r in rates if r is not None]
    general = cell_rate(numbers.get("general", {}).get(h))
    if len(rates) < 2 or general is None:
        return ""
    return text("overlap", lang, h=h, sum=_pct(sum(rates), lang), r=_pct(general, lang))


def monitor_method_entries(content, lang: str) -> list[tuple[str, str]]:
    """The method box's competing-risks line and proportional-hazards check."""
    entries = [(text("m_competing", lang), _competing(content.numbers, lang))]
    model = _model_check(content, lang)
    if model:
        entries.append((text("m_model", lang), model))
    return entries


def _competing(numbers, lang: str) -> str:
    competing = numbers.get("competing", {})
    general = numbers.get("general", {})
    pairs = [(h, cell_rate(cell), cell_rate(general.get(h))) for h, cell in competing.items()]
    pairs = [(h, aj, km) for h, aj, km in pairs if aj is not None and km is not None]
    if not pairs:
        return text("m_competing_missing", lang)
    aj = _joined([text("rate_within", lang, r=_pct(a, lang), h=h) for h, a, _ in pairs], lang)
    km = _joined([_pct(k, lang) for _, _, k in pairs], lang)
    return text("m_competing_text", lang, aj=aj, km=km)


def _model_check(content, lang: str) -> str:
    zph = content.cox.zph
    if not len(zph):
        return ""
    overall = zph[zph["term"] == "GLOBAL"].iloc[0]
    rejected = zph[(zph["term"] != "GLOBAL") & zph["rejected"]]
    if len(rejected):
        verdict = text("m_model_rejected", lang, terms=term_names(rejected, lang))
    else:
        verdict = text("m_model_holds", lang)
    return text(
        "m_model_text",
        lang,
        chisq=fmt.format_number(overall["chisq"], lang, 1),
        df=int(overall["df"]),
        p=fmt.format_p_value(overall["p_value"], lang),
        verdict=verdict,
    )


def term_names(rows, lang: str) -> str:
    """The readable names of Cox terms (rows with ``label_key`` and ``label_values``)."""
    names = [
        text(
            r.label_key, lang, **{k: code_label(v, lang) for k, v in (r.label_values or {}).items()}
        )
        for r in rows.itertuples()
    ]
    return "; ".join(name[:1].lower() + name[1:] for name in names)


def zph_note(content, lang: str) -> str:
    """The note under the Cox table: which terms fail the proportional-hazards test."""
    zph = content.cox.zph
    if not len(zph):
        return ""
    rejected = zph[(zph["term"] != "GLOBAL") & zph["rejected"]]
    alpha = fmt.format_plain(PH_ALPHA, lang)
    if len(rejected):
        return text("note_zph_rejected", lang, alpha=alpha, terms=term_names(rejected, lang))
    return text("note_zph_holds", lang, alpha=alpha)
