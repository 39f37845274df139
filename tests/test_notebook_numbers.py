"""The comparison of committed notebook outputs with a fresh run (tests/notebook_numbers.py)."""

from __future__ import annotations

import pytest
from notebook_numbers import numbers_in, stale_cells


def _nb(*texts, kind="stream"):
    cells = []
    for text in texts:
        if kind == "stream":
            output = {"output_type": "stream", "name": "stdout", "text": text}
        else:
            output = {"output_type": "execute_result", "data": {"text/plain": text}}
        cells.append({"cell_type": "code", "outputs": [output]})
    cells.append({"cell_type": "markdown", "source": "text 1 2 3"})
    return {"cells": cells}


def test_numbers_are_read_as_printed():
    found = [n.text for n in numbers_in("70,000 persons; 36.2% (n=1,077), p = 9.2e-05, -0.38")]
    assert found == ["70,000", "36.2", "1,077", "9.2e-05", "-0.38"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("<pandas.io.formats.style.Styler at 0x7fc1378c7110>", "<Styler at 0x7f0000000001>"),
        ("wrote /tmp/tmpa81x/out/recidive.json", "wrote /tmp/tmp9zz3/out/recidive.json"),
        ("persons.parquet: 21,505 bytes", "persons.parquet: 21,611 bytes"),
        ("Wall time: 1.2 s\nrate 36.2%", "Wall time: 3.4 s\nrate 36.2%"),
        ("done in 12.5 ms", "done in 3.1 ms"),
        ("recidive 0.4.0.dev3", "recidive 0.5.0"),
        ("difference 6.9389e-17", "difference -2.2e-15"),
        ("rate 0.361818", "rate 0.361819"),  # the last printed digit may round either way
        ("int64 700x450 fingerprint 09110ba203efba82", "int64 700x450 fingerprint 5e2c9d"),
    ],
)
def test_what_varies_without_the_code_changing_is_tolerated(old, new):
    assert stale_cells(_nb(old), _nb(new)) == []
    assert stale_cells(_nb(old, kind="result"), _nb(new, kind="result")) == []


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("general 36.2% within 2 years", "general 36.4% within 2 years", "36.2 -> 36.4"),
        ("n = 49,103", "n = 49,110", "49,103 -> 49,110"),
        ("p = 0.0501", "p = 0.0503", "0.0501 -> 0.0503"),
        ("rows: 1 2 3", "rows: 1 2 3 4", "3 numbers committed, 4 in a fresh run"),
        ("log-likelihood -658.7477", "log-likelihood -658.7480", "-658.7477 -> -658.7480"),
    ],
)
def test_changed_numbers_are_found(old, new, says):
    stale = stale_cells(_nb("same 1", old), _nb("same 1", new))
    assert len(stale) == 1 and stale[0].startswith("cell 1:") and says in stale[0], stale


def test_streams_split_differently_compare_as_one_text():
    old = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "stream", "name": "stdout", "text": "350 persons\n"},
        {"output_type": "stream", "name": "stdout", "text": "1077 cases\n"},
        {"output_type": "stream", "name": "stderr", "text": "took 3 s\n"},
    ]}]}  # fmt: skip
    new = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "stream", "name": "stdout", "text": "350 persons\n1077 cases\n"},
    ]}]}  # fmt: skip
    assert stale_cells(old, new) == []
