"""Exception and warning classes.

Every error that bad input or a bad argument can cause is a subclass of
:class:`RecidiveError`, itself a :class:`ValueError`, so callers can catch one
class and the CLI can turn it into one readable line and exit code 2.
"""

from __future__ import annotations

#: Characters of an id, a code, a column name or a value that a message shows.
SHOWN_CHARS = 40


def short(value: object, limit: int = SHOWN_CHARS) -> str:
    """``str(value)``, cut to ``limit`` characters with an ellipsis (a 1 MB id stays short).

    Examples
    --------
    >>> short("x" * 100)[-3:], len(short("x" * 100)), short(12)
    ('xx…', 40, '12')
    """
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RecidiveError(ValueError):
    """Base class of all errors raised by recidive for bad input or arguments."""


class ValidationError(RecidiveError):
    """A registry table breaks a rule of the data contract.

    Attributes
    ----------
    table, column, rule : str
        Where the problem is and which rule it breaks.
    n_rows : int
        How many rows break the rule.
    ids : list
        The first offending ids.
    id_label : str
        What the ids are (``person_id``, ``row``, ...); shown before the first id.
    fix : str
        What the user can do about it.
    """

    def __init__(
        self,
        table: str,
        column: str | None,
        rule: str,
        n_rows: int = 0,
        ids: list | None = None,
        fix: str = "",
        id_label: str = "",
    ) -> None:
        self.table, self.column, self.rule = table, column, rule
        self.n_rows, self.ids, self.fix = n_rows, list(ids or []), fix
        self.id_label = id_label
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"{self.table}.{short(self.column)}" if self.column else self.table
        text = f"{where} {self.rule}"
        if self.n_rows:
            text += f" in {self.n_rows} row{'s' if self.n_rows != 1 else ''}"
            if self.ids:
                shown = ", ".join(short(i) for i in self.ids[:5])
                if self.id_label:
                    shown = f"{self.id_label} {shown}"
                more = ", …" if self.n_rows > len(self.ids[:5]) else ""
                text += f" ({shown}{more})"
        if self.fix:
            text += f"; {self.fix}"
        return text


class ArgumentError(RecidiveError):
    """An argument to an estimator or function is invalid (negative time, NaN, ...)."""


class DisclosureError(RecidiveError):
    """Disclosure control cannot publish the output at all (e.g. a cohort under the minimum)."""


class RecidiveWarning(UserWarning):
    """Base class of recidive's warnings."""


class SmallCellWarning(RecidiveWarning):
    """Cells under the disclosure threshold were suppressed."""


class CutoffWarning(RecidiveWarning):
    """The data cut-off lies long after the last date in the data (a mistyped year?)."""


class InsufficientFollowUpWarning(RecidiveWarning):
    """A requested horizon lies beyond the follow-up of a stratum; NaN was returned."""


class PopulationWarning(RecidiveWarning):
    """A value of the population selection (``CohortRules.population``) matches no person."""


class ConvergenceWarning(RecidiveWarning):
    """An iterative fit stopped without meeting its convergence criterion, or is unstable."""


class AliasedCovariateWarning(RecidiveWarning):
    """A covariate is aliased (constant within every stratum, or a linear combination of
    other covariates): its coefficient is NaN, as R's NA, and the model is fitted without it."""


class EpisodesWarning(RecidiveWarning):
    """``split_episodes`` left out events that (start, stop] rows cannot hold (offences
    during a detention running at the start of follow-up, before any time at risk)."""
