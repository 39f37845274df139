"""The two public reference data sets."""

from __future__ import annotations

import doctest

import pytest

from recidive import datasets
from recidive.datasets import (
    _calibration,
    _parameters,
    _public,
    _reference,
    load_mgus2,
    load_rossi,
)


def test_rossi():
    rossi = load_rossi()
    assert rossi.shape == (432, 9)
    assert list(rossi.columns) == [
        "week", "arrest", "fin", "age", "race", "wexp", "mar", "paro", "prio"
    ]  # fmt: skip
    assert rossi["week"].between(1, 52).all()
    assert int(rossi["arrest"].sum()) == 114


def test_mgus2():
    mgus2 = load_mgus2()
    assert mgus2.shape == (1384, 3)
    assert set(mgus2["event"]) == {0, 1, 2}
    assert list(mgus2["sex"].cat.categories) == ["F", "M"]


@pytest.mark.parametrize("module", [datasets, _public, _reference, _calibration, _parameters])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
