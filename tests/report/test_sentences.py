"""Qualifier rules and sentence generation, on hand-made numbers in the contract's shape."""

from __future__ import annotations

import pytest

from recidive.report.qualifiers import Benchmark, QualifierRules, evaluate_qualifiers
from recidive.report.sentences import headline, key_sentences


def rate(r, lo=None, hi=None):
    return {
        "rate": r,
        "ci_lower": r - 0.02 if lo is None else lo,
        "ci_upper": r + 0.02 if hi is None else hi,
    }


def numbers(
    r2=0.36,
    r5=0.58,
    r7=0.65,
    violence=0.25,
    ht=0.09,
    young_rec=0.42,
    young_off=0.333,
    lo2=None,
    hi2=None,
    serious2=0.30,
):
    return {
        "serious": {"serious|2": rate(serious2)},
        "penalty_years": {"serious": 4.0, "very_serious": 8.0},
        "general": {"2": rate(r2, lo2, hi2), "5": rate(r5), "7": rate(r7)},
        "by_type": {
            "property": rate(0.28),
            "violence": rate(violence),
            "drugs": rate(0.12),
            "human_trafficking": rate(ht),
        },
        "age": {
            "horizon_years": 7.0,
            "share_under_cut_offenders": {"value": young_off},
            "share_under_cut_recidivists": {"value": young_rec},
        },
    }


RULES, BENCH = QualifierRules(), Benchmark()


def verdicts(n, rules=RULES, bench=BENCH):
    return {k: q.holds for k, q in evaluate_qualifiers(n, bench, rules).items()}


def test_published_figures_give_all_four_qualifiers():
    assert verdicts(numbers()) == {"high": True, "fast": True, "serious": True, "young": True}


def test_high_needs_ci_above_benchmark_or_high_long_term_rate():
    assert verdicts(numbers(r2=0.28, lo2=0.27, r5=0.35, r7=0.45))["high"] is True
    assert verdicts(numbers(r2=0.28, lo2=0.25, r5=0.35, r7=0.45))["high"] is False
    assert verdicts(numbers(r2=0.20, lo2=0.18, r5=0.45, r7=0.55))["high"] is True


def test_fast_needs_early_share_and_rate_above_benchmark():
    assert verdicts(numbers(r2=0.30, r7=0.70))["fast"] is False  # 43% of 7y within 2y
    assert verdicts(numbers(r2=0.20, r7=0.30))["fast"] is False  # early, but under benchmark
    assert verdicts(numbers(r2=0.36, r7=0.65))["fast"] is True


def test_serious_and_young_thresholds():
    # serious: the lower bound of serious recidivism at 2 years above the benchmark's 26%
    assert verdicts(numbers(serious2=0.27))["serious"] is False  # lower bound 25%
    assert verdicts(numbers(serious2=0.29))["serious"] is True  # lower bound 27%
    assert verdicts(numbers(serious2=0.29, violence=0.01, ht=0.0))["serious"] is True
    assert verdicts(numbers(young_rec=0.30, young_off=0.333))["young"] is False
    rules = QualifierRules(young_margin=0.10)
    assert verdicts(numbers(), rules=rules)["young"] is False


def test_rules_and_benchmark_are_configurable():
    assert verdicts(numbers(), bench=Benchmark(rate=0.40))["fast"] is False
    assert verdicts(numbers(), rules=QualifierRules(serious_rate=0.30))["serious"] is False
    assert verdicts(numbers(), bench=Benchmark(rate=0.30))["serious"] is False


def test_missing_numbers_are_not_evaluated():
    n = numbers()
    n["age"]["share_under_cut_recidivists"]["value"] = None
    n["serious"] = {}
    q = verdicts(n)
    assert q["young"] is None and q["serious"] is None


def sentences(n, lang="nl", rules=RULES, bench=BENCH):
    q = evaluate_qualifiers(n, bench, rules)
    return headline(q, n, rules, lang), [
        s["text"] for s in key_sentences(q, n, bench, rules, "daders", lang)
    ]


