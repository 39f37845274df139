"""The sampler of the synthetic reference registry: tables drawn from the generative model.

:func:`sample_tables` draws the registry tables of :mod:`recidive.datasets._model`'s model
in named steps, each taking the random generator after the one before it: the index cases,
custody and covariates (which depend on the exit year, the year custody ends), censoring (death, emigration, cut-off), the times of later cases, their
categories, disposals and penalties, and detentions. The order of the draws is part of the
contract: the same parameters and seed give bit-identical tables, so changing the order or
the size of a draw changes every table of a seed (and the figures the tests expect of it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recidive.datasets._model import MAX_PENALTIES, ModelParameters
from recidive.schema import (
    CASES,
    DAYS_PER_YEAR,
    DETENTIONS,
    DISPOSALS,
    EXPLOITATION_FORMS,
    OFFENCE_CATEGORIES,
    PERSONS,
    SERIOUS_MIN_PENALTY_YEARS,
    SEX_CODES,
    TableSpec,
)

#: The oldest simulated offender (years at the index offence).
_OLDEST = 90.0


def _gamma_mean(rng: np.random.Generator, shape: float, mean: float, size: int) -> np.ndarray:
    """Gamma draws given by shape and mean."""
    return rng.gamma(shape, mean / shape, size)


def _choice(rng: np.random.Generator, shares: dict[str, float], size: int) -> np.ndarray:
    """Codes drawn with the given shares (normalised)."""
    keys = list(shares)
    p = np.array([shares[k] for k in keys], dtype=float)
    return np.asarray(keys, dtype=object)[rng.choice(len(keys), size=size, p=p / p.sum())]


def _days(x: np.ndarray) -> np.ndarray:
    """Whole days as timedeltas, to add to dates."""
    return x.astype("timedelta64[D]")


_NAT = np.datetime64("NaT", "D")


@dataclass(frozen=True)
class _IndexCases:
    """Per person: the index case, the covariates and the index custody."""

    disposal: np.ndarray  # index disposal date (datetime64[D])
    offence_days: np.ndarray  # days from the index offence to the disposal
    index_offence: np.ndarray
    birth: np.ndarray
    age: np.ndarray  # years at the index offence
    female: np.ndarray
    form: np.ndarray
    prior: np.ndarray
    custody: np.ndarray  # bool: custody for the index case
    custody_days: np.ndarray  # 0 without custody
    release: np.ndarray  # = disposal without custody
    exit_year: np.ndarray  # calendar year of the start of follow-up

    @property
    def start(self) -> np.ndarray:
        """Start of follow-up: the release, which is the disposal date without custody."""
        return self.release

    @property
    def n(self) -> int:
        """The number of persons."""
        return self.disposal.size


@dataclass(frozen=True)
class _Exits:
    """Per person: the end of observation and the death and emigration dates seen."""

    end_days: np.ndarray  # days of observation after the start
    death_date: np.ndarray  # NaT where not seen (after emigration or the cut-off)
    emigration_date: np.ndarray


@dataclass(frozen=True)
class _CaseTimes:
    """The later cases of the three processes: the person (row) and the day of each."""

    counted: tuple[np.ndarray, np.ndarray]  # (person, days after the start)
    noncounted: tuple[np.ndarray, np.ndarray]  # (person, days after the start)
    custody: tuple[np.ndarray, np.ndarray]  # (person, days after the index disposal)


@dataclass(frozen=True)
class _Cases:
    """One entry per case (counted, non-counted, during custody), and its offence rows."""

    person: np.ndarray
    offence: np.ndarray
    disposal: np.ndarray
    disposal_date: np.ndarray
    crime: np.ndarray
    row_case: np.ndarray  # per offence row: the case it belongs to
    row_category: np.ndarray
    row_penalty: np.ndarray


def sample_tables(params: ModelParameters, n_persons: int, seed: int) -> dict[str, pd.DataFrame]:
    """Draw the registry tables ``persons``, ``cases`` and ``detentions`` from the model.

    Vectorised over persons and cases; deterministic for a given ``seed``. The steps draw
    in the order of the module docstring: index cases and covariates, censoring, the
    times of later cases, their categories and disposals, detentions.
    """
    rng = np.random.default_rng(seed)
    cutoff = np.datetime64(params.cutoff_date, "D")
    index = _draw_index_cases(rng, params, int(n_persons))
    exits = _draw_exits(rng, params, index, cutoff)
    times = _draw_case_times(rng, params, index, exits, cutoff)
    cases = _draw_cases(rng, params, index, times)
    detentions = _draw_detentions(rng, params, index, exits, cases, cutoff)
    return _in_schema_order(
        (PERSONS, _persons_frame(index, exits)),
        (CASES, _cases_frame(cases)),
        (DETENTIONS, detentions),
    )


def _draw_index_cases(rng: np.random.Generator, params: ModelParameters, n: int) -> _IndexCases:
    """Entry (staggered index disposals), the index custody, then covariates by form and exit year."""
    e0, e1 = np.datetime64(params.entry_start, "D"), np.datetime64(params.entry_end, "D")
    disposal = e0 + _days(rng.integers(0, (e1 - e0).astype(int) + 1, n))
    custody = rng.random(n) < params.p_custody
    shape, mean = params.custody_after_disposal_years
    custody_days = np.where(
        custody, np.ceil(_gamma_mean(rng, shape, mean, n) * DAYS_PER_YEAR).astype(np.int64), 0
    )
    release = disposal + _days(custody_days)
    exit_year = release.astype("datetime64[Y]").astype(np.int64) + 1970
    shape, mean = params.offence_to_disposal_years
    offence_days = np.ceil(_gamma_mean(rng, shape, mean, n) * DAYS_PER_YEAR).astype(np.int64)
    index_offence = disposal - _days(offence_days)
    form = _choice(rng, params.exploitation_shares, n)
    age_shape, age_scale = params.age_gamma(form, exit_year)
    # the gamma's tail is cut at _OLDEST (about one person in 10^5): the data contract
    # refuses an age over 100 at the index offence as a wrong birth date
    age = np.minimum(params.age_min + rng.gamma(age_shape, age_scale), _OLDEST)
    birth = index_offence - _days(np.round(age * DAYS_PER_YEAR).astype(np.int64))
    female = rng.random(n) >= params.share_male
    mu = params.prior_mean(age, exit_year)
    prior = rng.negative_binomial(params.prior_size, params.prior_size / (params.prior_size + mu))
    return _IndexCases(
        disposal=disposal,
        offence_days=offence_days,
        index_offence=index_offence,
        birth=birth,
        age=age,
        female=female,
        form=form,
        prior=prior,
        custody=custody,
        custody_days=custody_days,
        release=release,
        exit_year=exit_year,
    )


def _draw_exits(
    rng: np.random.Generator, params: ModelParameters, index: _IndexCases, cutoff: np.datetime64
) -> _Exits:
    """Death and emigration (exponential from the start) and the cut-off: the end of follow-up."""
    n, start = index.n, index.start
    death_d = np.ceil(rng.exponential(1.0 / params.death_rate, n) * DAYS_PER_YEAR).astype(np.int64)
    emig_rate = np.where(
        index.form == "grensoverschrijdend_seksueel",
        params.emigration_rate_cross_border,
        params.emigration_rate,
    )
    emig_d = np.ceil(rng.exponential(1.0, n) / emig_rate * DAYS_PER_YEAR).astype(np.int64)
    cut_d = np.maximum((cutoff - start).astype(np.int64), 0)
    death_seen = (death_d <= cut_d) & (death_d <= emig_d)
    emig_seen = (emig_d <= cut_d) & (emig_d < death_d)
    return _Exits(
        end_days=np.minimum(np.minimum(death_d, emig_d), cut_d),
        death_date=np.where(death_seen, start + _days(death_d), _NAT),
        emigration_date=np.where(emig_seen, start + _days(emig_d), _NAT),
    )


def _draw_case_times(
    rng: np.random.Generator,
    params: ModelParameters,
    index: _IndexCases,
    exits: _Exits,
    cutoff: np.datetime64,
) -> _CaseTimes:
    """The counted and non-counted processes (Poisson given ``Z`` and ``x``), and custody cases."""
    n, end_d = index.n, exits.end_days
    z = rng.gamma(1.0 / params.frailty_var, params.frailty_var, n)
    log_r = params.log_relative_hazard(
        index.age, index.prior, index.female, index.form, index.exit_year
    )
    intensity = z * np.exp(log_r)
    cumhaz_end = intensity * params.baseline_cumhaz(end_d / DAYS_PER_YEAR)
    n_counted = rng.poisson(cumhaz_end)
    n_noncounted = rng.poisson(params.noncounted_ratio * cumhaz_end)
    # days strictly between the index disposal and the release, up to the cut-off
    custody_window = np.minimum(index.custody_days, (cutoff - index.disposal).astype(np.int64) + 1)
    n_custody = rng.poisson(
        z * params.custody_case_rate * np.maximum(custody_window - 1, 0) / DAYS_PER_YEAR
    )

    def event_days(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        who = np.repeat(np.arange(n), counts)
        # given their number, event times on (0, end] have distribution Lambda0(t) / Lambda0(end)
        c = rng.random(who.size) * params.baseline_cumhaz(end_d[who] / DAYS_PER_YEAR)
        t = np.ceil(params.baseline_cumhaz_inverse(c) * DAYS_PER_YEAR)
        return who, np.clip(t, 1, end_d[who]).astype(np.int64)

    counted = event_days(n_counted)
    noncounted = event_days(n_noncounted)
    who_k = np.repeat(np.arange(n), n_custody)
    day_k = 1 + np.floor(rng.random(who_k.size) * (custody_window[who_k] - 1)).astype(np.int64)
    return _CaseTimes(counted=counted, noncounted=noncounted, custody=(who_k, day_k))


def _draw_counted_categories(
    rng: np.random.Generator, q: np.ndarray, n_cases: int
) -> tuple[np.ndarray, np.ndarray]:
    """Categories of counted cases: independent inclusion conditioned on a non-empty set.

    Returns the case (position) and the category of each offence row.
    """
    n_cat = len(OFFENCE_CATEGORIES)
    first_p = np.concatenate([[1.0], np.cumprod(1.0 - q)[:-1]]) * q
    first = np.minimum(
        np.searchsorted(np.cumsum(first_p / first_p.sum()), rng.random(n_cases), side="right"),
        n_cat - 1,
    )
    holds = rng.random((n_cases, n_cat)) < q
    holds &= np.arange(n_cat) > first[:, None]
    holds[np.arange(n_cases), first] = True
    case_c, cat_c = np.nonzero(holds)
    return case_c, np.asarray(OFFENCE_CATEGORIES, dtype=object)[cat_c]


def _draw_noncounted_kinds(
    rng: np.random.Generator, params: ModelParameters, q: np.ndarray, n_cases: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Non-counted cases: non-crime or not, their category and their disposal."""
    noncrime = rng.random(n_cases) < params.noncrime_share
    n_cat = len(OFFENCE_CATEGORIES)
    category = np.where(
        noncrime,
        _choice(rng, params.noncrime_categories, n_cases),
        np.asarray(OFFENCE_CATEGORIES, dtype=object)[
            rng.choice(n_cat, size=n_cases, p=q / q.sum())
        ],
    )
    disposal = np.where(
        noncrime,
        _choice(rng, params.noncrime_disposals, n_cases),
        _choice(rng, params.noncounted_disposals, n_cases),
    )
    return noncrime, category, disposal


