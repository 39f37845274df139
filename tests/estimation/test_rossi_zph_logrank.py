"""cox.zph and survdiff on the Rossi data against R (tests/r/rossi_zph_logrank.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import recidive as rc

REFERENCE = json.loads((Path(__file__).parents[1] / "r" / "rossi_zph_logrank.json").read_text())
COVARIATES = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


def test_cox_zph_equals_r_on_rossi():
    rossi = rc.datasets.load_rossi()
    cox = rc.CoxModel(ties="efron").fit(rossi, "week", "arrest", COVARIATES)
    table = cox.check_proportional_hazards().to_frame().set_index("term")
    ref = REFERENCE["zph"]
    np.testing.assert_allclose(table.loc[ref["term"], "chisq"], ref["chisq"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(table.loc[ref["term"], "p_value"], ref["p"], rtol=0, atol=1e-10)
    assert list(table.loc[ref["term"], "df"]) == ref["df"]


def test_logrank_equals_r_survdiff_on_rossi():
    rossi = rc.datasets.load_rossi()
    result = rc.logrank_test(rossi["week"], rossi["arrest"], rossi["fin"])
    ref = REFERENCE["logrank"]
    assert result.statistic == pytest.approx(ref["chisq"], abs=1e-10)
    assert result.df == ref["df"]
    assert result.p_value == pytest.approx(ref["p"], abs=1e-12)
    groups = result.to_frame()
    np.testing.assert_allclose(groups["observed"], ref["observed"], atol=0)
    np.testing.assert_allclose(groups["expected"], ref["expected"], atol=1e-10)
