"""The section names its population from the cohort rules' selection, in both languages."""

from __future__ import annotations

import pytest

from recidive import schema
from recidive.errors import ArgumentError
from recidive.report import population_name
from recidive.report.i18n import CODE_LABELS, code_label

DOMESTIC = {"exploitation_form": ("binnenlands_seksueel",)}


@pytest.mark.parametrize(
    ("population", "lang", "name"),
    [
        (DOMESTIC, "nl", "daders van binnenlandse seksuele uitbuiting"),
        (DOMESTIC, "en", "offenders of domestic sexual exploitation"),
        (None, "nl", "daders van mensenhandel"),
        (None, "en", "human trafficking offenders"),
        ({}, "nl", "daders van mensenhandel"),
        (
            {"exploitation_form": ["arbeid", "crimineel", "overig"]},
            "nl",
            "daders van arbeidsuitbuiting, criminele uitbuiting of overige uitbuiting",
        ),
        (
            {"exploitation_form": ["grensoverschrijdend_seksueel", "binnenlands_seksueel"]},
            "en",
            "offenders of cross-border sexual exploitation or domestic sexual exploitation",
        ),
        ({"sex": ["F"]}, "nl", "daders van mensenhandel (sex: F)"),
        (
            {"sex": ["F"], "exploitation_form": ["arbeid"]},
            "en",
            "offenders of labour exploitation (sex: F)",
        ),
    ],
)
def test_population_name(population, lang, name):
    assert population_name(population, lang) == name


def test_an_unknown_language_is_an_argument_error():
    with pytest.raises(ArgumentError, match="lang must be one of"):
        population_name(DOMESTIC, "de")


def test_every_exploitation_form_and_disposal_has_a_label_in_both_languages():
    assert CODE_LABELS["nl"].keys() == CODE_LABELS["en"].keys()
    for code in (*schema.EXPLOITATION_FORMS, *schema.DISPOSALS):
        assert code in CODE_LABELS["nl"] and code_label(code, "nl") != code
        assert code_label(code, "en") != code or code in (
            "conviction",
            "transaction",
            "acquittal",
            "discharge",
        )
    assert not hasattr(schema, "CODE_LABELS") and not hasattr(schema, "code_label")
