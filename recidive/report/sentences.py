"""The headline and the key sentences, written from the qualifiers and the safe numbers.

The verdicts come from :mod:`recidive.report.qualifiers`; every word from the
catalogue (:mod:`recidive.report.i18n`). A qualifier that holds gives an assertive
sentence, one that does not a neutral sentence with the number against its
comparison, and one whose numbers are suppressed or not estimable a sentence saying
the number cannot be reported.
"""

from __future__ import annotations

from recidive import defaults
from recidive.report.formatting import format_percent, format_plain, horizon_key
from recidive.report.i18n import CATALOGUES, text
from recidive.report.qualifiers import Benchmark, Qualifier, QualifierRules, cell_rate


def headline(
    qualifiers: dict[str, Qualifier],
    numbers: dict,
    rules: QualifierRules,
    lang: str = defaults.LANG,
) -> str:
    """The headline: the qualifiers that hold, in capitals, else a neutral number.

    Examples
    --------
    >>> q = {"high": Qualifier("high", True, ""), "fast": Qualifier("fast", True, ""),
    ...      "serious": Qualifier("serious", True, "")}
    >>> headline(q, {}, QualifierRules(), "nl")
    'RECIDIVE IS HOOG, SNEL EN ERNSTIG'
    """
    words = [text(f"q_{q}", lang) for q in rules.headline_qualifiers if qualifiers[q].holds]
    if words:
        return f"{text('headline_prefix', lang)} {_listed(words, lang)}".upper()
    cell, h = _longest(numbers, rules.high_horizon)
    if cell is None:
        return text("title", lang).upper()
    return text("headline_neutral", lang, h=h, r=format_percent(cell["rate"], lang, 0)).upper()


def _listed(items: list[str], lang: str) -> str:
    """``a, b and c`` in ``lang``."""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {text('and', lang)} " + items[-1]


def _percent(x: float, lang: str) -> str:
    return format_percent(x, lang, 0)


def _longest(numbers: dict, horizon: float) -> tuple[dict | None, str]:
    """The cell at ``horizon``, else the longest horizon with a rate."""
    general = numbers.get("general", {})
    if cell_rate(general.get(horizon_key(horizon))) is not None:
        return general[horizon_key(horizon)], horizon_key(horizon)
    usable = [(float(k), v) for k, v in general.items() if cell_rate(v) is not None]
    if not usable:
        return None, horizon_key(horizon)
    h, cell = max(usable, key=lambda kv: kv[0])
    return cell, horizon_key(h)


def key_sentences(
    qualifiers: dict[str, Qualifier],
    numbers: dict,
    benchmark: Benchmark,
    rules: QualifierRules,
    population: str,
    lang: str = defaults.LANG,
) -> list[dict]:
    """The four key sentences: how high, how fast, how serious (and by type) and how young.

    Returns
    -------
    list of dict
        ``{"key", "qualifier", "holds", "text"}`` in report order.

    Examples
    --------
    >>> from recidive.report.qualifiers import evaluate_qualifiers
    >>> numbers = {"general": {"2": {"rate": 0.1, "ci_lower": 0.08, "ci_upper": 0.12},
    ...                        "7": {"rate": 0.2, "ci_lower": 0.17, "ci_upper": 0.23}},
    ...            "by_type": {}, "age": {}}
    >>> q = evaluate_qualifiers(numbers, Benchmark(), QualifierRules())
    >>> key_sentences(q, numbers, Benchmark(), QualifierRules(), "daders", "nl")[0]["text"]
    'De recidive van daders is lager dan die van alle volwassen daders: 20% recidiveert binnen 7 jaar.'
    """
    texts = {
        "high": _how_high(qualifiers, numbers, benchmark, rules, population, lang),
        "fast": _how_fast(qualifiers, numbers, benchmark, rules, lang),
        "serious": _how_serious(qualifiers, numbers, benchmark, rules, lang),
        "young": _how_young(qualifiers, numbers, rules, lang),
    }
    return [
        {"key": key, "qualifier": key, "holds": qualifiers[key].holds, "text": sentence}
        for key, sentence in texts.items()
    ]


def _how_high(
    qualifiers: dict[str, Qualifier],
    numbers: dict,
    benchmark: Benchmark,
    rules: QualifierRules,
    population: str,
    lang: str,
) -> str:
    """How high: the rate at the high horizon (or the longest one), against the benchmark."""
    cell, h = _longest(numbers, rules.high_horizon)
    if cell is None:
        return text("high_missing", lang, h=horizon_key(rules.high_horizon))
    r = _percent(cell["rate"], lang)
    if qualifiers["high"].holds:
        return text("high_yes", lang, pop=population, r=r, h=h)
    bench_cell = numbers.get("general", {}).get(horizon_key(benchmark.horizon_years)) or {}
    upper = bench_cell.get("ci_upper")
    key = "high_lower" if upper is not None and upper < benchmark.rate else "high_no"
    return text(key, lang, pop=population, bench=benchmark.label(lang), r=r, h=h)


