"""The method box of the section: how the cohort was made and the numbers were estimated.

The cohort rules are policy (:class:`recidive.CohortRules`, plain data); the
sentences that state them belong to the report, in the report's languages, so
they are written here from the catalogue (:mod:`recidive.report.i18n`) and not by
the rules themselves.
"""

from __future__ import annotations

from recidive import defaults
from recidive._arguments import check_lang
from recidive.report import formatting as fmt
from recidive.report.content import Content
from recidive.report.disclosure import minimum_cohort
from recidive.report.i18n import code_label, text
from recidive.report.monitor_text import monitor_method_entries
from recidive.report.qualifiers import Benchmark, QualifierRules
from recidive.rules import CohortRules


def rules_sentences(rules: CohortRules, lang: str = defaults.LANG) -> list[str]:
    """The cohort rules as short sentences in Dutch (``"nl"``) or English (``"en"``).

    One sentence each for the start of the observation period, what counts as a reoffence,
    the disposals that never count, its end, the registration lag and the
    detention rule (when on), and the thresholds of serious and very serious.

    Parameters
    ----------
    rules : CohortRules
        The rules of the cohort.
    lang : {"nl", "en"}
        Language of the sentences.

    Returns
    -------
    list of str

    Raises
    ------
    recidive.errors.ArgumentError
        For a language other than ``"nl"`` or ``"en"``.

    Examples
    --------
    >>> from recidive import CohortRules
    >>> rules_sentences(CohortRules(), "en")[0]
    'The observation period starts at release from the index custody, else at the index disposal.'
    """
    lang = check_lang(lang)
    lines = [text(f"rule_start_{rules.start}", lang)]
    lines.append(text("rule_crimes" if rules.crimes_only else "rule_all_cases", lang))
    if rules.excluded_disposals:
        disposals = ", ".join(code_label(d, lang) for d in rules.excluded_disposals)
        lines.append(text("rule_disposals", lang, disposals=disposals))
    censor = [
        text(f"rule_{k}", lang) for k in ("death", "emigration") if getattr(rules, f"censor_at_{k}")
    ]
    earlier = text("rule_earlier", lang) + text("rule_or", lang).join(censor) if censor else ""
    lines.append(text("rule_end", lang, earlier=earlier))
    if rules.registration_lag_days:
        lines.append(text("rule_lag", lang, days=rules.registration_lag_days))
    if rules.remove_detention_time:
        lines.append(text("rule_detention", lang))
    serious = fmt.format_plain(rules.serious_min_penalty_years, lang)
    very_serious = fmt.format_plain(rules.very_serious_min_penalty_years, lang)
    lines.append(text("rule_serious", lang, serious=serious, very_serious=very_serious))
    return lines


def method_box(
    content: Content,
    benchmark: Benchmark,
    rules: QualifierRules,
    population: str,
    lang: str,
) -> list[tuple[str, str]]:
    """The method box: (label, text) for data, cohort, reoffence, estimator, CI,
    benchmark, qualifiers and disclosure control, from the safe numbers."""
    m = content.method
    n_read = fmt.SUPPRESSED if m["n_read"] is None else fmt.format_count(m["n_read"], lang)
    definitions = rules_sentences(content.cohort_rules, lang)
    median = m["median_followup_years"]
    if median is not None:
        definitions.append(text("m_followup", lang, median=fmt.format_number(median, lang, 1)))
    penalty = getattr(content.cohort_rules, f"{rules.serious_criterion}_min_penalty_years", 4.0)
    entries = [
        (
            text("m_data", lang),
            text("m_data_text", lang, n_read=n_read, cutoff=m["cutoff_date"] or "—"),
        ),
        (
            text("m_cohort", lang),
            text("m_cohort_text", lang, n=fmt.format_count(m["n_analysed"], lang), pop=population),
        ),
        (text("m_reoffence", lang), " ".join(definitions)),
        (text("m_estimator", lang), text("m_estimator_text", lang)),
        (
            text("m_ci", lang),
            text(
                "m_ci_text",
                lang,
                level=fmt.level_percent(m["conf_level"]),
                conf_type=m["conf_type"],
            ),
        ),
        *monitor_method_entries(content, lang),
        (text("m_benchmark", lang), _benchmark_text(benchmark, lang)),
        (text("m_qualifiers", lang), _qualifiers_text(benchmark, rules, lang, penalty)),
        (text("m_disclosure", lang), _disclosure_text(m["min_cell"], lang)),
    ]
    return [(label, body[:1].upper() + body[1:]) for label, body in entries]


def _disclosure_text(min_cell: int, lang: str) -> str:
    """The rules of disclosure control (:mod:`~recidive.report.disclosure`) in short."""
    if min_cell <= 1:
        return text("m_disclosure_off", lang)
    least = fmt.format_count(minimum_cohort(min_cell), lang)
    return text("m_disclosure_text", lang, m=min_cell, least=least)


def _percent(x: float, lang: str) -> str:
    return fmt.format_percent(x, lang, 0)


def _benchmark_text(benchmark: Benchmark, lang: str) -> str:
    return text(
        "m_benchmark_text",
        lang,
        bench=benchmark.label(lang),
        b=_percent(benchmark.rate, lang),
        h=fmt.horizon_key(benchmark.horizon_years),
        source=benchmark.source,
    )


def _qualifiers_text(benchmark: Benchmark, rules: QualifierRules, lang: str, penalty: float) -> str:
    threshold = benchmark.rate if rules.serious_rate is None else rules.serious_rate
    return text(
        "m_qualifiers_text",
        lang,
        hb=fmt.horizon_key(benchmark.horizon_years),
        b=_percent(benchmark.rate, lang),
        hh=fmt.horizon_key(rules.high_horizon),
        high=_percent(rules.high_rate, lang),
        share=_percent(rules.fast_share, lang),
        hq=fmt.horizon_key(benchmark.horizon_years),
        s=fmt.format_plain(penalty, lang),
        srate=_percent(threshold, lang),
        bench=benchmark.label(lang),
        cut=rules.age_cut,
    )