def _draw_cases(
    rng: np.random.Generator, params: ModelParameters, index: _IndexCases, times: _CaseTimes
) -> _Cases:
    """One entry per case (dates, disposal, crime or not), expanded to its offence rows."""
    (who_c, day_c), (who_n, day_n), (who_k, day_k) = times.counted, times.noncounted, times.custody
    q = params.inclusion_probabilities()
    case_c, cat_c = _draw_counted_categories(rng, q, who_c.size)
    noncrime, cat_n, disp_n = _draw_noncounted_kinds(rng, params, q, who_n.size)

    n_c, n_nc, n_k = who_c.size, who_n.size, who_k.size
    start = index.start
    person = np.concatenate([who_c, who_n, who_k])
    offence = np.concatenate(
        [
            start[who_c] + _days(day_c),
            start[who_n] + _days(day_n),
            index.disposal[who_k] + _days(day_k),
        ]
    )
    disposal = np.concatenate(
        [
            _choice(rng, params.counted_disposals, n_c),
            disp_n,
            _choice(rng, params.counted_disposals, n_k),
        ]
    )
    crime = np.concatenate([np.ones(n_c, bool), ~noncrime, np.ones(n_k, bool)])
    lo, shape, mean = params.disposal_delay_days
    delay = np.ceil(lo + _gamma_mean(rng, shape, mean, person.size)).astype(np.int64)

    row_case = np.concatenate([case_c, n_c + np.arange(n_nc), n_c + n_nc + np.arange(n_k)])
    row_cat = np.concatenate([cat_c, cat_n, _choice(rng, params.custody_categories, n_k)])
    row_case, row_cat = _draw_extra_rows(rng, params, row_case, row_cat)
    return _Cases(
        person=person,
        offence=offence,
        disposal=disposal,
        disposal_date=offence + _days(delay),
        crime=crime,
        row_case=row_case,
        row_category=row_cat,
        row_penalty=_draw_penalties(rng, row_cat),
    )