def test_published_sentences_in_dutch():
    head, text = sentences(numbers())
    assert head == "RECIDIVE IS HOOG, SNEL EN ERNSTIG"
    assert text == [
        "De recidive van daders is hoog: 65% recidiveert binnen 7 jaar.",
        "Bovendien is de recidive snel: 36% van de daders recidiveert al binnen 2 jaar en 58% "
        "binnen 5 jaar.",
        "Ook is de recidive ernstig: binnen 2 jaar pleegt 30% een ernstig delict (wettelijk "
        "strafmaximum van 4 jaar of meer), meer dan de 26% van alle volwassen daders die "
        "binnen 2 jaar enig nieuw misdrijf pleegt. Binnen 5 jaar recidiveert 28% met "
        "vermogensdelicten, 25% met geweldsdelicten, 12% met drugsdelicten en 9% met wederom "
        "mensenhandel.",
        "Daders die recidiveren zijn vaak jong: van wie binnen 7 jaar recidiveert, is 42% "
        "jonger dan 23 jaar.",
    ]


def test_low_recidivism_is_stated_neutrally():
    head, text = sentences(
        numbers(
            r2=0.10,
            r5=0.16,
            r7=0.20,
            lo2=0.08,
            hi2=0.12,
            violence=0.04,
            ht=0.01,
            young_rec=0.30,
            serious2=0.08,
        )
    )
    assert head == "RECIDIVE BINNEN 7 JAAR: 20%"
    assert text[0] == (
        "De recidive van daders is lager dan die van alle volwassen daders: "
        "20% recidiveert binnen 7 jaar."
    )
    assert text[1] == (
        "Binnen 2 jaar recidiveert 10% van de daders, tegen 26% van alle "
        "volwassen daders; binnen 5 jaar is dat 16%."
    )
    assert text[2].startswith(
        "Binnen 2 jaar pleegt 8% een ernstig delict (wettelijk strafmaximum van 4 jaar of "
        "meer), tegen 26% van alle volwassen daders met enig nieuw misdrijf. Binnen 5 jaar "
        "recidiveert 28% met vermogensdelicten"
    )
    assert text[3] == (
        "Van wie binnen 7 jaar recidiveert, is 30% jonger dan 23 jaar, tegen 33% van alle daders."
    )
    joined = " ".join([head, *text]).lower()
    for word in ("hoog", "snel", "recidive ernstig", "wel ernstig", "vaak jong"):
        assert word not in joined


def test_partial_qualifiers_change_the_headline():
    head, text = sentences(numbers(r2=0.28, lo2=0.25, hi2=0.31, r5=0.35, r7=0.45))
    assert head == "RECIDIVE IS SNEL EN ERNSTIG"
    assert text[0].startswith("De recidive van daders is niet duidelijk hoger dan die van")
    assert text[1].startswith("De recidive is wel snel: 28%")
    head, _ = sentences(numbers(), lang="en")
    assert head == "RECIDIVISM IS HIGH, FAST AND SERIOUS"


def test_english_sentences():
    _, text = sentences(numbers(), lang="en")
    assert text[0] == "Recidivism among daders is high: 65% reoffend within 7 years."
    assert text[2] == (
        "Recidivism is also serious: within 2 years, 30% commit a serious offence (statutory "
        "maximum of 4 years or more), more than the 26% of all adult offenders who commit any "
        "new crime within 2 years. Within 5 years, 28% reoffend with a property offence, 25% "
        "with a violent offence, 12% with a drug offence and 9% again with human trafficking."
    )
    assert text[3] == (
        "Offenders who reoffend are often young: of those who reoffend within 7 years, 42% are "
        "younger than 23."
    )


def test_suppressed_numbers_say_they_cannot_be_reported():
    n = numbers()
    n["general"]["7"] = {"rate": None}
    n["by_type"]["drugs"] = {"rate": None}
    _, text = sentences(n)
    assert text[0] == "De recidive van daders is hoog: 58% recidiveert binnen 5 jaar."
    assert "drugsdelicten" not in text[2]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_benchmark_label(lang):
    assert Benchmark(0.3, label_nl="x", label_en="y").label(lang) == {"nl": "x", "en": "y"}[lang]
