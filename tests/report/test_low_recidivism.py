"""The sentences follow the data: with few reoffences the section does not call it high."""

from __future__ import annotations

import numpy as np
import pytest
from report_helpers import build_section

import recidive as rc


@pytest.fixture(scope="module")
def low_cohort():
    """The reference registry with the later cases of 85% of the persons removed."""
    reg = rc.datasets.reference_registry(n_persons=3000, seed=5)
    rng = np.random.default_rng(5)
    ids = reg.persons["person_id"].to_numpy()
    keep = set(rng.choice(ids, size=int(0.15 * len(ids)), replace=False).tolist())
    cases = reg.cases[reg.cases["person_id"].isin(keep)]
    low = rc.Registry(reg.persons, cases, reg.detentions, cutoff_date=reg.cutoff_date)
    return rc.build_cohort(low)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_low_recidivism_is_not_called_high(low_cohort, lang):
    section = build_section(low_cohort, lang=lang)
    two = section.numbers["general"]["2"]
    assert two["ci_upper"] < 0.26  # the data really are low
    assert section.qualifiers["high"]["holds"] is False
    assert section.qualifiers["fast"]["holds"] is False
    text = " ".join(s["text"] for s in section.sentences).lower()
    if lang == "nl":
        assert "hoog" not in text and "HOOG" not in section.headline
        assert section.headline.startswith("RECIDIVE BINNEN 7 JAAR: ")
        assert section.sentences[0]["text"].startswith(
            "De recidive van daders van mensenhandel is lager dan die van alle volwassen daders:"
        )
        assert "tegen 26% van alle volwassen daders" in section.sentences[1]["text"]
    else:
        assert "high" not in text and "HIGH" not in section.headline
        assert "lower than among all adult offenders" in section.sentences[0]["text"]


def test_a_benchmark_of_zero_makes_the_same_data_high(low_cohort):
    section = build_section(low_cohort, lang="nl", benchmark=rc.report.Benchmark(rate=0.01))
    assert section.qualifiers["high"]["holds"] is True
    assert "HOOG" in section.headline
