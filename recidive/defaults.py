"""The defaults of recidive, each written once.

Every public function whose argument has one of these defaults takes it from here,
so that a change of convention (say, another confidence level) is one edit, and
the documentation can name the values in one place.

The values follow the field's conventions: horizons of 2, 5 and 7 years (the
Recidivemonitor and the Dadermonitor), 95% pointwise intervals on the log-log
scale (R ``survfit``'s ``conf.type = "log-log"``; R's own default is ``"log"``), a
year of 365.25 days, a disclosure threshold of 10 persons (the usual threshold of
statistical offices and of ACRO's output checking) and Dutch text.

Examples
--------
>>> from recidive import defaults
>>> defaults.HORIZONS_YEARS, defaults.CONF_LEVEL, defaults.MIN_CELL
((2, 5, 7), 0.95, 10)
>>> defaults.UNITS_PER_YEAR["weeks"]
52.17857142857143
"""

from __future__ import annotations

#: Days in a year: horizons in years are converted to days with it.
DAYS_PER_YEAR: float = 365.25

#: Time units of durations, and how many of each make a year.
UNITS_PER_YEAR: dict[str, float] = {
    "days": DAYS_PER_YEAR,
    "weeks": DAYS_PER_YEAR / 7,
    "months": 12.0,
    "years": 1.0,
}

#: The unit of durations from the registry (whole days).
TIME_UNIT: str = "days"

#: Horizons (years) at which recidivism rates are reported.
HORIZONS_YEARS: tuple[int, ...] = (2, 5, 7)

#: Pointwise confidence intervals of survival and incidence curves.
CONF_TYPES: tuple[str, ...] = ("log-log", "log", "plain")
CONF_TYPE: str = "log-log"
#: Confidence level of every interval (curves, rates, hazard ratios).
CONF_LEVEL: float = 0.95

#: The confidence-interval transform of cumulative incidence (R ``survfit`` multi-state).
CIF_CONF_TYPE: str = "log"
MCF_CONF_TYPE: str = "log"  #: mean cumulative function: "log" (default) or "plain"

#: Disclosure threshold in persons: no published count (or derivable count) lies in
#: 1 .. MIN_CELL - 1.
MIN_CELL: int = 10

#: Languages of the report text; the first is the default.
LANGUAGES: tuple[str, ...] = ("nl", "en")
LANG: str = "nl"

#: What adjusted ("gecorrigeerde") recidivism trends correct for: the offender's sex, age at
#: the index offence, number of prior cases and form of exploitation (a covariate with one
#: value in the cohort is left out).
TREND_COVARIATES: tuple[str, ...] = ("sex", "age_at_index", "prior_cases", "exploitation_form")
