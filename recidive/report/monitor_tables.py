"""The tables of the Recidivemonitor's further blocks, laid out from the safe numbers.

Serious and very serious recidivism at the horizons; rates per type of offence for each
age band and for the monitor's <23/23+ (one row per type and age group, one column per
horizon, a suppressed cell shown as × rather than left out); the proportional-hazards
test of the Cox model; and the notes under the Cox table (scales, pooled forms, the
test's verdict). Each builder has the signature of :mod:`~recidive.report.tables`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recidive.report.formatting import horizon_key, level_percent
from recidive.report.i18n import code_label, criterion_label, text
from recidive.report.monitor_text import zph_note
from recidive.report.qualifiers import QualifierRules
from recidive.report.section import Column, Table


def _years(h: float, lang: str) -> str:
    return text("year_one", lang) if float(h) == 1 else text("years", lang, h=horizon_key(h))


def _horizons_joined(horizons, lang: str) -> str:
    hs = [horizon_key(h) for h in sorted(horizons)]
    return hs[0] if len(hs) == 1 else ", ".join(hs[:-1]) + f" {text('and', lang)} " + hs[-1]


def _notes(frame: pd.DataFrame, content, lang: str, first: tuple[str, ...] = ()) -> tuple:
    notes = list(first)
    hidden = "status" in frame and (frame["status"] == "suppressed").any()
    if hidden or ("suppressed" in frame and frame["suppressed"].astype(str).str.len().gt(0).any()):
        notes.append(text("note_suppressed", lang, m=content.method["min_cell"]))
    if "status" in frame and (frame["status"] == "insufficient_follow_up").any():
        notes.append(text("note_insufficient", lang))
    return tuple(notes)


def serious_table(content, rules: QualifierRules, lang: str, number: int) -> Table | None:
    """Serious and very serious recidivism at the horizons."""
    monitor = content.monitor
    if monitor is None or not len(monitor.serious):
        return None
    frame = monitor.serious.copy()
    frame["label"] = frame["criterion"].map(lambda c: criterion_label(c, lang))
    frame["horizon"] = frame["horizon_years"].map(lambda h: _years(h, lang))
    penalty = content.numbers.get("penalty_years", {})
    first = (
        text(
            "note_serious",
            lang,
            s=horizon_key(penalty.get("serious", 4)),
            vs=horizon_key(penalty.get("very_serious", 8)),
        ),
    )
    ci = text("h_ci_level", lang, level=level_percent(content.method["conf_level"]))
    return Table(
        "serious",
        text(
            "t_serious", lang, k=number, hs=_horizons_joined(frame["horizon_years"].unique(), lang)
        ),
        (
            Column("label", text("h_criterion", lang)),
            Column("horizon", text("h_horizon", lang)),
            Column("rate", text("h_rate", lang), "percent"),
            Column("ci", ci, "ci"),
        ),
        frame,
        _notes(frame, content, lang, first),
    )


def type_age_table(content, rules: QualifierRules, lang: str, number: int) -> Table | None:
    """Rates per type of offence for each age group (fine bands, then <23/23+), wide by
    horizon: a hidden cell is ×, a horizon past follow-up —."""
    monitor = content.monitor
    if monitor is None or not len(monitor.by_type_age):
        return None
    long = monitor.by_type_age
    horizons = sorted(long["horizon_years"].astype(float).unique())
    rows = []
    for (split, criterion, age), block in long.groupby(["split", "criterion", "age"], sort=False):
        row = {
            "split": split,
            "criterion": criterion,
            "age": age,
            "split_label": text(f"split_{split}", lang),
            "label": criterion_label(criterion, lang),
            "n": block["n"].iloc[0],
        }
        hidden, statuses = [], set()
        for h in horizons:
            cell = block[np.isclose(block["horizon_years"].astype(float), h)].iloc[0]
            name = f"rate_{horizon_key(h)}"
            row[name] = cell["rate"]
            statuses.add(str(cell["status"]))
            if cell["status"] == "suppressed":
                hidden.append(name)
        if pd.isna(row["n"]):
            hidden.append("n")
        row["suppressed"] = ",".join(hidden)
        row["status"] = "ok" if statuses == {"ok"} else "partly"
        if "insufficient_follow_up" in statuses:
            row["status"] = "insufficient_follow_up"
        rows.append(row)
    frame = pd.DataFrame(rows)
    columns = (
        Column("label", text("h_criterion", lang)),
        Column("split_label", text("h_split", lang)),
        Column("age", text("h_age_group", lang)),
        Column("n", text("h_n", lang), "count"),
        *(Column(f"rate_{horizon_key(h)}", _years(h, lang), "percent") for h in horizons),
    )
    notes = (text("note_type_age", lang),)
    if frame["suppressed"].str.len().gt(0).any():
        notes += (text("note_suppressed", lang, m=content.method["min_cell"]),)
    if (frame["status"] == "insufficient_follow_up").any():
        notes += (text("note_insufficient", lang),)
    return Table(
        "by_type_age",
        text("t_type_age", lang, k=number, hs=_horizons_joined(horizons, lang)),
        columns,
        frame,
        notes,
    )


def zph_table(content, rules: QualifierRules, lang: str, number: int) -> Table | None:
    """The proportional-hazards test per term and globally."""
    zph = content.cox.zph
    if not len(zph):
        return None
    frame = zph.copy()
    frame["label"] = [
        text(
            r.label_key, lang, **{k: code_label(v, lang) for k, v in (r.label_values or {}).items()}
        )
        for r in frame.itertuples()
    ]
    frame["verdict"] = frame["rejected"].map(
        lambda x: text("ph_rejected", lang) if x else text("ph_holds", lang)
    )
    frame = frame.drop(columns=["label_key", "label_values"])
    return Table(
        "zph",
        text("t_zph", lang, k=number),
        (
            Column("label", text("h_term", lang)),
            Column("chisq", text("h_chisq", lang), "ratio"),
            Column("df", text("h_df", lang), "count"),
            Column("p_value", text("h_p", lang), "p"),
            Column("verdict", text("h_holds", lang)),
        ),
        frame,
        (zph_note(content, lang),),
    )


def cox_notes(content, lang: str) -> tuple[str, ...]:
    """Notes under the Cox table: scales and concordance, pooled forms (the verdict of the
    proportional-hazards test is the note of its own table)."""
    cox = content.cox
    notes = []
    if cox.concordance is not None:
        c = f"{cox.concordance:.2f}"
        notes.append(text("note_cox_scale", lang, c=c.replace(".", ",") if lang == "nl" else c))
    keys = set(cox.table["label_key"]) if len(cox.table) else set()
    names = ", ".join(code_label(f, lang) for f in cox.pooled)
    if "cov_form_pooled" in keys:
        notes.append(text("note_cox_pooled", lang, names=names))
    elif cox.pooled:
        notes.append(text("note_cox_ref_pooled", lang, names=names))
    return tuple(notes)
