"""The generative model of the synthetic reference registry.

One person is one offender convicted (or otherwise disposed of) for a human-trafficking
index case. The model, in the order the sampler draws it:

Entry
    The index disposal date is uniform over ``entry_start`` .. ``entry_end``
    (staggered entry); the index offence was committed a gamma-distributed delay
    earlier. A share ``p_custody`` serve custody for the index case, ending at
    ``index_release_date`` (a gamma-distributed time after the disposal); the
    detention starts up to ``pretrial_max_days`` before the disposal (pre-trial custody).
    Follow-up starts at release, or at the disposal date for persons without custody.
Covariates
    ``sex`` (``share_male`` men); ``exploitation_form`` (fixed shares, mostly
    ``binnenlands_seksueel``); age at the index offence ``age_min + Gamma(age_shape,
    age_scale)`` years; ``prior_cases`` negative binomial with mean
    ``prior_base + prior_slope * (age - age_min)`` (older offenders have more prior cases).
Counted reoffences (the latent process the published figures describe)
    Given a person's covariates ``x`` and a gamma frailty ``Z`` (mean 1, variance
    ``frailty_var``), counted cases (crimes with a counting disposal) form a Poisson
    process in time since the start of follow-up with cumulative intensity
    ``Z * r(x) * Lambda0(t)`` (``t`` in years; ``Lambda0`` piecewise linear: constant
    baseline rates ``baseline_rates`` on 0-2, 2-5 and 5+ years), where
    ``log r(x) = beta_age * (age - 30) / 10 + beta_prior * log1p(prior_cases)
    + beta_female * female``. Each case holds a set of offence categories: the categories
    are independent Bernoulli draws conditioned on the set being non-empty, chosen so that
    a case holds category ``k`` with probability ``category_share[k]``. Thinning makes the
    cases holding ``k`` a Poisson process with intensity ``category_share[k]`` times the
    counted one, so every criterion has a closed-form population survival
    ``E[(1 + frailty_var * share * r(x) * Lambda0(t)) ** (-1 / frailty_var)]``
    (see :mod:`recidive.datasets._population`). Disposals of counted cases are drawn from
    ``counted_disposals``; each offence row gets a statutory maximum penalty from its
    category's list.
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
    ``cutoff_date``. Censoring is non-informative by construction: entry date, custody
    length and death do not depend on the covariates or the frailty, and emigration depends
    only on the exploitation form, which does not enter ``r(x)``; so Kaplan-Meier, overall
    and by age group, is consistent for the population values.
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
import pandas as pd

from recidive.schema import (
    CASES,
    DAYS_PER_YEAR,
    DETENTIONS,
    DISPOSALS,
    EXPLOITATION_FORMS,
    OFFENCE_CATEGORIES,
    PERSONS,
    SEX_CODES,
)

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


@dataclass(frozen=True)
class ModelParameters:
    """All parameters of the generative model (see the module docstring).

    The calibrated ones (``age_scale``, ``baseline_rates``, ``beta_age`` and the
    ``category_share`` of the four published categories) are solved by :func:`recidive.datasets._calibration.calibrate`; the others
    are fixed modelling choices.
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
    age_shape: float = 2.0
    prior_base: float = 1.0
    prior_slope: float = 0.2
    prior_size: float = 1.5  # negative binomial size (dispersion)
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
        self, age: np.ndarray, prior_cases: np.ndarray, female: np.ndarray
    ) -> np.ndarray:
        """``log r(x)`` of the counted-reoffence process."""
        return (
            self.beta_age * (np.asarray(age) - 30.0) / 10.0
            + self.beta_prior * np.log1p(prior_cases)
            + self.beta_female * np.asarray(female, dtype=float)
        )

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

    def prior_mean(self, age: np.ndarray) -> np.ndarray:
        """Mean number of prior cases at a given age at the index offence."""
        return self.prior_base + self.prior_slope * (np.asarray(age) - self.age_min)

    def inclusion_probabilities(self) -> np.ndarray:
        """Independent per-category inclusion probabilities ``q`` (schema order).

        Solves ``q_k = share_k * P(set non-empty)`` with ``P = 1 - prod(1 - q_k)``, so that
        conditioned on a non-empty set a case holds category ``k`` with probability
        ``category_share[k]``.
        """
        from scipy.optimize import brentq

        share = np.array([self.category_share[c] for c in OFFENCE_CATEGORIES])
        if share.sum() < 1.0 or share.max() >= 1.0:
            raise ValueError("category shares must sum to at least 1, each below 1")

        def gap(p: float) -> float:
            return 1.0 - np.prod(1.0 - share * p) - p

        if share.sum() == 1.0:  # the limit: exactly one category per case
            return share * 1e-12
        p0 = brentq(gap, 1e-9, 1.0 / share.max() - 1e-12, xtol=1e-15)
        return share * p0


