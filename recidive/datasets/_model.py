"""The generative model of the synthetic reference registry.

One person is one offender convicted (or otherwise disposed of) for a human-trafficking
index case. The model, in the order the sampler (:mod:`recidive.datasets._sampler`) draws it:

Entry
    The index disposal date is uniform over ``entry_start`` .. ``entry_end``
    (staggered entry). A share ``p_custody`` serve custody for the index case, ending at
    ``index_release_date`` (a gamma-distributed time after the disposal); the detention
    starts up to ``pretrial_max_days`` before the disposal (pre-trial custody). Follow-up
    starts at release, or at the disposal date for persons without custody; the calendar
    year of that start is the person's *exit year* (2008-2022; disposals run to 2019, the
    latest releases into 2022). The index offence was committed a gamma-distributed delay
    before the disposal.
Covariates, by exploitation form and exit year
    ``exploitation_form`` has fixed shares (``exploitation_shares``, mostly
    ``binnenlands_seksueel``, the seed's population); ``sex`` (``share_male`` men). Age at
    the index offence is ``age_min + Gamma(shape, scale)`` years, with the shape and scale
    of the form (``age_shape`` and the calibrated ``age_scale`` for domestic sexual
    exploitation, ``form_ages`` for the others: offenders of labour exploitation are older,
    of criminal exploitation younger; cut at 90) and the scale multiplied by
    ``exp(age_scale_trend * (exit_year - exit_year_centre))``: later exit cohorts are
    younger. ``prior_cases`` is negative binomial with mean
    ``(prior_base + prior_slope * (age - age_min)) * exp(prior_trend * (exit_year -
    exit_year_centre))``: older offenders, and later exit cohorts, have more prior cases.
Counted reoffences (the latent process the published figures describe)
    Given a person's covariates ``x`` and a gamma frailty ``Z`` (mean 1, variance
    ``frailty_var``), counted cases (crimes with a counting disposal) form a Poisson
    process in time since the start of follow-up with cumulative intensity
    ``Z * r(x) * Lambda0(t)`` (``t`` in years; ``Lambda0`` piecewise linear: constant
    baseline rates ``baseline_rates`` on 0-2, 2-5 and 5+ years), where
    ``log r(x) = beta_age * (age - 30) / 10 + beta_prior * log1p(prior_cases)
    + beta_female * female + form_log_hazard[form]
    + log_hazard_trend * (exit_year - exit_year_centre)``. The form effect is zero for
    domestic sexual exploitation; the trend is the true change of recidivism over exit
    cohorts, a modest decline, while the composition drifts towards younger offenders with
    more prior cases: observed recidivism by exit year changes partly because of who is in
    the cohort, which is what the Recidivemonitor's adjusted ("gecorrigeerde") recidivism
    corrects for. :func:`recidive.datasets.constant_recidivism_parameters` gives a model
    without the true trend (and without the drift of prior cases), whose age mix still
    shifts: an observed trend with a flat adjusted one.
    Each case holds a set of offence categories: the categories
    are independent Bernoulli draws conditioned on the set being non-empty, chosen so that
    a case holds category ``k`` with probability ``category_share[k]``. Thinning makes the
    cases holding ``k`` a Poisson process with intensity ``category_share[k]`` times the
    counted one, so every criterion has a closed-form survival given ``x``,
    ``(1 + frailty_var * share * r(x) * Lambda0(t)) ** (-1 / frailty_var)``
    (see :mod:`recidive.datasets._population`). Disposals of counted cases are drawn from
    ``counted_disposals``; each offence row gets a statutory maximum penalty from its
    category's list.
Forms and exit years, in numbers
    With the default fixed parameters and the calibrated ones
    (:mod:`recidive.datasets._parameters`): the hazard ratio of each form (at equal age, prior
    cases and sex), its mean age in the centre exit year, and its 2- and 7-year general
    recidivism and share under 23 as the pipeline estimates them (the model's values):

    ============================  =====  ========  ========  ========  ========
    exploitation form              HR    mean age   2 years   7 years  <23
    ============================  =====  ========  ========  ========  ========
    binnenlands_seksueel (70%)     1.00    27.9      36.0%     65.0%    33.3%
    grensoverschrijdend (12%)      0.61    31.0      20.7%     45.3%    17.0%
    arbeid (8%)                    0.55    41.0      10.0%     24.9%     1.6%
    crimineel (6%)                 1.16    23.5      48.5%     77.9%    57.8%
    overig (4%)                    0.70    32.5      21.5%     46.0%    14.0%
    everyone                                          32.3%     59.6%    29.5%
    ============================  =====  ========  ========  ========  ========

    Over exit years the domestic offenders' mean age falls from 30.2 (2008) to 26.2 (2019),
    the mean number of prior cases at a given age rises by half, and the hazard falls by 2% a
    year: their observed 2-year recidivism rises from 34.2% to 37.3% while the adjusted one
    (the pooled composition, :func:`recidive.datasets._population.exit_year_rates`) falls
    from 39.0% to 33.8%. Without the true trend and the drift of prior cases, observed
    2-year recidivism rises from 32.4% to 38.9% and the adjusted one stays at 36.1%.
Cases that must not count
    An independent (given ``Z``) Poisson process with ``noncounted_ratio`` times the
    counted intensity: a share ``noncrime_share`` are non-crimes (``is_crime`` False, any
    disposal), the rest crimes ending in a technical dismissal, acquittal or discharge.
    During the index custody, counted-type cases occur at ``custody_case_rate`` per year
    (offence dates between the index disposal and release: they count only when
    follow-up starts at the disposal). Neither changes the counted process.
Censoring
    Death and emigration are exponential from the start of follow-up (``death_rate``;
    ``emigration_rate``, higher for cross-border exploitation); the data cut-off is
    ``cutoff_date``. Censoring is independent of the reoffence process given the
    covariates, the form and the exit year, but not of the covariates: later exit cohorts
    are followed for a shorter time and differ in composition, and emigration depends on
    the form. Kaplan-Meier of a pooled population then converges to a censoring-weighted
    curve, not to the mixture of the persons' survival curves; the calibration targets that
    limit, the value the pipeline estimates (:mod:`recidive.datasets._population`).
    No case is recorded after death, emigration or the cut-off. Disposal dates may lie after
    the cut-off: the extract is drawn later than the cut-off of follow-up, as in the
    WODC Recidivemonitor.
Detentions
    The index custody, and a custodial sentence after a share of convictions (more often
    for serious cases), starting at the disposal; overlapping spells of one person are
    merged, spells are cut at death, emigration and the cut-off. Detention does not interrupt the
    reoffence process (the model is for testing cohort rules, not for studying
    incapacitation).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from recidive.schema import OFFENCE_CATEGORIES

#: Statutory maximum penalties (years) per offence category and their probabilities
#: (Dutch Criminal Code and Opium Act, rounded; e.g. theft 4, aggravated theft 6,
#: robbery 12, assault 3, aggravated assault 8, trafficking 12/15/18).
MAX_PENALTIES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "property": ((4.0, 6.0, 9.0, 12.0), (0.45, 0.35, 0.1, 0.1)),
    "violence": ((2.0, 3.0, 8.0, 12.0), (0.2, 0.45, 0.25, 0.1)),
    "sexual": ((4.0, 6.0, 8.0, 12.0), (0.25, 0.25, 0.25, 0.25)),
    "drugs": ((2.0, 4.0, 8.0, 12.0), (0.15, 0.35, 0.35, 0.15)),
    "human_trafficking": ((12.0, 15.0, 18.0), (0.6, 0.3, 0.1)),
    "public_order": ((0.25, 1.0, 2.0), (0.3, 0.4, 0.3)),
    "traffic": ((0.25, 1.0, 3.0), (0.4, 0.3, 0.3)),
    "weapons": ((1.0, 4.0, 8.0), (0.3, 0.5, 0.2)),
    "other": ((1.0, 2.0, 4.0, 6.0), (0.3, 0.3, 0.3, 0.1)),
}

#: ``log r(x)`` measures age from this age (years), in steps of this many years: ``beta_age``
#: is the log hazard ratio per decade, and ``r(x) = 1`` for a man of 30 without prior cases,
#: of domestic sexual exploitation, leaving custody in ``exit_year_centre``.
AGE_CENTRE_YEARS = 30.0
AGE_STEP_YEARS = 10.0

#: The exploitation form of the seed's population: the reference of the form effects, and
#: the form whose offenders the calibration matches to the published figures.
REFERENCE_FORM = "binnenlands_seksueel"

# brentq's search for the scale p0 of the inclusion probabilities: the bracket's lower end,
# its distance below the pole 1 / max(share) (also p0 in the limit of shares summing to one),
# and the tolerance
_P0_LOW = 1e-9
_P0_MARGIN = 1e-12
_P0_XTOL = 1e-15


@dataclass(frozen=True)
class ModelParameters:
    """All parameters of the generative model (see the module docstring).

    The calibrated ones (``age_scale``, ``baseline_rates``, ``beta_age`` and the
    ``category_share`` of the four published categories) are solved by
    :func:`recidive.datasets._calibration.calibrate` so that the offenders of domestic
    sexual exploitation reproduce the published figures; the others are fixed modelling
    choices.
    """

    # calibrated
    age_scale: float
    baseline_rates: tuple[float, float, float]
    beta_age: float
    category_share: dict[str, float]
    # hazard (fixed)
    baseline_knots: tuple[float, float, float] = (0.0, 2.0, 5.0)
    frailty_var: float = 0.5
    beta_prior: float = 0.25
    beta_female: float = -0.35
    # entry and the index case
    cutoff_date: str = "2022-06-30"
    entry_start: str = "2008-01-01"
    entry_end: str = "2019-12-31"
    offence_to_disposal_years: tuple[float, float] = (2.0, 1.4)  # gamma shape, mean
    p_custody: float = 0.65
    custody_after_disposal_years: tuple[float, float] = (1.5, 0.9)  # gamma shape, mean
    pretrial_max_days: int = 180
    # covariates
    share_male: float = 0.9
    exploitation_shares: dict[str, float] = field(
        default_factory=lambda: {
            "binnenlands_seksueel": 0.70,
            "grensoverschrijdend_seksueel": 0.12,
            "arbeid": 0.08,
            "crimineel": 0.06,
            "overig": 0.04,
        }
    )
    age_min: float = 16.0
    age_shape: float = 2.0  # of domestic sexual exploitation; its scale is calibrated
    prior_base: float = 1.0
    prior_slope: float = 0.2
    prior_size: float = 1.5  # negative binomial size (dispersion)
    # the other exploitation forms: log hazard ratio against domestic sexual exploitation,
    # and the gamma shape and scale (years) of age at the index offence above age_min
    form_log_hazard: dict[str, float] = field(
        default_factory=lambda: {
            REFERENCE_FORM: 0.0,
            "grensoverschrijdend_seksueel": -0.5,
            "arbeid": -0.6,
            "crimineel": 0.15,
            "overig": -0.35,
        }
    )
    form_ages: dict[str, tuple[float, float]] = field(
        default_factory=lambda: {
            "grensoverschrijdend_seksueel": (3.0, 5.0),
            "arbeid": (5.0, 5.0),
            "crimineel": (1.5, 5.0),
            "overig": (3.0, 5.5),
        }
    )
    # exit cohorts: per exit year from the centre, the log of the age scale, of the mean
    # number of prior cases and of the hazard (the true trend) change by these amounts
    exit_year_centre: int = 2014
    age_scale_trend: float = -0.03
    prior_trend: float = 0.04
    log_hazard_trend: float = -0.02
    # cases that do not count, and cases during the index custody
    noncounted_ratio: float = 0.35
    noncrime_share: float = 0.4
    custody_case_rate: float = 0.15
    counted_disposals: dict[str, float] = field(
        default_factory=lambda: {
            "conviction": 0.55,
            "penal_order": 0.15,
            "transaction": 0.10,
            "policy_dismissal": 0.20,
        }
    )
    noncounted_disposals: dict[str, float] = field(
        default_factory=lambda: {"technical_dismissal": 0.5, "acquittal": 0.35, "discharge": 0.15}
    )
    noncrime_disposals: dict[str, float] = field(
        default_factory=lambda: {
            "penal_order": 0.4,
            "transaction": 0.3,
            "conviction": 0.2,
            "policy_dismissal": 0.1,
        }
    )
    noncrime_categories: dict[str, float] = field(
        default_factory=lambda: {"public_order": 0.5, "traffic": 0.35, "other": 0.15}
    )
    custody_categories: dict[str, float] = field(
        default_factory=lambda: {"drugs": 0.4, "violence": 0.35, "weapons": 0.1, "other": 0.15}
    )
    extra_count_share: float = 0.15  # cases with a second offence row of the same category
    disposal_delay_days: tuple[float, float, float] = (14.0, 1.5, 150.0)  # min, shape, mean
    # detentions after later convictions
    p_detention_serious: float = 0.5
    p_detention_other: float = 0.1
    detention_days: tuple[float, float] = (1.5, 240.0)  # gamma shape, mean
    # censoring
    death_rate: float = 0.012
    emigration_rate: float = 0.01
    emigration_rate_cross_border: float = 0.05

    def log_relative_hazard(
        self,
        age: np.ndarray,
        prior_cases: np.ndarray,
        female: np.ndarray,
        form: np.ndarray | str = REFERENCE_FORM,
        exit_year: np.ndarray | float | None = None,
    ) -> np.ndarray:
        """``log r(x)`` of the counted-reoffence process (``exit_year`` None: the centre)."""
        years = 0.0 if exit_year is None else np.asarray(exit_year) - self.exit_year_centre
        return (
            self.beta_age * (np.asarray(age) - AGE_CENTRE_YEARS) / AGE_STEP_YEARS
            + self.beta_prior * np.log1p(prior_cases)
            + self.beta_female * np.asarray(female, dtype=float)
            + by_form(self.form_log_hazard, form)
            + self.log_hazard_trend * years
        )

    def age_gamma(
        self, form: np.ndarray | str, exit_year: np.ndarray | float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Shape and scale (years) of the gamma part of age at the index offence."""
        ages = {REFERENCE_FORM: (self.age_shape, self.age_scale), **self.form_ages}
        shape = by_form({f: a for f, (a, _) in ages.items()}, form)
        scale = by_form({f: b for f, (_, b) in ages.items()}, form)
        drift = np.exp(self.age_scale_trend * (np.asarray(exit_year) - self.exit_year_centre))
        return shape, scale * drift

    def baseline_cumhaz(self, t_years: np.ndarray | float) -> np.ndarray:
        """Baseline cumulative intensity ``Lambda0(t)`` of counted cases, ``t`` in years."""
        t = np.asarray(t_years, dtype=float)
        knots = np.asarray(self.baseline_knots)
        width = np.diff(np.append(knots, np.inf))
        spent = np.clip(t[..., None] - knots, 0.0, width)
        return spent @ np.asarray(self.baseline_rates, dtype=float)

    def baseline_cumhaz_inverse(self, c: np.ndarray) -> np.ndarray:
        """The time ``t`` (years) at which ``Lambda0(t) = c``."""
        knots = np.asarray(self.baseline_knots)
        rates = np.asarray(self.baseline_rates, dtype=float)
        at_knots = np.concatenate([[0.0], np.cumsum(rates[:-1] * np.diff(knots))])
        j = np.searchsorted(at_knots, c, side="right") - 1
        return knots[j] + (c - at_knots[j]) / rates[j]

    def prior_mean(
        self, age: np.ndarray, exit_year: np.ndarray | float | None = None
    ) -> np.ndarray:
        """Mean number of prior cases at a given age at the index offence and exit year."""
        years = 0.0 if exit_year is None else np.asarray(exit_year) - self.exit_year_centre
        base = self.prior_base + self.prior_slope * (np.asarray(age) - self.age_min)
        return base * np.exp(self.prior_trend * years)

    def inclusion_probabilities(self) -> np.ndarray:
        """Independent per-category inclusion probabilities ``q`` (schema order).

        Solves ``q_k = share_k * P(set non-empty)`` with ``P = 1 - prod(1 - q_k)``, so that
        conditioned on a non-empty set a case holds category ``k`` with probability
        ``category_share[k]``.
        """
        # scipy.optimize adds 0.2-0.3 s to `import recidive`; only calibration and the
        # sampler need it
        from scipy.optimize import brentq

        share = np.array([self.category_share[c] for c in OFFENCE_CATEGORIES])
        if share.sum() < 1.0 or share.max() >= 1.0:
            raise ValueError("category shares must sum to at least 1, each below 1")

        def gap(p: float) -> float:
            return 1.0 - np.prod(1.0 - share * p) - p

        if share.sum() == 1.0:  # the limit: exactly one category per case
            return share * _P0_MARGIN
        p0 = brentq(gap, _P0_LOW, 1.0 / share.max() - _P0_MARGIN, xtol=_P0_XTOL)
        return share * p0


def by_form(values: dict[str, float], form: np.ndarray | str) -> np.ndarray:
    """The value of each person's exploitation form (``form``: codes, any shape)."""
    form = np.asarray(form, dtype=object)
    codes, inverse = np.unique(form, return_inverse=True)
    return np.array([values[c] for c in codes], dtype=float)[inverse].reshape(form.shape)
