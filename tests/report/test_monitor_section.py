"""What the Recidivemonitor's reviewer must find in ``recidive report`` (issue 14).

The CLI is run as a user runs it, on the default synthetic registry and the seed's
population, in Dutch and in English; the tests read the written Markdown and JSON files.
The numbers come from the pipeline; the published figures are the seed's
(``recidive/datasets/data/dadermonitor_2017_2021.json``).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import recidive as rc
from recidive.cli import main
from recidive.report.monitor_content import median_time

PUBLISHED = ("36%", "58%", "65%", "28%", "25%", "12%", "9%", "42%", "26%")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    files = {}
    for lang in ("nl", "en"):
        target = out / lang
        args = ["report", "--quiet", "--lang", lang, "--format", "md,json", "--out", str(target)]
        assert main(args) == 0
        (md,) = target.glob("*.md")
        (data,) = target.glob("*.json")
        files[lang] = (md.read_text(encoding="utf-8"), json.loads(data.read_text(encoding="utf-8")))
    return files


def _key_text(md: str) -> str:
    """The headline and the bullet sentences before the figures."""
    return md.split("###")[0]


def test_dutch_report_shows_the_seeds_figures_in_the_monitors_terms(written):
    md, data = written["nl"]
    key = _key_text(md)
    assert "De recidive van daders van binnenlandse seksuele uitbuiting is hoog: 65%" in key
    for value in PUBLISHED:
        assert value in key, value
    assert "Een derde van alle daders (33%)" in key
    assert "van alle volwassen daders recidiveert 26% binnen 2 jaar" in key
    # serious and very serious recidivism: sentence and table
    assert "Ernstige recidive (een nieuw misdrijf met een wettelijk strafmaximum van 4 jaar" in key
    assert "Zeer ernstige recidive (8 jaar of meer)" in key
    assert "Ernstige en zeer ernstige recidive na 2, 5 en 7 jaar" in md
    # the 42%: horizon, correction, interval, raw share
    assert "Die 42% is het aandeel jonger dan 23 jaar onder wie binnen 7 jaar recidiveert" in key
    assert "gecorrigeerd voor ongelijke observatieperiodes" in key and "Ongecorrigeerd" in key
    assert "De soorten delicten overlappen" in key
    assert "De helft van de daders recidiveert binnen" in key
    # the model check, competing risks and the selection by type and age
    assert "Toets op proportionele hazards" in md and "**Modelcontrole.**" in md
    assert "**Concurrerende risico's.** Met overlijden als concurrerende gebeurtenis" in md
    assert "Recidive per soort delict naar leeftijd bij het delict" in md
    # the Recidivemonitor's words: the observation period and its end, not "peildatum"
    assert "peildatum" not in md and "follow-up" not in md.lower()
    assert "observatieperiode" in md and "einddatum van de observatie" in md
    assert "datum van de gegevensstand 2022-06-30" in md
    assert data["qualifiers"]["serious"]["holds"] is True


def test_english_report_shows_the_same(written):
    md, data = written["en"]
    key = _key_text(md)
    assert "Recidivism among offenders of domestic sexual exploitation is high: 65%" in key
    for value in PUBLISHED:
        assert value in key, value
    assert "A third of all offenders (33%)" in key
    assert "Serious recidivism (a new crime with a statutory maximum of 4 years" in key
    assert "Very serious recidivism (8 years or more)" in key
    assert "That 42% is the share younger than 23 among those who reoffend within 7 years" in key
    assert "The types of offence overlap" in key
    assert "Proportional-hazards test" in md and "**Model check.**" in md
    assert "**Competing risks.** With death as a competing event" in md


def test_json_numbers_of_the_new_blocks(written):
    _, data = written["nl"]
    numbers = data["numbers"]
    recidivists = numbers["age"]["share_under_cut_recidivists"]
    assert recidivists["ci_lower"] < recidivists["value"] < recidivists["ci_upper"]
    assert recidivists["raw"] is not None and abs(recidivists["raw"] - recidivists["value"]) < 0.1
    for h in ("2", "5", "7"):  # death competing: never above Kaplan-Meier
        assert numbers["competing"][h]["rate"] <= numbers["general"][h]["rate"]
    assert numbers["competing"]["7"]["rate"] < numbers["general"]["7"]["rate"]
    serious = numbers["serious"]
    assert (
        serious["very_serious|2"]["rate"]
        < serious["serious|2"]["rate"]
        < numbers["general"]["2"]["rate"]
    )
    assert numbers["median_time"]["status"] == "ok"
    zph = data["tables"]["zph"]["rows"]
    assert zph[-1]["term"] == "GLOBAL" and all("p_value" in r for r in zph)


def test_median_time_is_the_kaplan_meier_quantile_or_not_reached(default_cohort, small_cohort):
    """As R quantile.survfit: the first time the curve reaches 50% (KMResult.quantile, tested
    against R there); NaN and 'not_reached' when it never does."""
    persons = default_cohort.persons
    km = rc.kaplan_meier(persons["general_days"], persons["general_event"])
    est, lower, upper = (x / 365.25 for x in km.quantile(0.5))
    published = rc.recidivism_rates(default_cohort, horizons=(5,), by=["age_group"]).to_frame()
    published = published.assign(status="ok")
    conf = {"conf_type": "log-log", "conf_level": 0.95}
    median = median_time(default_cohort, published, conf)
    assert median["years"] == round(est, 1) and median["ci_lower"] == round(lower, 1)
    assert median["ci_upper"] == round(upper, 1)
    persons = small_cohort.persons.assign(general_event=0)  # nobody reoffends
    flat = type(small_cohort)(
        persons,
        *[
            getattr(small_cohort, f)
            for f in ("attrition", "cases", "rules", "cutoff_date", "fingerprint", "criteria")
        ],
    )
    median = median_time(flat, published, conf)
    assert median["status"] == "not_reached" and median["years"] is None


def test_small_cells_of_the_type_by_age_table_show_as_suppressed(small_section_nl):
    table = small_section_nl.table("by_type_age")
    frame = table.to_frame()
    bands = frame[frame["split"] == "age_band"]
    # every type for every band and both monitor groups: a row each, hidden cells marked
    assert len(bands) == 4 * 5 and len(frame[frame["split"] == "age_group"]) == 4 * 2
    shown = table.display_rows("nl")
    assert any("×" in row for row in shown)
    assert all(
        np.isnan(frame.loc[i, "rate_7"])
        for i in frame.index
        if "rate_7" in frame.at[i, "suppressed"]
    )
