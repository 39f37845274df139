"""Bad arguments raise ArgumentError with a message that says what to do."""

import numpy as np
import pandas as pd
import pytest

from recidive.errors import ArgumentError
from recidive.estimation.competing_risks import cumulative_incidence
from recidive.estimation.horizon_rates import survival_rates
from recidive.estimation.kaplan_meier import KaplanMeier, kaplan_meier
from recidive.estimation.logrank import logrank_test


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"time": [1, -2, 3], "event": [1, 0, 1]},
            r"time has negative values in 1 rows \(rows 1\)",
        ),
        (
            {"time": [1, 2, 3], "event": [1, 2, 1]},
            r"event must be 0 \(censored\) or 1 \(event\); 1 rows",
        ),
        ({"time": [1, 2, 3], "event": [1, 0]}, r"event has 2 values but time has 3"),
        (
            {"time": [1, np.nan, 3], "event": [1, 0, 1]},
            r"time has NaN or infinite values in 1 rows",
        ),
        ({"time": [1, np.inf, 3], "event": [1, 0, 1]}, r"time has NaN or infinite values"),
        (
            {"time": [1, 2], "event": [1, 0], "conf_type": "logit"},
            r"conf_type must be one of 'log-log', 'log', 'plain'; got 'logit'",
        ),
        (
            {"time": [1, 2], "event": [1, 0], "conf_level": 95},
            r"conf_level must lie strictly between 0 and 1",
        ),
        (
            {"time": [1, 2], "event": [1, 0], "weights": [1, -1]},
            r"weights has negative values in 1 rows",
        ),
        (
            {"time": [1, 2], "event": [1, 0], "weights": [1, 2, 3]},
            r"weights has 3 values but time has 2",
        ),
        ({"time": ["a", "b"], "event": [1, 0]}, r"time must be numeric"),
        ({"time": [], "event": []}, r"time is empty"),
    ],
)
def test_kaplan_meier_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ArgumentError, match=message):
        kaplan_meier(**kwargs)


def test_class_and_other_estimators_use_the_same_gateway():
    with pytest.raises(ArgumentError, match="conf_type must be one of"):
        KaplanMeier(conf_type="arcsin").fit([1, 2], [1, 0])
    with pytest.raises(ArgumentError, match="cause must hold non-negative integer codes"):
        cumulative_incidence([1, 2], [1, -1])
    with pytest.raises(ArgumentError, match="groups is missing in 1 rows"):
        logrank_test([1, 2, 3], [1, 0, 1], ["a", None, "b"])
    frame = pd.DataFrame({"days": [1, 2], "event": [1, 0]})
    with pytest.raises(ArgumentError, match="column 'age' not in the frame"):
        survival_rates(frame, "days", "event", by=["age"])
    with pytest.raises(ArgumentError, match="time_unit must be one of"):
        survival_rates(frame, "days", "event", time_unit="hours")
    with pytest.raises(ArgumentError, match="event must be 0"):
        survival_rates(frame.assign(event=[1, 3]), "days", "event")
    assert issubclass(ArgumentError, ValueError)
