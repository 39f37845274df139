"""The test of equal MCFs with a singular robust variance equals R's robust score.

Reference: ``tests/r/mcf_equality_singular.json`` (``tests/r/mcf_equality_singular.R``:
``coxph(Surv(entry, stop, event) ~ factor(group) + cluster(id), ties = "breslow")$rscore``).
One group's persons have no residual, so its variance is 0 up to rounding (~1e-33); a
plain ``solve`` divided by that noise and gave 1.8 where R gives 1.
"""

from __future__ import annotations

import pandas as pd

import recidive as rc

from ._reference import R_DIR, load_json


def test_singular_variance_equals_r():
    ref = load_json(R_DIR / "mcf_equality_singular.json")
    d = pd.DataFrame(ref["data"])
    result = rc.mcf_equality_test(d["stop"], d["event"], d["id"], d["group"], entry=d["entry"])
    assert result.df == ref["df"]
    for value in ref["robust_score"]:  # every reference level gives the same
        assert abs(result.statistic - value) < 1e-10
