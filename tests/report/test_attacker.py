"""The attacker test: small random registries, only the published files, every route.

For each registry (10 to 500 persons, a seeded draw of sizes, seeds and thresholds) the
section is built in Dutch and English and saved; :mod:`attacker` reads only the files and
tries every route to a count of 1 to ``min_cell - 1`` persons, against the cohort's true
counts. It must find nothing. Cohorts under the policy's minimum must be refused.

In the suite: :data:`N_REGISTRIES` registries (36) written as Markdown and JSON (with the
figure data), no rendering, and two registries in every format (HTML with the embedded
PNGs, PNG and SVG figures, the curves read back from the SVG paths). With
``RECIDIVE_ATTACK_N=300`` the test runs that many registries, every one in every format
(about 4 s per registry on the project's machine); the result is recorded in
``docs/disclosure.md``.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter

import numpy as np
import pytest
from attacker import AGE_GROUPS, Truth, attack, read_published
from report_helpers import FIXED_DATE

import recidive as rc
from recidive.errors import DisclosureError, SmallCellWarning
from recidive.report import content, disclosure, frequency_content, safe_rates

OPT_IN = "RECIDIVE_ATTACK_N" in os.environ
N_REGISTRIES = int(os.environ.get("RECIDIVE_ATTACK_N", "36"))
ALL_FORMATS = {"formats": ("html", "md", "json"), "figure_formats": ("png", "svg")}
FAST_FORMATS = {"formats": ("md", "json"), "figure_formats": ()}
HORIZONS = range(1, 8)
CRITERIA = ("general", "property", "violence", "drugs", "human_trafficking")


def draws(n: int) -> list[tuple[int, int, int]]:
    """(persons, seed, min_cell): sizes log-uniform in 10..500, mostly the default threshold."""
    rng = np.random.default_rng(13)
    sizes = np.exp(rng.uniform(np.log(10), np.log(500), n)).astype(int)
    thresholds = rng.choice([10, 10, 10, 5, 20], n)
    return [
        (int(s), 1000 + i, int(m)) for i, (s, m) in enumerate(zip(sizes, thresholds, strict=True))
    ]


def section(cohort, lang: str, min_cell: int):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        return rc.report.recidivism_section(
            cohort, lang=lang, min_cell=min_cell, generated_at=FIXED_DATE
        )


def small_targets(truth: Truth, min_cell: int) -> int:
    """True counts of reoffenders under the threshold at the table horizons (what could leak)."""
    return sum(
        0 < truth.events(c, g, h) < min_cell
        for c in CRITERIA
        for g in ("all", *AGE_GROUPS)
        for h in HORIZONS
    )


def attack_registry(n_persons: int, seed: int, min_cell: int, directory, formats) -> dict:
    cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=n_persons, seed=seed))
    truth = Truth(cohort)
    result = {"findings": [], "tried": Counter(), "sections": 0, "refused": 0, "targets": 0}
    for lang in ("nl", "en"):
        if len(cohort.persons) < disclosure.minimum_cohort(min_cell):
            with pytest.raises(DisclosureError, match="a section needs at least"):
                section(cohort, lang, min_cell)
            result["refused"] += 1
            continue
        section(cohort, lang, min_cell).save(directory, **formats)
        found = attack(read_published(directory, lang), truth)
        where = f"registry n={n_persons} seed={seed} min_cell={min_cell} {lang}"
        result["findings"] += [f"{where}: {f}" for f in found.findings]
        result["tried"] += found.tried
        result["sections"] += 1
        result["targets"] += small_targets(truth, min_cell)
    return result


def run(registries, tmp_path, formats) -> dict:
    total = {"findings": [], "tried": Counter(), "sections": 0, "refused": 0, "targets": 0}
    for i, (n, seed, m) in enumerate(registries):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallCellWarning)  # min_cell=5 warns by design
            result = attack_registry(n, seed, m, tmp_path / str(i), formats)
        for key in total:
            total[key] += result[key]
    return total


def test_the_attacker_finds_nothing(tmp_path):
    registries = draws(N_REGISTRIES)
    total = run(registries, tmp_path, ALL_FORMATS if OPT_IN else FAST_FORMATS)
    if not OPT_IN:  # every format, SVG read back, on two of them
        more = run([(220, 77, 10), (60, 78, 10)], tmp_path / "all", ALL_FORMATS)
        assert more["tried"]["svg step"] > 0 and more["tried"]["file"] >= 2 * 2 * 4
        for key in total:
            total[key] += more[key]
    print(
        f"\nattacker: {len(registries)} registries, {total['sections']} sections, "
        f"{total['refused']} refused, {total['targets']} true small counts at table "
        f"horizons, routes tried {dict(total['tried'])}, findings {len(total['findings'])}"
    )
    assert total["sections"] > len(registries)  # most registries publish, in both languages
    assert total["targets"] > 100  # the registries are small enough for counts to hide
    for route in ("rate x N", "difference", "interval", "persons leaving", "published count",
                  "frequency cases", "frequency / per recidivist"):  # fmt: skip
        assert total["tried"][route] > 0, route
    assert not total["findings"], "\n".join(total["findings"][:30])


# -- the attacker has teeth: with a rule switched off it finds what that rule protects ----------
def findings_with(registries, tmp_path, published_min_cell=None) -> list[str]:
    findings = []
    for i, (n, seed, m) in enumerate(registries):
        cohort = rc.build_cohort(rc.datasets.reference_registry(n_persons=n, seed=seed))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallCellWarning)
            s = section(cohort, "nl", published_min_cell or m)
        s.save(tmp_path / str(i), **FAST_FORMATS)
        pub = read_published(tmp_path / str(i), "nl")
        pub.min_cell = m  # the attacker judges by the office's threshold
        findings += attack(pub, Truth(cohort)).findings
    return findings


TEETH = [(40, 5, 10), (90, 6, 10), (150, 7, 10), (300, 8, 10)]


def test_without_suppression_the_attacker_finds_small_counts(tmp_path):
    findings = findings_with(TEETH, tmp_path, published_min_cell=1)
    for route in ("rate x N", "difference", "published count", "persons leaving", "frequency"):
        assert any(f.startswith(route) for f in findings), route


def test_without_the_event_total_rule_frequencies_give_small_counts(tmp_path, monkeypatch):
    def everything_safe(contributions, min_cell=10, nk=None, p=None):
        return float(np.sum(contributions)), ""

    monkeypatch.setattr(frequency_content.disclosure, "safe_event_total", everything_safe)
    findings = findings_with(TEETH, tmp_path)
    assert any(f.startswith("frequency") for f in findings)


def test_without_the_increment_rule_differences_give_small_counts(tmp_path, monkeypatch):
    def no_increment_rule(events, at_risk, order, min_cell=10, fill=()):
        events, at_risk = np.atleast_2d(events), np.atleast_2d(at_risk)
        return sorted(
            j
            for j in {*order, *fill}
            if (at_risk[:, j] >= min_cell).all()
            and all(disclosure.count_is_safe(x, min_cell) for x in events[:, j])
        )

    monkeypatch.setattr(safe_rates, "select_points", no_increment_rule)
    findings = findings_with(TEETH, tmp_path)
    assert any(f.startswith("difference") for f in findings)


def test_without_secondary_suppression_total_minus_parts_gives_a_small_group(tmp_path, monkeypatch):
    monkeypatch.setattr(
        safe_rates, "hidden_groups", lambda sizes, m: {g for g, n in sizes.items() if n < m}
    )
    registries = [(n, seed, 20) for n, seed in ((60, 3), (45, 9), (70, 21), (50, 31))]
    cohorts = [
        rc.build_cohort(rc.datasets.reference_registry(n_persons=n, seed=s))
        for n, s, _ in registries
    ]
    small = [
        r for r, c in zip(registries, cohorts, strict=True)
        if min(Truth(c).size(g) for g in AGE_GROUPS) < 20
    ]  # fmt: skip
    assert small, "no registry with a small age group"
    findings = findings_with(small, tmp_path)
    assert any(f.startswith("total minus parts") for f in findings)


def test_without_the_nesting_rule_general_minus_a_type_gives_small_counts(tmp_path, monkeypatch):
    monkeypatch.setattr(content, "Containing", lambda *args, **kwargs: None)
    findings = findings_with([(400, 7, 10), (250, 9, 10)], tmp_path)
    assert any(f.startswith("general minus a type") for f in findings)


def test_without_the_censored_rule_numbers_at_risk_give_small_counts(tmp_path, monkeypatch):
    original = disclosure.suppress_at_risk
    monkeypatch.setattr(
        disclosure, "suppress_at_risk", lambda f, m: original(f.drop(columns="n_events"), m)
    )
    findings = findings_with([(400, 7, 10), *TEETH], tmp_path)
    assert any(f.startswith("persons leaving without a reoffence") for f in findings)


# -- special registries -----------------------------------------------------------------------
def test_an_empty_age_group_is_shown_as_suppressed_not_dropped(tmp_path):
    registry = rc.datasets.reference_registry(n_persons=200, seed=4)
    persons = registry.persons
    age = (persons["index_offence_date"] - persons["birth_date"]).dt.days / 365.25
    keep = persons[age >= 24]
    cases = registry.cases[registry.cases["person_id"].isin(keep["person_id"])]
    detentions = registry.detentions[registry.detentions["person_id"].isin(keep["person_id"])]
    cohort = rc.build_cohort(rc.Registry(keep, cases, detentions, cutoff_date=registry.cutoff_date))
    assert Truth(cohort).size("<23") == 0
    for lang in ("nl", "en"):
        s = section(cohort, lang, 10)
        s.save(tmp_path, **FAST_FORMATS)
        by_age = s.table("by_age").to_frame()
        assert set(by_age["age_group"]) == {"all", "<23", "23+"}
        groups = by_age[by_age["age_group"] != "all"]
        assert groups["n"].isna().all() and (groups["status"] == "suppressed").all()
        assert attack(read_published(tmp_path, lang), Truth(cohort)).findings == []
