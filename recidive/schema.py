"""The data contract: registry tables, their columns and code lists.

Registry tables (DESIGN section 2):

``persons``
    One row per offender. Required: ``person_id``, ``sex``, ``birth_date``,
    ``index_offence_date``, ``index_disposal_date``, ``exploitation_form``,
    ``prior_cases``. Optional: ``index_release_date`` (end of custody for the index
    case, empty if none), ``death_date``, ``emigration_date``.
``cases``
    Later criminal cases, one row per (case, offence). Required: ``person_id``,
    ``case_id``, ``offence_date``, ``disposal_date``, ``disposal``,
    ``offence_category``, ``max_penalty_years``, ``is_crime``.
``detentions`` (optional)
    ``person_id``, ``start``, ``end``.
"""

from __future__ import annotations

from dataclasses import dataclass

from recidive.defaults import DAYS_PER_YEAR

__all__ = ["DAYS_PER_YEAR"]  # re-exported: the one value lives in recidive.defaults

SEX_CODES: tuple[str, ...] = ("M", "F")

EXPLOITATION_FORMS: tuple[str, ...] = (
    "binnenlands_seksueel",
    "grensoverschrijdend_seksueel",
    "arbeid",
    "crimineel",
    "overig",
)

#: Offence categories of later cases; each is also a recidivism criterion.
OFFENCE_CATEGORIES: tuple[str, ...] = (
    "property",
    "violence",
    "sexual",
    "drugs",
    "human_trafficking",
    "public_order",
    "traffic",
    "weapons",
    "other",
)

DISPOSALS: tuple[str, ...] = (
    "conviction",
    "penal_order",
    "transaction",
    "policy_dismissal",
    "technical_dismissal",
    "acquittal",
    "discharge",
)

#: Disposals that never make a case count as a reoffence (Dutch standard, WODC).
NON_COUNTING_DISPOSALS: tuple[str, ...] = ("technical_dismissal", "acquittal", "discharge")

#: Criteria besides one per offence category.
GENERAL_CRITERIA: tuple[str, ...] = ("general", "serious", "very_serious")

#: Every recidivism criterion the cohort builder computes, in report order.
CRITERIA: tuple[str, ...] = ("general", *OFFENCE_CATEGORIES, "serious", "very_serious")

#: Statutory maximum penalty (years) from which a case is ``serious`` / ``very_serious``.
SERIOUS_MIN_PENALTY_YEARS = 4.0
VERY_SERIOUS_MIN_PENALTY_YEARS = 8.0

#: The oldest plausible age at the index offence; an older one is a wrong birth date.
MAX_AGE_AT_INDEX_YEARS = 100

#: The monitor's age split and the finer default bands (age at the index offence).
MONITOR_AGE_CUT_YEARS = 23
MONITOR_AGE_BANDS: tuple[str, ...] = ("<23", "23+")
DEFAULT_AGE_BREAKS: tuple[int, ...] = (18, 23, 30, 40)
DEFAULT_AGE_BANDS: tuple[str, ...] = ("<18", "18-22", "23-29", "30-39", "40+")


@dataclass(frozen=True)
class TableSpec:
    """Columns of one registry table, by kind."""

    name: str
    id_columns: tuple[str, ...]
    date_columns: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


PERSONS = TableSpec(
    name="persons",
    id_columns=("person_id",),
    date_columns=(
        "birth_date",
        "index_offence_date",
        "index_disposal_date",
        "index_release_date",
        "death_date",
        "emigration_date",
    ),
    required=(
        "person_id",
        "sex",
        "birth_date",
        "index_offence_date",
        "index_disposal_date",
        "exploitation_form",
        "prior_cases",
    ),
    optional=("index_release_date", "death_date", "emigration_date"),
)

CASES = TableSpec(
    name="cases",
    id_columns=("person_id", "case_id"),
    date_columns=("offence_date", "disposal_date"),
    required=(
        "person_id",
        "case_id",
        "offence_date",
        "disposal_date",
        "disposal",
        "offence_category",
        "max_penalty_years",
        "is_crime",
    ),
)

DETENTIONS = TableSpec(
    name="detentions",
    id_columns=("person_id",),
    date_columns=("start", "end"),
    required=("person_id", "start", "end"),
)

#: Code lists by (table, column), used to make categoricals and to validate.
CODE_LISTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("persons", "sex"): SEX_CODES,
    ("persons", "exploitation_form"): EXPLOITATION_FORMS,
    ("cases", "disposal"): DISPOSALS,
    ("cases", "offence_category"): OFFENCE_CATEGORIES,
}