def _draw_extra_rows(
    rng: np.random.Generator, params: ModelParameters, row_case: np.ndarray, row_cat: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A second offence row of the same category for a share of the cases."""
    _, first_row = np.unique(row_case, return_index=True)
    extra_rows = first_row[rng.random(first_row.size) < params.extra_count_share]
    return (
        np.concatenate([row_case, row_case[extra_rows]]),
        np.concatenate([row_cat, row_cat[extra_rows]]),
    )


def _draw_penalties(rng: np.random.Generator, row_cat: np.ndarray) -> np.ndarray:
    """A statutory maximum penalty for each offence row, from its category's list."""
    penalty = np.empty(row_cat.size)
    for cat, (values, probs) in MAX_PENALTIES.items():
        sel = row_cat == cat
        penalty[sel] = rng.choice(np.asarray(values), size=int(sel.sum()), p=np.asarray(probs))
    return penalty


def _draw_detentions(
    rng: np.random.Generator,
    params: ModelParameters,
    index: _IndexCases,
    exits: _Exits,
    cases: _Cases,
    cutoff: np.datetime64,
) -> pd.DataFrame:
    """The index custody (with pre-trial days) and sentences after convictions, merged and cut."""
    case_max_pen = np.zeros(cases.person.size)
    np.maximum.at(case_max_pen, cases.row_case, cases.row_penalty)
    convicted = cases.disposal == "conviction"
    serious = case_max_pen >= SERIOUS_MIN_PENALTY_YEARS
    p_det = np.where(serious, params.p_detention_serious, params.p_detention_other)
    sentenced = convicted & (rng.random(cases.person.size) < p_det)
    shape, mean = params.detention_days
    det_len = np.ceil(_gamma_mean(rng, shape, mean, int(sentenced.sum()))).astype(np.int64)
    pre = np.minimum(
        rng.integers(0, params.pretrial_max_days + 1, index.n),
        np.maximum(index.offence_days - 1, 0),
    )
    custody, sentence_start = index.custody, cases.disposal_date[sentenced]
    detentions = _merge_spells(
        np.concatenate([np.flatnonzero(custody), cases.person[sentenced]]),
        np.concatenate([index.disposal[custody] - _days(pre[custody]), sentence_start]),
        np.concatenate([index.release[custody], sentence_start + _days(det_len)]),
    )
    leave = np.minimum(
        np.where(np.isnat(exits.death_date), cutoff, exits.death_date),
        np.where(np.isnat(exits.emigration_date), cutoff, exits.emigration_date),
    )
    stop = np.minimum(cutoff, leave[detentions["person_id"]])
    detentions["end"] = np.minimum(detentions["end"].to_numpy(), stop)
    detentions = detentions[detentions["start"].to_numpy() < detentions["end"].to_numpy()]
    return detentions.assign(person_id=detentions["person_id"] + 1).reset_index(drop=True)


def _cases_frame(cases: _Cases) -> pd.DataFrame:
    """The cases table: cases numbered by person and offence date, one row per offence."""
    order = np.lexsort((cases.offence, cases.person))
    new_id = np.empty_like(order)
    new_id[order] = np.arange(order.size)
    row_order = np.lexsort((cases.row_category.astype(str), new_id[cases.row_case]))
    rc = cases.row_case[row_order]
    return pd.DataFrame(
        {
            "person_id": cases.person[rc] + 1,
            "case_id": new_id[rc] + 1,
            "offence_date": cases.offence[rc],
            "disposal_date": cases.disposal_date[rc],
            "disposal": pd.Categorical(cases.disposal[rc], categories=DISPOSALS),
            "offence_category": pd.Categorical(
                cases.row_category[row_order], categories=OFFENCE_CATEGORIES
            ),
            "max_penalty_years": cases.row_penalty[row_order],
            "is_crime": cases.crime[rc],
        }
    )


def _persons_frame(index: _IndexCases, exits: _Exits) -> pd.DataFrame:
    """The persons table."""
    return pd.DataFrame(
        {
            "person_id": np.arange(1, index.n + 1),
            "sex": pd.Categorical(np.where(index.female, "F", "M"), categories=SEX_CODES),
            "birth_date": index.birth,
            "index_offence_date": index.index_offence,
            "index_disposal_date": index.disposal,
            "index_release_date": np.where(index.custody, index.release, _NAT),
            "exploitation_form": pd.Categorical(index.form, categories=EXPLOITATION_FORMS),
            "prior_cases": index.prior.astype(np.int64),
            "death_date": exits.death_date,
            "emigration_date": exits.emigration_date,
        }
    )


def _in_schema_order(*tables: tuple[TableSpec, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables by name, with the schema's columns in its order and dates in nanoseconds."""
    out = {}
    for spec, table in tables:
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
