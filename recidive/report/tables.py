"""The tables of the section: one builder per table, from the safe numbers.

Each builder takes the :class:`~recidive.report.content.Content` (numbers after
disclosure control), the qualifier rules, the language and the table's number, and
returns a :class:`~recidive.report.section.Table` (or ``None`` when the table has
no rows). The numbers stay numbers; headers, labels, titles and notes are words
from the catalogue. :func:`build_tables` numbers the tables that are shown. The rate
tables show group sizes, rates and intervals, never counts of reoffenders or of
persons at risk (fewer published counts, fewer routes to a small one).
"""

from __future__ import annotations

import pandas as pd

from recidive.report.content import Content
from recidive.report.formatting import horizon_key, level_percent
from recidive.report.i18n import CATALOGUES, code_label, criterion_label, text
from recidive.report.monitor_tables import cox_notes, serious_table, type_age_table, zph_table
from recidive.report.qualifiers import QualifierRules
from recidive.report.section import Column, Table


def build_tables(content: Content, rules: QualifierRules, lang: str) -> tuple[Table, ...]:
    """Every table of the section in order, numbered from 1; empty ones left out."""
    tables: list[Table] = []
    for build in TABLES:
        table = build(content, rules, lang, len(tables) + 1)
        if table is not None:
            tables.append(table)
    return tuple(tables)


def general_table(content: Content, rules: QualifierRules, lang: str, number: int) -> Table:
    """General recidivism at every horizon."""
    frame = content.general.copy()
    frame["horizon"] = frame["horizon_years"].map(lambda h: _years(h, lang))
    hmax = horizon_key(frame["horizon_years"].max())
    return Table(
        "general",
        text("t_general", lang, k=number, hmax=hmax),
        (Column("horizon", text("h_horizon", lang)), *_rate_columns(content, lang)),
        frame,
        _status_notes(frame, content, lang),
    )


def by_type_table(content: Content, rules: QualifierRules, lang: str, number: int) -> Table | None:
    """Recidivism per type of offence at its horizons."""
    if not len(content.by_type):
        return None
    frame = content.by_type.copy()
    frame["label"] = frame["criterion"].map(lambda c: criterion_label(c, lang))
    frame["horizon"] = frame["horizon_years"].map(lambda h: _years(h, lang))
    hs = sorted(frame["horizon_years"].unique())
    joined = ", ".join(horizon_key(h) for h in hs[:-1]) + f" {text('and', lang)} "
    joined += horizon_key(hs[-1])
    return Table(
        "by_type",
        text("t_by_type", lang, k=number, hs=joined),
        (
            Column("label", text("h_criterion", lang)),
            Column("horizon", text("h_horizon", lang)),
            *_rate_columns(content, lang),
        ),
        frame,
        _status_notes(frame, content, lang),
    )


def by_age_table(content: Content, rules: QualifierRules, lang: str, number: int) -> Table:
    """General recidivism per age group and in total."""
    frame = content.by_age.copy()
    frame["label"] = (
        frame["age_group"].astype(str).map(lambda g: text("all", lang) if g == "all" else g)
    )
    frame["horizon"] = frame["horizon_years"].map(lambda h: _years(h, lang))
    return Table(
        "by_age",
        text("t_by_age", lang, k=number),
        (
            Column("label", text("h_age_group", lang)),
            Column("horizon", text("h_horizon", lang)),
            Column("n", text("h_n", lang), "count"),
            *_rate_columns(content, lang),
        ),
        frame,
        _status_notes(frame, content, lang),
    )