def _how_fast(
    qualifiers: dict[str, Qualifier],
    numbers: dict,
    benchmark: Benchmark,
    rules: QualifierRules,
    lang: str,
) -> str:
    """How fast: the rate at the benchmark horizon (and the mid horizon)."""
    general = numbers.get("general", {})
    hb = horizon_key(benchmark.horizon_years)
    r_b = cell_rate(general.get(hb) or {})
    if r_b is None:
        return text("fast_missing", lang, h=hb)
    holds = qualifiers["fast"].holds
    hm = horizon_key(rules.mid_horizon)
    r_m = cell_rate(general.get(hm))
    mid_key = "fast_mid_yes" if holds else "fast_mid_no"
    mid = "" if r_m is None or hm == hb else text(mid_key, lang, r=_percent(r_m, lang), h=hm)
    if holds:
        key = "fast_yes_after" if qualifiers["high"].holds else "fast_yes"
        return text(key, lang, r=_percent(r_b, lang), h=hb, mid=mid)
    return text(
        "fast_no",
        lang,
        r=_percent(r_b, lang),
        h=hb,
        b=_percent(benchmark.rate, lang),
        bench=benchmark.label(lang),
        mid=mid,
    )


def _how_serious(
    qualifiers: dict[str, Qualifier],
    numbers: dict,
    benchmark: Benchmark,
    rules: QualifierRules,
    lang: str,
) -> str:
    """How serious: serious recidivism at the benchmark horizon against the benchmark, then
    the rates of the listed types of offence at the serious horizon."""
    parts = []
    hq = horizon_key(benchmark.horizon_years)
    cell = numbers.get("serious", {}).get(f"{rules.serious_criterion}|{hq}")
    r_q = cell_rate(cell)
    if r_q is not None:
        holds = qualifiers["serious"].holds
        if holds:
            after = qualifiers["high"].holds or qualifiers["fast"].holds
            key = "serious_q_yes_after" if after else "serious_q_yes"
        else:
            key = "serious_q_no"
        penalty = numbers.get("penalty_years", {}).get(rules.serious_criterion, 4)
        parts.append(
            text(
                key,
                lang,
                hq=hq,
                rq=_percent(r_q, lang),
                s=format_plain(penalty, lang),
                b=_percent(benchmark.rate, lang),
                bench=benchmark.label(lang),
            )
        )
    by_type = numbers.get("by_type", {})
    items = []
    for c in rules.listed_criteria:
        r = cell_rate(by_type.get(c))
        if r is None:
            continue
        key = f"item_{c}" if f"item_{c}" in _ITEMS else "item_other"
        items.append(text(key, lang, r=_percent(r, lang), name=c.replace("_", " ")))
    if items:
        listed = _listed(items, lang)
        if lang == "en":  # "28% reoffend with a property offence, 25% with ..."
            number, rest = listed.split(" ", 1)
            listed = f"{number} reoffend {rest}"
        parts.append(
            text("serious_types", lang, h=horizon_key(rules.serious_horizon), items=listed)
        )
    return " ".join(parts) if parts else text("serious_missing", lang)


def _how_young(
    qualifiers: dict[str, Qualifier], numbers: dict, rules: QualifierRules, lang: str
) -> str:
    """How young: the share under the age cut among recidivists, against all offenders."""
    age = numbers.get("age", {})
    s_rec = age.get("share_under_cut_recidivists", {}).get("value")
    s_off = age.get("share_under_cut_offenders", {}).get("value")
    if s_rec is None:
        return text("young_missing", lang)
    h = horizon_key(age.get("horizon_years", rules.high_horizon))
    if qualifiers["young"].holds:
        return text("young_yes", lang, r=_percent(s_rec, lang), cut=rules.age_cut, h=h)
    if s_off is None:
        return text("young_missing", lang)
    return text(
        "young_no",
        lang,
        r=_percent(s_rec, lang),
        cut=rules.age_cut,
        b=_percent(s_off, lang),
        h=h,
    )


#: The criteria with a sentence item of their own in the catalogue.
_ITEMS = frozenset(k for k in CATALOGUES[defaults.LANG] if k.startswith("item_"))