def _gamma_mean(rng: np.random.Generator, shape: float, mean: float, size: int) -> np.ndarray:
    return rng.gamma(shape, mean / shape, size)


def _choice(rng: np.random.Generator, shares: dict[str, float], size: int) -> np.ndarray:
    keys = list(shares)
    p = np.array([shares[k] for k in keys], dtype=float)
    return np.asarray(keys, dtype=object)[rng.choice(len(keys), size=size, p=p / p.sum())]


def _days(x: np.ndarray) -> np.ndarray:
    return x.astype("timedelta64[D]")


def sample_tables(params: ModelParameters, n_persons: int, seed: int) -> dict[str, pd.DataFrame]:
    """Draw the registry tables ``persons``, ``cases`` and ``detentions`` from the model.

    Vectorised over persons and cases; deterministic for a given ``seed``.
    """
    rng = np.random.default_rng(seed)
    n = int(n_persons)
    cutoff = np.datetime64(params.cutoff_date, "D")
    e0, e1 = np.datetime64(params.entry_start, "D"), np.datetime64(params.entry_end, "D")

    # --- the index case and covariates -------------------------------------------------
    disposal = e0 + _days(rng.integers(0, (e1 - e0).astype(int) + 1, n))
    shape, mean = params.offence_to_disposal_years
    offence_days = np.ceil(_gamma_mean(rng, shape, mean, n) * DAYS_PER_YEAR).astype(np.int64)
    index_offence = disposal - _days(offence_days)
    age = params.age_min + rng.gamma(params.age_shape, params.age_scale, n)
    birth = index_offence - _days(np.round(age * DAYS_PER_YEAR).astype(np.int64))
    female = rng.random(n) >= params.share_male
    form = _choice(rng, params.exploitation_shares, n)
    mu = params.prior_mean(age)
    prior = rng.negative_binomial(params.prior_size, params.prior_size / (params.prior_size + mu))
    custody = rng.random(n) < params.p_custody
    shape, mean = params.custody_after_disposal_years
    custody_days = np.where(
        custody, np.ceil(_gamma_mean(rng, shape, mean, n) * DAYS_PER_YEAR).astype(np.int64), 0
    )
    release = disposal + _days(custody_days)
    start = release  # = disposal without custody

    # --- censoring -----------------------------------------------------------------------
    death_d = np.ceil(rng.exponential(1.0 / params.death_rate, n) * DAYS_PER_YEAR).astype(np.int64)
    emig_rate = np.where(
        form == "grensoverschrijdend_seksueel",
        params.emigration_rate_cross_border,
        params.emigration_rate,
    )
    emig_d = np.ceil(rng.exponential(1.0, n) / emig_rate * DAYS_PER_YEAR).astype(np.int64)
    cut_d = np.maximum((cutoff - start).astype(np.int64), 0)
    end_d = np.minimum(np.minimum(death_d, emig_d), cut_d)  # days of observation after start
    death_seen = (death_d <= cut_d) & (death_d <= emig_d)
    emig_seen = (emig_d <= cut_d) & (emig_d < death_d)
    nat = np.datetime64("NaT", "D")
    death_date = np.where(death_seen, start + _days(death_d), nat)
    emig_date = np.where(emig_seen, start + _days(emig_d), nat)

    # --- counted and non-counted later cases (Poisson processes given Z, x) --------------
    z = rng.gamma(1.0 / params.frailty_var, params.frailty_var, n)
    intensity = z * np.exp(params.log_relative_hazard(age, prior, female))
    cumhaz_end = intensity * params.baseline_cumhaz(end_d / DAYS_PER_YEAR)
    n_counted = rng.poisson(cumhaz_end)
    n_noncounted = rng.poisson(params.noncounted_ratio * cumhaz_end)
    # days strictly between the index disposal and the release, up to the cut-off
    custody_window = np.minimum(custody_days, (cutoff - disposal).astype(np.int64) + 1)
    n_custody = rng.poisson(
        z * params.custody_case_rate * np.maximum(custody_window - 1, 0) / DAYS_PER_YEAR
    )

    def event_days(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        who = np.repeat(np.arange(n), counts)
        # given their number, event times on (0, end] have distribution Lambda0(t) / Lambda0(end)
        c = rng.random(who.size) * params.baseline_cumhaz(end_d[who] / DAYS_PER_YEAR)
        t = np.ceil(params.baseline_cumhaz_inverse(c) * DAYS_PER_YEAR)
        return who, np.clip(t, 1, end_d[who]).astype(np.int64)

    who_c, day_c = event_days(n_counted)
    who_n, day_n = event_days(n_noncounted)
    who_k = np.repeat(np.arange(n), n_custody)
    day_k = 1 + np.floor(rng.random(who_k.size) * (custody_window[who_k] - 1)).astype(np.int64)

    # categories of counted cases: independent inclusion conditioned on a non-empty set
    q = params.inclusion_probabilities()
    n_cat = len(OFFENCE_CATEGORIES)
    first_p = np.concatenate([[1.0], np.cumprod(1.0 - q)[:-1]]) * q
    first = np.minimum(
        np.searchsorted(np.cumsum(first_p / first_p.sum()), rng.random(who_c.size), side="right"),
        n_cat - 1,
    )
    holds = rng.random((who_c.size, n_cat)) < q
    holds &= np.arange(n_cat) > first[:, None]
    holds[np.arange(who_c.size), first] = True
    case_c, cat_c = np.nonzero(holds)
    cat_c = np.asarray(OFFENCE_CATEGORIES, dtype=object)[cat_c]

    n_nc = who_n.size
    noncrime = rng.random(n_nc) < params.noncrime_share
    cat_n = np.where(
        noncrime,
        _choice(rng, params.noncrime_categories, n_nc),
        np.asarray(OFFENCE_CATEGORIES, dtype=object)[rng.choice(n_cat, size=n_nc, p=q / q.sum())],
    )
    disp_n = np.where(
        noncrime,
        _choice(rng, params.noncrime_disposals, n_nc),
        _choice(rng, params.noncounted_disposals, n_nc),
    )

    # one frame of cases (one row per case), then expand to offence rows
    n_c, n_k = who_c.size, who_k.size
    case_person = np.concatenate([who_c, who_n, who_k])
    case_offence = np.concatenate(
        [start[who_c] + _days(day_c), start[who_n] + _days(day_n), disposal[who_k] + _days(day_k)]
    )
    case_disposal = np.concatenate(
        [
            _choice(rng, params.counted_disposals, n_c),
            disp_n,
            _choice(rng, params.counted_disposals, n_k),
        ]
    )
    case_crime = np.concatenate([np.ones(n_c, bool), ~noncrime, np.ones(n_k, bool)])
    lo, shape, mean = params.disposal_delay_days
    delay = np.ceil(lo + _gamma_mean(rng, shape, mean, case_person.size)).astype(np.int64)
    case_disposal_date = case_offence + _days(delay)

    row_case = np.concatenate([case_c, n_c + np.arange(n_nc), n_c + n_nc + np.arange(n_k)])
    row_cat = np.concatenate([cat_c, cat_n, _choice(rng, params.custody_categories, n_k)])
    _, first_row = np.unique(row_case, return_index=True)
    extra_rows = first_row[rng.random(first_row.size) < params.extra_count_share]
    row_case = np.concatenate([row_case, row_case[extra_rows]])
    row_cat = np.concatenate([row_cat, row_cat[extra_rows]])
    penalty = np.empty(row_cat.size)
    for cat, (values, probs) in MAX_PENALTIES.items():
        sel = row_cat == cat
        penalty[sel] = rng.choice(np.asarray(values), size=int(sel.sum()), p=np.asarray(probs))

    # order cases by person and offence date, number them
    order = np.lexsort((case_offence, case_person))
    new_id = np.empty_like(order)
    new_id[order] = np.arange(order.size)
    row_order = np.lexsort((row_cat.astype(str), new_id[row_case]))
    rc = row_case[row_order]
    cases = pd.DataFrame(
        {
            "person_id": case_person[rc] + 1,
            "case_id": new_id[rc] + 1,
            "offence_date": case_offence[rc],
            "disposal_date": case_disposal_date[rc],
            "disposal": pd.Categorical(case_disposal[rc], categories=DISPOSALS),
            "offence_category": pd.Categorical(row_cat[row_order], categories=OFFENCE_CATEGORIES),
            "max_penalty_years": penalty[row_order],
            "is_crime": case_crime[rc],
        }
    )

    # --- detentions: index custody plus sentences after convictions ----------------------
    case_max_pen = np.zeros(case_person.size)
    np.maximum.at(case_max_pen, row_case, penalty)
    convicted = case_disposal == "conviction"
    p_det = np.where(case_max_pen >= 4.0, params.p_detention_serious, params.p_detention_other)
    sentenced = convicted & (rng.random(case_person.size) < p_det)
    shape, mean = params.detention_days
    det_len = np.ceil(_gamma_mean(rng, shape, mean, int(sentenced.sum()))).astype(np.int64)
    pre = np.minimum(
        rng.integers(0, params.pretrial_max_days + 1, n), np.maximum(offence_days - 1, 0)
    )
    det_person = np.concatenate([np.flatnonzero(custody), case_person[sentenced]])
    det_start = np.concatenate(
        [disposal[custody] - _days(pre[custody]), case_disposal_date[sentenced]]
    )
    det_end = np.concatenate([release[custody], case_disposal_date[sentenced] + _days(det_len)])
    detentions = _merge_spells(det_person, det_start, det_end)
    leave = np.minimum(
        np.where(np.isnat(death_date), cutoff, death_date),
        np.where(np.isnat(emig_date), cutoff, emig_date),
    )
    stop = np.minimum(cutoff, leave[detentions["person_id"]])
    detentions["end"] = np.minimum(detentions["end"].to_numpy(), stop)
    detentions = detentions[detentions["start"].to_numpy() < detentions["end"].to_numpy()]
    detentions = detentions.assign(person_id=detentions["person_id"] + 1).reset_index(drop=True)

    persons = pd.DataFrame(
        {
            "person_id": np.arange(1, n + 1),
            "sex": pd.Categorical(np.where(female, "F", "M"), categories=SEX_CODES),
            "birth_date": birth,
            "index_offence_date": index_offence,
            "index_disposal_date": disposal,
            "index_release_date": np.where(custody, release, nat),
            "exploitation_form": pd.Categorical(form, categories=EXPLOITATION_FORMS),
            "prior_cases": prior.astype(np.int64),
            "death_date": death_date,
            "emigration_date": emig_date,
        }
    )
    out = {}
    for spec, table in ((PERSONS, persons), (CASES, cases), (DETENTIONS, detentions)):
        table = table[[*spec.required, *spec.optional]].copy()  # schema order
        for col in spec.date_columns:
            if col in table:
                table[col] = table[col].astype("datetime64[ns]")
        out[spec.name] = table
    return out


def _merge_spells(person: np.ndarray, start: np.ndarray, end: np.ndarray) -> pd.DataFrame:
    """Merge overlapping or touching detention spells of the same person (vectorised)."""
    order = np.lexsort((start, person))
    person, start, end = person[order], start[order], end[order]
    end_i = end.astype(np.int64)
    frame = pd.DataFrame({"p": person, "e": end_i})
    running = frame.groupby("p")["e"].cummax().to_numpy()
    prev = np.empty_like(running)
    prev[1:] = running[:-1]
    new_block = np.ones(person.size, bool)
    new_block[1:] = (person[1:] != person[:-1]) | (start[1:].astype(np.int64) > prev[1:] + 1)
    block = np.cumsum(new_block) - 1
    n_blocks = int(block[-1]) + 1 if block.size else 0
    b_end = np.full(n_blocks, np.iinfo(np.int64).min)
    np.maximum.at(b_end, block, end_i)
    return pd.DataFrame(
        {
            "person_id": person[new_block],
            "start": start[new_block],
            "end": b_end.astype("datetime64[D]"),
        }
    )
