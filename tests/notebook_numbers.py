"""The numbers in a notebook's text outputs, and whether a fresh run still prints them.

A committed notebook shows numbers (rates, counts, test statistics) in its text outputs; when
the code changes, those numbers may go stale without any error. :func:`stale_cells` compares,
cell by cell, the numbers of the committed text outputs (stdout and ``text/plain`` results,
in order; stderr and images are left out) with those of a fresh run, and says where they
differ. What varies without the code changing is left out of the comparison:

- object reprs with a memory address (``<... at 0x7f...>``) and hex ids (fingerprints are
  compared only when all digits);
- absolute paths (a temporary directory's name);
- sizes in bytes (Parquet files differ between pyarrow versions), timings (``Wall time``,
  ``12.3 ms``) and version strings (``1.2.3``);
- the last printed digit (a number may round the other way after a change in the last bits
  of a float), and values below 1e-8 on both sides (differences from R of 1e-15).

Where the count of numbers differs (a table grew a row), the cell is reported as changed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: Numbers smaller than this on both sides count as equal (floating-point noise).
TINY = 1e-8

_IGNORED = [
    re.compile(r"^.*\b(Wall time|CPU times)\b.*$", re.M),
    re.compile(r"\b0x[0-9a-fA-F]+\b"),
    re.compile(r"(?:(?<=^)|(?<=[\s'\"(=]))(?:/|~/)[^\s'\",)]*", re.M),
    re.compile(r"\d[\d,]*(?:\.\d+)?\s*(?:bytes|B|KiB|MiB|GiB|kB|MB|GB)\b"),
    re.compile(
        r"\d+(?:\.\d+)?\s*(?:ns|µs|us|ms|s|sec|secs|seconds|min|minutes)\b(?!\s*(?:of|per))"
    ),
    re.compile(r"\bv?\d+\.\d+\.\d+(?:[\w.+-]*)"),
]
# a number that stands alone: not part of a word or id (int64, 700x450, 09110ba2...)
_NUMBER = re.compile(
    r"(?<![\w.])(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\w.]?\w)"
)


@dataclass(frozen=True)
class Number:
    """A printed number: its value and the unit of its last printed digit."""

    text: str

    @property
    def value(self) -> float:
        return float(self.text.replace(",", ""))

    @property
    def last_digit(self) -> float:
        mantissa, _, exponent = self.text.replace(",", "").lower().partition("e")
        decimals = len(mantissa.partition(".")[2])
        return 10.0 ** (int(exponent or 0) - decimals)

    def matches(self, other: Number) -> bool:
        a, b = self.value, other.value
        if abs(a) < TINY and abs(b) < TINY:
            return True
        step = max(self.last_digit, other.last_digit)
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=step * 1.000001)


def text_of(cell: dict) -> str:
    """The text a code cell printed: stdout and ``text/plain`` results, in order."""
    parts = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream" and output.get("name") == "stdout":
            parts.append(_joined(output.get("text", "")))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            if "text/plain" in data and not any(k.startswith("image/") for k in data):
                parts.append(_joined(data["text/plain"]))
    return "\n".join(parts)


def numbers_in(text: str) -> list[Number]:
    """The numbers of ``text`` that a fresh run must reproduce, in order."""
    for pattern in _IGNORED:
        text = pattern.sub(" ", text)
    return [Number(m.group(1)) for m in _NUMBER.finditer(text)]


def stale_cells(committed: dict, fresh: dict) -> list[str]:
    """One line per code cell whose committed numbers a fresh run no longer prints."""
    problems = []
    for index, (old, new) in enumerate(zip(committed["cells"], fresh["cells"], strict=True)):
        if old.get("cell_type") != "code":
            continue
        before, after = numbers_in(text_of(old)), numbers_in(text_of(new))
        if len(before) != len(after):
            problems.append(
                f"cell {index}: {len(before)} numbers committed, {len(after)} in a fresh run "
                f"(committed {_shown(before)}, fresh {_shown(after)})"
            )
            continue
        changed = [(a.text, b.text) for a, b in zip(before, after, strict=True) if not a.matches(b)]
        if changed:
            pairs = ", ".join(f"{a} -> {b}" for a, b in changed[:6])
            more = f" and {len(changed) - 6} more" if len(changed) > 6 else ""
            problems.append(f"cell {index}: {pairs}{more}")
    return problems


def _joined(text) -> str:
    return "".join(text) if isinstance(text, list) else text


def _shown(numbers: list[Number], limit: int = 8) -> str:
    texts = [n.text for n in numbers[:limit]]
    return "[" + ", ".join(texts) + (", ..." if len(numbers) > limit else "") + "]"
