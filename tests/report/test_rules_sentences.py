"""The cohort rules in words (the method box): ``recidive.report.rules_sentences``."""

from __future__ import annotations

import pytest

from recidive import CohortRules
from recidive.errors import ArgumentError
from recidive.report import rules_sentences


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_rules_sentences(lang):
    lines = rules_sentences(CohortRules(registration_lag_days=90, remove_detention_time=True), lang)
    assert len(lines) == 7 and all(isinstance(x, str) and x for x in lines)
    assert any("90" in x for x in lines)


def test_rules_sentences_unknown_language():
    with pytest.raises(ArgumentError, match="lang must be one of 'nl', 'en'; got 'de'"):
        rules_sentences(CohortRules(), "de")


def test_rules_sentences_follow_the_rules():
    rules = CohortRules(
        start="disposal",
        crimes_only=False,
        excluded_disposals=("acquittal",),
        censor_at_death=False,
        serious_min_penalty_years=4.5,
    )
    assert rules_sentences(rules, "en") == [
        "The observation period starts at the index disposal.",
        "A reoffence is any later case (crime or misdemeanour) committed after the start "
        "and on or before the end of the observation period.",
        "Cases ending in acquittal do not count.",
        "The observation period ends at the end of observation (the data cut-off), or earlier "
        "at emigration.",
        "Serious: statutory maximum of 4.5 years or more; very serious: 8 years or more.",
    ]
    dutch = rules_sentences(rules, "nl")
    assert dutch[0] == "De observatieperiode begint bij de afdoening van de indexzaak."
    assert dutch[3] == (
        "De observatieperiode eindigt op de einddatum van de observatie (de datum van de "
        "gegevensstand), of eerder bij emigratie."
    )
    # the Recidivemonitor's terms: no "peildatum" for the cut-off, no "follow-up" in Dutch
    assert not any("peildatum" in x or "follow-up" in x for x in dutch)
    assert dutch[-1] == (
        "Ernstig: wettelijk strafmaximum van 4,5 jaar of meer; zeer ernstig: 8 jaar of meer."
    )
