"""Validation errors found in many partitions, raised as one.

A task that finds a broken rule returns the :class:`~recidive.errors.ValidationError` as
plain data (:func:`record`: it travels between processes), and the driver raises one
error (:func:`raise_first`): the rule that fails in the first failing partition (or
bucket), with the number of rows (and the first ids) summed over every partition that
fails on that rule. A partition that fails an earlier-checked rule first is not counted,
so after a correction the next run may show further rows.
"""

from __future__ import annotations

import operator

from recidive.errors import ValidationError

#: Ids named in the one error raised for many partitions.
MAX_IDS = 5


def record(err: ValidationError) -> dict:
    """A ValidationError as plain data (it travels between processes)."""
    keys = ("table", "column", "rule", "n_rows", "ids", "fix", "id_label")
    return {k: getattr(err, k) for k in keys}


def raise_first(records: list[dict | None]) -> None:
    """One ValidationError: the first partition's rule, rows summed over partitions."""
    records = [r for r in records if r is not None]
    if not records:
        return
    first = records[0]
    key = operator.itemgetter("table", "column", "rule")
    same = [r for r in records if key(r) == key(first)]
    ids = [i for r in same for i in r["ids"]][:MAX_IDS]
    raise ValidationError(
        first["table"],
        first["column"],
        first["rule"],
        n_rows=sum(r["n_rows"] for r in same),
        ids=ids,
        fix=first["fix"],
        id_label=first["id_label"],
    )
