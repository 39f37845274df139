"""The section on the calibrated default registry reads like the published one.

The expected numbers are computed here by calling the estimators directly, so the
sentences are checked against estimation, not against the report code or constants.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from report_helpers import build_section

import recidive as rc

DAYS = 365.25
DUTCH_WORDS = {
    "de",
    "het",
    "een",
    "van",
    "en",
    "binnen",
    "jaar",
    "daders",
    "recidive",
    "recidiveert",
    "jonger",
    "dan",
    "hoog",
    "snel",
    "ernstig",
    "jong",
    "met",
    "ook",
    "bovendien",
    "wederom",
    "tegen",
    "vaak",
    "zijn",
    "delicten",
}


def km_rate(cohort, criterion: str, years: float) -> float:
    frame = cohort.survival_frame(criterion)
    km = rc.kaplan_meier(frame["days"].to_numpy(), frame["event"].to_numpy())
    return float(1.0 - km.at([years * DAYS])["survival"].iloc[0])


def pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def corrected_young_share(cohort, years: float = 7, cut: int = 23) -> float:
    persons = cohort.persons
    young = (persons["age_group"].astype(str) == f"<{cut}").to_numpy()  # completed years
    days = persons["general_days"].to_numpy(float)
    event = persons["general_event"].to_numpy(int)
    rates = []
    for mask in (young, ~young):
        km = rc.kaplan_meier(days[mask], event[mask])
        rates.append(1.0 - float(km.at([years * DAYS])["survival"].iloc[0]))
    p = young.mean()
    return p * rates[0] / (p * rates[0] + (1 - p) * rates[1])


@pytest.fixture(scope="module")
def expected(default_cohort):
    return {
        "general_2": km_rate(default_cohort, "general", 2),
        "general_5": km_rate(default_cohort, "general", 5),
        "general_7": km_rate(default_cohort, "general", 7),
        "property_5": km_rate(default_cohort, "property", 5),
        "violence_5": km_rate(default_cohort, "violence", 5),
        "drugs_5": km_rate(default_cohort, "drugs", 5),
        "human_trafficking_5": km_rate(default_cohort, "human_trafficking", 5),
        "young_share": corrected_young_share(default_cohort),
    }


def test_estimates_round_to_the_published_figures(expected):
    published = {
        "general_2": "36%",
        "general_5": "58%",
        "general_7": "65%",
        "property_5": "28%",
        "violence_5": "25%",
        "drugs_5": "12%",
        "human_trafficking_5": "9%",
        "young_share": "42%",
    }
    assert {k: pct(v) for k, v in expected.items()} == published


def test_dutch_sentences_state_the_estimates(default_section_nl, expected):
    high, fast, serious, young = (s["text"] for s in default_section_nl.sentences[:4])
    e = {k: pct(v) for k, v in expected.items()}
    assert high == (
        "De recidive van daders van binnenlandse seksuele uitbuiting is hoog: "
        f"{e['general_7']} recidiveert binnen 7 jaar."
    )
    assert fast == (
        f"Bovendien is de recidive snel: {e['general_2']} van de daders recidiveert al binnen "
        f"2 jaar en {e['general_5']} binnen 5 jaar."
    )
    assert serious.startswith("Ook is de recidive ernstig: binnen 2 jaar pleegt ")
    assert serious.endswith(
        f"Binnen 5 jaar recidiveert {e['property_5']} met "
        f"vermogensdelicten, {e['violence_5']} met geweldsdelicten, {e['drugs_5']} met "
        f"drugsdelicten en {e['human_trafficking_5']} met wederom mensenhandel."
    )
    assert young == (
        "Daders die recidiveren zijn vaak jong: van wie binnen 7 jaar recidiveert, is "
        f"{e['young_share']} jonger dan 23 jaar."
    )
    for value in ("36%", "58%", "65%", "28%", "25%", "12%", "9%", "42%"):
        assert value in " ".join([high, fast, serious, young])


def test_dutch_headline_and_qualifiers(default_section_nl, published):
    assert default_section_nl.headline == published["headline_nl"]
    assert {k: q["holds"] for k, q in default_section_nl.qualifiers.items()} == {
        "high": True,
        "fast": True,
        "serious": True,
        "young": True,
    }


def test_numbers_in_json_are_the_estimates_at_the_printed_precision(default_section_nl, expected):
    # rates as the tables print them (one decimal of a percent), the share as the text
    numbers = default_section_nl.to_dict()["numbers"]
    for h in ("2", "5", "7"):
        cell = numbers["general"][h]
        assert cell["rate"] == round(expected[f"general_{h}"], 3)
        assert cell["ci_lower"] < cell["rate"] < cell["ci_upper"]
        assert isinstance(cell["n"], int) and cell["n"] == len(default_section_nl_n(numbers))
        assert not {"n_events", "n_at_risk", "std_err"} & set(cell)
    for c in ("property", "violence", "drugs", "human_trafficking"):
        assert numbers["by_type"][c]["rate"] == round(expected[f"{c}_5"], 3)
    share = numbers["age"]["share_under_cut_recidivists"]["value"]
    assert share == round(expected["young_share"], 2)


def default_section_nl_n(numbers):
    return range(numbers["n_persons"])


def test_table_uses_dutch_decimal_comma(default_section_nl, expected):
    rows = default_section_nl.table("general").display_rows("nl")
    two_years = next(r for r in rows if r[0] == "2 jaar")
    assert two_years[1] == f"{100 * expected['general_2']:.1f}%".replace(".", ",")
    assert re.fullmatch(r"\d+,\d–\d+,\d%", two_years[2])


def test_english_reads_as_english(default_section_en, expected):
    sentences = [s["text"] for s in default_section_en.sentences]
    words = {w.lower() for s in sentences for w in re.findall(r"[A-Za-z]+", s)}
    assert not words & DUTCH_WORDS, words & DUTCH_WORDS
    assert default_section_en.headline == "RECIDIVISM IS HIGH, FAST AND SERIOUS"
    assert sentences[0] == (
        "Recidivism among offenders of domestic sexual exploitation is high: "
        f"{pct(expected['general_7'])} reoffend within 7 years."
    )
    assert sentences[1] == (
        f"Moreover, recidivism is fast: {pct(expected['general_2'])} of offenders reoffend "
        f"within 2 years and {pct(expected['general_5'])} within 5 years."
    )
    table = default_section_en.table("general").display_rows("en")
    assert "." in table[1][1] and "," not in table[1][1]


def test_figures_tables_method_and_provenance(default_section_nl, default_cohort):
    s = default_section_nl
    assert [f.name for f in s.figures] == [
        "figure_1_cumulative",
        "figure_2_by_type",
        "figure_3_by_age",
        "figure_frequency",
        "figure_trend",
    ]
    assert all(f.png.startswith(b"\x89PNG") and "<svg" in f.svg for f in s.figures)
    assert {t.name for t in s.tables} >= {
        "general",
        "by_type",
        "by_age",
        "cox",
        "standardised",
        "attrition",
        "trend",
    }
    cox = s.table("cox").to_frame()
    assert {"age_decades", "prior_log2", "female"} <= set(cox["covariate"])
    assert np.all(cox["hazard_ratio"] > 0)
    assert s.numbers["logrank"]["p_value"] is not None
    assert s.provenance["fingerprint"] == default_cohort.fingerprint
    assert s.provenance["rules"]["monitor_age_cut"] == 23
    labels = [label for label, _ in s.method]
    assert labels[:3] == ["Gegevens", "Cohort", "Recidive"]
    assert any("Kaplan-Meier" in text for _, text in s.method)


def test_the_section_names_the_selected_population_as_the_seed_does(
    default_section_nl, default_section_en, default_cohort, published
):
    # the published sentence, word for word: the population comes from the selection
    assert default_section_nl.sentences[0]["text"] == published["published_sentences_nl"][0]
    assert default_cohort.rules.population == {"exploitation_form": ("binnenlands_seksueel",)}
    assert set(default_cohort.persons["exploitation_form"].astype(str)) == {"binnenlands_seksueel"}
    assert default_section_nl.provenance["rules"]["population"] == {
        "exploitation_form": ["binnenlands_seksueel"]
    }
    cohort_text = dict(default_section_en.method)["Cohort"]
    assert "offenders of domestic sexual exploitation" in cohort_text
    attrition = default_section_nl.table("attrition").display_rows("nl")
    assert any("buiten de onderzoekspopulatie" in cell for row in attrition for cell in row)


def test_without_a_selection_the_section_is_about_all_trafficking_offenders(small_section_nl):
    assert small_section_nl.sentences[0]["text"].startswith(
        "De recidive van daders van mensenhandel "
    )


def test_a_population_label_overrides_the_name(small_cohort):
    section = build_section(small_cohort, lang="en", population_label="the offenders in Utrecht")
    assert section.sentences[0]["text"].startswith("Recidivism among the offenders in Utrecht ")