def cox_table(content: Content, rules: QualifierRules, lang: str, number: int) -> Table | None:
    """Hazard ratios of the Cox model, with the characteristics left out in a note."""
    cox = content.cox
    if not len(cox.table):
        return None
    notes = (text("note_cox", lang), *cox_notes(content, lang))
    if cox.dropped:
        names = ", ".join(cox.dropped)
        notes += (text("note_cox_dropped", lang, names=names, m=content.method["min_cell"]),)
    frame = cox.table.copy()
    frame["label"] = [
        text(r.label_key, lang, **_code_labels(r.label_values, lang)) for r in frame.itertuples()
    ]
    frame = frame.drop(columns=["label_key", "label_values"])
    ci = text("h_ci_level", lang, level=level_percent(content.method["conf_level"]))
    return Table(
        "cox",
        text("t_cox", lang, k=number),
        (
            Column("label", text("h_covariate", lang)),
            Column("n_level", text("h_n_level", lang), "count"),
            Column("hazard_ratio", text("h_hr", lang), "ratio"),
            Column("ci", ci, "ratio_ci"),
            Column("p_value", text("h_p", lang), "p"),
        ),
        frame,
        notes,
    )


def standardised_table(
    content: Content, rules: QualifierRules, lang: str, number: int
) -> Table | None:
    """Standardised recidivism at the high horizon, under and over the age cut."""
    frame = content.cox.standardised.copy()
    if not len(frame):
        return None
    h = horizon_key(rules.high_horizon)
    return Table(
        "standardised",
        text("t_standardised", lang, k=number, h=h),
        (
            Column("age_group", text("h_age_group", lang)),
            Column("rate", text("h_standardised", lang, h=h), "percent"),
        ),
        frame,
        _status_notes(frame, content, lang),
    )


def attrition_table(
    content: Content, rules: QualifierRules, lang: str, number: int
) -> Table | None:
    """Persons left out of the cohort, per step (the reading step not shown)."""
    frame = content.attrition.copy()
    frame = frame[frame["step"].astype(str) != "read"].reset_index(drop=True)
    if not len(frame):
        return None
    catalogue = CATALOGUES[lang]
    frame["table_label"] = frame["table"].map(
        lambda x: text(x, lang) if x in ("persons", "cases") else x
    )
    frame["reason_label"] = [
        text(f"step_{step}", lang) if f"step_{step}" in catalogue else reason
        for step, reason in zip(frame["step"], frame["reason"], strict=True)
    ]
    return Table(
        "attrition",
        text("t_attrition", lang, k=number),
        (
            Column("table_label", text("h_table", lang)),
            Column("reason_label", text("h_reason", lang)),
            Column("n_excluded", text("h_excluded", lang), "count"),
        ),
        frame,
        _status_notes(frame, content, lang),
    )


#: The tables in the order of the section.
TABLES = (
    general_table,
    by_type_table,
    serious_table,
    by_age_table,
    type_age_table,
    cox_table,
    zph_table,
    standardised_table,
    attrition_table,
)


def _years(h: float, lang: str) -> str:
    return text("year_one", lang) if float(h) == 1 else text("years", lang, h=horizon_key(h))


def _rate_columns(content: Content, lang: str) -> tuple[Column, ...]:
    ci = text("h_ci_level", lang, level=level_percent(content.method["conf_level"]))
    return (Column("rate", text("h_rate", lang), "percent"), Column("ci", ci, "ci"))


def _status_notes(frame: pd.DataFrame, content: Content, lang: str) -> tuple[str, ...]:
    """The footnotes a table needs: × (suppressed) and — (not estimable)."""
    notes = []
    suppressed = "suppressed" in frame and frame["suppressed"].astype(str).str.len().gt(0).any()
    if suppressed or ("status" in frame and (frame["status"] == "suppressed").any()):
        notes.append(text("note_suppressed", lang, m=content.method["min_cell"]))
    if "status" in frame and (frame["status"] == "insufficient_follow_up").any():
        notes.append(text("note_insufficient", lang))
    return tuple(notes)


def _code_labels(values: dict | None, lang: str) -> dict[str, str]:
    """Code values (exploitation forms, ...) as readable names in ``lang``."""
    return {key: code_label(value, lang) for key, value in (values or {}).items()}
