"""Population values of the generative model: the values the pipeline's estimators converge to.

Given covariates ``x`` (age, prior cases, sex, exploitation form, exit year) and the gamma
frailty (mean 1, variance ``theta``), the time to the first counted case holding category
``k`` (or any category, share 1) has survival

    S(t | x) = (1 + theta * share_k * r(x) * Lambda0(t)) ** (-1 / theta).

The published figures are Kaplan-Meier estimates from a cohort with staggered entry. In the
model, later exit cohorts are followed for a shorter time *and* differ in composition, so
censoring is not independent of the covariates, and the pooled Kaplan-Meier estimator does
not converge to the mixture ``E[S(t | X)]``. It converges to

    S_KM(t) = exp(-integral_0^t hbar(u) du),
    hbar(u) = E[f(u | X) G(u | X)] / E[S(u | X) G(u | X)],

with ``f = -dS/du`` and ``G(u | X)`` the probability of being still under observation at
``u``: the data cut-off minus the start of follow-up (which fixes the exit year, through the
entry date and the index custody), emigration (by exploitation form) and death (the same
for everyone, so it cancels). This module computes ``S_KM`` for the persons the cohort
builder keeps (start of follow-up before the cut-off), overall and per age group, by
deterministic quadrature:

- exit cohorts: the day of the start of follow-up is the index disposal day (uniform)
  plus the custody days (none, or a gamma time rounded up to days); their distribution is
  an exact convolution on days, which gives each exit year's share of the persons kept and
  its at-risk curve ``P(cut-off - start >= u | exit year)``;
- covariates within an exploitation form and exit year: age by a graded midpoint rule on
  the quantile scale (separately below and above the monitor's age cut, so the group split is
  exact), prior cases by summing the negative-binomial probabilities, sex by its two
  values; the nodes' ``log r(x)`` are spread on a fine lattice (linear split between the
  two nearest lattice points), so that every expectation over ``x`` is one matrix product
  with the survival curves of the lattice;
- time: Gauss-Legendre nodes between breakpoints (the horizons, the knots of the baseline
  hazard, the kinks of the at-risk curves).

Within one exit year and form, censoring is independent of ``x`` and ``S_KM`` is the
mixture ``E[S(t | X)]``; :func:`exit_year_rates` gives it per exit year, with the
recidivism each exit year would have had with the pooled composition (the model's true
adjusted rate). Nothing here draws random numbers or looks at simulated data; the quadrature
is accurate to about 1e-6 (``tests/datasets`` compares it with a finer one and with a
large simulation).

Horizons are evaluated on the last whole day the estimators count: a reoffence on day
``d`` after the start counts at horizon ``h`` years when ``d <= h * 365.25``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from recidive.datasets._model import AGE_CENTRE_YEARS, REFERENCE_FORM, ModelParameters
from recidive.schema import DAYS_PER_YEAR, MONITOR_AGE_CUT_YEARS

#: The figures of the published report that the model is calibrated to, by name.
TARGET_NAMES: tuple[str, ...] = (
    "general_2y",
    "general_5y",
    "general_7y",
    "property_5y",
    "violence_5y",
    "drugs_5y",
    "human_trafficking_5y",
    "share_under_23",
    "share_recidivists_under_23",
)

#: Horizons (years) of the published general figures, of the per-category figures and of
#: the share under 23 among recidivists.
GENERAL_HORIZONS_YEARS: tuple[int, ...] = (2, 5, 7)
CATEGORY_HORIZON_YEARS = 5
RECIDIVIST_HORIZON_YEARS = 7

#: The categories with a published figure (at :data:`CATEGORY_HORIZON_YEARS`).
PUBLISHED_CATEGORIES: tuple[str, ...] = ("property", "violence", "drugs", "human_trafficking")

#: The seed's population: offenders of domestic sexual exploitation.
REFERENCE_FORMS: tuple[str, ...] = (REFERENCE_FORM,)

#: The age groups of the results: everyone, and the monitor's two groups.
GROUPS: tuple[str, ...] = ("all", "<23", "23+")


@dataclass(frozen=True)
class Quadrature:
    """How finely the expectations are computed (the defaults give about 1e-6)."""

    n_age: int = 160  # age nodes per age group
    max_prior: int = 160  # prior cases summed up to
    min_weight: float = 1e-13  # nodes of smaller probability are dropped
    lattice_step: float = 0.01  # of the log r lattice
    gauss_nodes: int = 8  # per time segment


DEFAULT_QUADRATURE = Quadrature()


def horizon_years(h: float) -> float:
    """The horizon ``h`` (years) on the day scale the estimators use."""
    return np.floor(h * DAYS_PER_YEAR) / DAYS_PER_YEAR


@dataclass(frozen=True)
class ExitCohorts:
    """The persons the cohort keeps, by exit year: their share and their time under observation.

    ``weight[i]`` is the share of exit year ``years[i]`` among the persons kept (start of
    follow-up before the cut-off). ``cdf[i, d]`` is the probability that a person of that
    exit year started on or before day ``d`` (days since ``entry_start``), 1 at the last
    day kept; ``cutoff_day`` is the day of the cut-off and ``kink_days`` the days where a
    ``cdf`` changes slope (year ends and the end of the entry window).
    """

    years: np.ndarray
    weight: np.ndarray
    cdf: np.ndarray
    cutoff_day: int
    kink_days: np.ndarray

    def at_risk(self, t_years: np.ndarray) -> np.ndarray:
        """``P(cut-off - start >= t | exit year)``, shape (years, times).

        A person is at risk on day ``d`` of follow-up when the cut-off is at least ``d``
        days after the start; between whole days the probability is interpolated.
        """
        day = self.cutoff_day - np.asarray(t_years) * DAYS_PER_YEAR - 0.5
        grid = np.arange(self.cdf.shape[1], dtype=float)
        return np.stack([np.interp(day, grid, c, left=0.0) for c in self.cdf])

    def kinks(self) -> np.ndarray:
        """Times (years) at which an at-risk curve changes slope."""
        return (self.cutoff_day - 0.5 - self.kink_days) / DAYS_PER_YEAR


def exit_cohorts(params: ModelParameters) -> ExitCohorts:
    """The exit years of the persons kept, from the entry window and the index custody (exact).

    The start day is the disposal day (uniform over the entry window) plus the custody days
    (none with probability ``1 - p_custody``, else a gamma time rounded up to whole days):
    a convolution on days.
    """
    e0 = np.datetime64(params.entry_start, "D")
    n_entry = int((np.datetime64(params.entry_end, "D") - e0).astype(int)) + 1
    cutoff_day = int((np.datetime64(params.cutoff_date, "D") - e0).astype(int))
    shape, mean = params.custody_after_disposal_years
    days = np.arange(cutoff_day)  # start days kept: before the cut-off
    custody = np.diff(stats.gamma.cdf(days / DAYS_PER_YEAR, shape, scale=mean / shape))
    custody = np.concatenate([[1.0 - params.p_custody], params.p_custody * custody])
    start = np.convolve(np.full(n_entry, 1.0 / n_entry), custody)[:cutoff_day]
    year = (e0 + days.astype("timedelta64[D]")).astype("datetime64[Y]").astype(int) + 1970
    years = np.unique(year)
    mass = np.array([start[year == y].sum() for y in years])
    cdf = np.cumsum(np.where(year[None, :] == years[:, None], start[None, :], 0.0), axis=1)
    first_days = np.searchsorted(year, years)
    return ExitCohorts(
        years=years,
        weight=mass / mass.sum(),
        cdf=cdf / mass[:, None],
        cutoff_day=cutoff_day,
        kink_days=np.concatenate([first_days - 1, first_days, [n_entry - 1, n_entry]]),
    )


@dataclass(frozen=True)
class CovariateGrid:
    """Quadrature nodes of the persons kept, by cell (exploitation form, exit year).

    ``cell_weight`` (sums to 1 over the cells) is the cell's share of the persons kept of
    the forms in ``forms``; ``cell_young`` its share under the monitor's age cut. Per node:
    its ``cell``, whether it is ``young``, its probability ``weight`` given the cell, and
    ``age`` and ``prior_cases``; sex is summed over in :func:`km_limit`.
    """

    forms: tuple[str, ...]
    cohorts: ExitCohorts
    cell_form: np.ndarray
    cell_year: np.ndarray
    cell_weight: np.ndarray
    cell_young: np.ndarray
    node_cell: np.ndarray
    node_young: np.ndarray
    node_weight: np.ndarray
    node_age: np.ndarray
    node_prior: np.ndarray
    quadrature: Quadrature

    def share_young(self) -> float:
        """Share under the monitor's age cut among the persons kept."""
        return float(np.sum(self.cell_weight * self.cell_young))


def covariate_grid(
    params: ModelParameters,
    forms: tuple[str, ...] = REFERENCE_FORMS,
    quadrature: Quadrature = DEFAULT_QUADRATURE,
) -> CovariateGrid:
    """Quadrature nodes of the covariates of the persons kept, of the given forms.

    Depends only on the entry, custody and covariate parameters, not on the hazard.
    """
    cohorts = exit_cohorts(params)
    total = sum(params.exploitation_shares[f] for f in forms)
    cells, nodes = [], []
    for form in forms:
        for year, w_year in zip(cohorts.years, cohorts.weight, strict=True):
            share = params.exploitation_shares[form] / total * w_year
            young, node = _cell_nodes(params, form, int(year), quadrature)
            node["cell"] = np.full(node["age"].size, len(cells))
            cells.append((form, int(year), share, young))
            nodes.append(node)
    node = {k: np.concatenate([n[k] for n in nodes]) for k in nodes[0]}
    form, year, weight, young = (np.array(v) for v in zip(*cells, strict=True))
    return CovariateGrid(
        forms=tuple(forms),
        cohorts=cohorts,
        cell_form=form.astype(object),
        cell_year=year,
        cell_weight=weight,
        cell_young=young,
        node_cell=node["cell"],
        node_young=node["young"],
        node_weight=node["weight"],
        node_age=node["age"],
        node_prior=node["prior_cases"],
        quadrature=quadrature,
    )


def _cell_nodes(
    params: ModelParameters, form: str, year: int, quadrature: Quadrature
) -> tuple[float, dict[str, np.ndarray]]:
    """Age and prior-case nodes of one cell: its share under the age cut, and the nodes."""
    shape, scale = (float(v) for v in params.age_gamma(form, year))
    n = quadrature.n_age
    p = float(stats.gamma.cdf((MONITOR_AGE_CUT_YEARS - params.age_min) / scale, shape))
    # midpoints in v, graded towards the ends where age(u) is not smooth: u = p v^2 below
    # the cut (age - age_min ~ sqrt(u) for shape 2), u = 1 - (1 - p)(1 - v)^2 above it
    v = (np.arange(n) + 0.5) / n
    u = np.concatenate([p * v**2, 1.0 - (1.0 - p) * (1.0 - v) ** 2])
    w_age = np.concatenate([2 * p * v / n, 2 * (1.0 - p) * (1.0 - v) / n])
    age = params.age_min + scale * stats.gamma.ppf(u, shape)
    young = np.arange(2 * n) < n
    k = np.arange(quadrature.max_prior + 1)
    mu = params.prior_mean(age, year)
    size = params.prior_size
    pmf = stats.nbinom.pmf(k[None, :], size, size / (size + mu[:, None]))
    pmf /= pmf.sum(axis=1, keepdims=True)
    weight = w_age[:, None] * pmf
    keep = weight > quadrature.min_weight
    a, j = np.nonzero(keep)
    return p, {"age": age[a], "prior_cases": k[j], "young": young[a], "weight": weight[keep]}


def km_limit(
    params: ModelParameters,
    grid: CovariateGrid,
    horizons: tuple[float, ...],
    shares: tuple[float, ...] = (1.0,),
    censored: bool = True,
) -> dict[str, np.ndarray]:
    """``1 - S_KM(h)`` of the persons of ``grid``: overall and per age group.

    Parameters
    ----------
    params : ModelParameters
        The model (its covariate parameters must be those ``grid`` was made with).
    grid : CovariateGrid
    horizons : tuple of float
        Years (use :func:`horizon_years` for the estimators' day scale).
    shares : tuple of float
        The criteria: the share of counted cases that make a case of the criterion (1 for
        general recidivism, ``category_share[k]`` for category ``k``).
    censored : bool
        False gives the mixture ``1 - E[S(h | X)]``, the value without censoring (for
        comparison: it is not what Kaplan-Meier estimates from the registry).

    Returns
    -------
    dict of ndarray
        By group (:data:`GROUPS`), shape (len(shares), len(horizons)).
    """
    times = _TimeGrid.of(params, grid.cohorts, horizons, grid.quadrature.gauss_nodes)
    lattice = _LogHazardLattice.of(params, grid)
    at_risk = _at_risk(params, grid, times.t) if censored else 1.0
    weighted = grid.cell_weight[:, None] * at_risk  # (cells, times)
    out = {g: np.empty((len(shares), len(horizons))) for g in GROUPS}
    for i, share in enumerate(shares):
        expected_s, expected_f = lattice.expectations(params, times, share)  # (cells, 2, t)
        for group, cols in (("all", [0, 1]), ("<23", [0]), ("23+", [1])):
            surv = np.einsum("ct,ct->t", weighted, expected_s[:, cols].sum(1))
            dens = np.einsum("ct,ct->t", weighted, expected_f[:, cols].sum(1))
            out[group][i] = 1.0 - np.exp(-times.integrate(dens / surv))
    return out


def exit_year_rates(
    params: ModelParameters,
    horizon: float = 2,
    forms: tuple[str, ...] = REFERENCE_FORMS,
    grid: CovariateGrid | None = None,
) -> pd.DataFrame:
    """Recidivism by exit year: as observed, and with the pooled composition (the true trend).

    Parameters
    ----------
    params : ModelParameters
    horizon : float
        Years (on the estimators' day scale, :func:`horizon_years`).
    forms : tuple of str
        The population's exploitation forms.
    grid : CovariateGrid, optional
        Of ``params`` and ``forms``.

    Returns
    -------
    pandas.DataFrame
        ``exit_year``, ``share`` (of the persons kept), ``observed_rate`` (the limit of
        Kaplan-Meier within the exit year: ``1 - E[S(h | X)]`` over the year's own persons)
        and ``adjusted_rate`` (``1 - E[S(h | X, exit year)]`` over the persons of all exit
        years: the direct standardisation of the Recidivemonitor's adjusted recidivism,
        which changes only through the true trend ``log_hazard_trend``). NaN where nobody
        of the exit year can be followed ``horizon`` years.
    """
    grid = grid if grid is not None else covariate_grid(params, forms)
    h = horizon_years(horizon)
    rows = []
    for year in grid.cohorts.years:
        in_year = np.where(grid.cell_year == year, grid.cell_weight, 0.0)
        weights = dataclasses.replace(grid, cell_weight=in_year / in_year.sum())
        followed = grid.cohorts.at_risk(np.array([h]))[grid.cohorts.years == year][0, 0] > 0
        observed = km_limit(params, weights, (h,))["all"][0, 0] if followed else np.nan
        rows.append((int(year), in_year.sum(), observed))
    frame = pd.DataFrame(rows, columns=["exit_year", "share", "observed_rate"])
    # the pooled persons, each with the hazard of the exit year: the trend is a factor of r
    untrended = dataclasses.replace(params, log_hazard_trend=0.0)
    lattice = _LogHazardLattice.of(untrended, grid)
    at_h = _TimeGrid(t=np.array([h]), upto=np.ones((1, 1)), piece=_piece(params, np.array([h])))
    factor = np.exp(params.log_hazard_trend * (frame["exit_year"] - params.exit_year_centre))
    surv = [lattice.expectations(untrended, at_h, f)[0].sum(axis=(1, 2)) for f in factor]
    frame["adjusted_rate"] = 1.0 - np.array(surv) @ grid.cell_weight
    frame.loc[frame["observed_rate"].isna(), "adjusted_rate"] = np.nan
    return frame


def _piece(params: ModelParameters, t: np.ndarray) -> np.ndarray:
    """The piece of the baseline hazard each time lies in."""
    return np.searchsorted(np.asarray(params.baseline_knots), t, side="right") - 1


def _at_risk(params: ModelParameters, grid: CovariateGrid, t: np.ndarray) -> np.ndarray:
    """Per cell: still observed at ``t`` (cut-off and emigration; death is common and cancels)."""
    by_year = grid.cohorts.at_risk(t)
    row = np.searchsorted(grid.cohorts.years, grid.cell_year)
    rate = np.where(
        grid.cell_form == "grensoverschrijdend_seksueel",
        params.emigration_rate_cross_border,
        params.emigration_rate,
    )
    return by_year[row] * np.exp(-rate[:, None] * t[None, :])


@dataclass(frozen=True)
class _TimeGrid:
    """Gauss-Legendre nodes between breakpoints, and the weights that integrate up to each horizon."""

    t: np.ndarray
    upto: np.ndarray  # (horizons, nodes)
    piece: np.ndarray  # the piece of the baseline hazard of each node

    @classmethod
    def of(
        cls, params: ModelParameters, cohorts: ExitCohorts, horizons: tuple[float, ...], n: int
    ) -> _TimeGrid:
        end = max(horizons)
        inner = np.concatenate([params.baseline_knots, horizons, cohorts.kinks()])
        breaks = np.unique(np.concatenate([[0.0, end], inner[(inner > 0) & (inner < end)]]))
        x, w = np.polynomial.legendre.leggauss(n)
        lo, hi = breaks[:-1, None], breaks[1:, None]
        t = (lo + (hi - lo) * (x + 1) / 2).ravel()
        weight = ((hi - lo) * w / 2).ravel()
        upto = np.stack([np.where(np.repeat(hi[:, 0], n) <= h, weight, 0.0) for h in horizons])
        return cls(t=t, upto=upto, piece=_piece(params, t))

    def integrate(self, values: np.ndarray) -> np.ndarray:
        """``integral_0^h values(u) du`` at each horizon."""
        return self.upto @ values


@dataclass(frozen=True)
class _LogHazardLattice:
    """The nodes' ``log r`` (men) spread on a lattice: weights per (cell, age group, point)."""

    log_r: np.ndarray  # lattice points
    weight: np.ndarray  # (cells, 2, points)

    @classmethod
    def of(cls, params: ModelParameters, grid: CovariateGrid) -> _LogHazardLattice:
        # log r of a man: the person's part, plus the form's and the exit year's
        cell = params.log_relative_hazard(AGE_CENTRE_YEARS, 0, 0.0, grid.cell_form, grid.cell_year)
        log_r = params.log_relative_hazard(grid.node_age, grid.node_prior, 0.0)
        log_r = log_r + cell[grid.node_cell]
        step = grid.quadrature.lattice_step
        low = np.floor(log_r.min() / step) * step
        pos = (log_r - low) / step
        left = np.floor(pos).astype(np.int64)
        right_share = pos - left
        n_points = int(left.max()) + 2
        row = (grid.node_cell * 2 + ~grid.node_young) * n_points
        size = 2 * len(grid.cell_weight) * n_points
        weight = np.bincount(row + left, grid.node_weight * (1 - right_share), minlength=size)
        weight += np.bincount(row + left + 1, grid.node_weight * right_share, minlength=size)
        points = low + step * np.arange(n_points)
        return cls(log_r=points, weight=weight.reshape(len(grid.cell_weight), 2, n_points))

    def expectations(
        self, params: ModelParameters, times: _TimeGrid, share: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """``E[S(t | X) 1(cell, group)]`` and ``E[f(t | X) 1(cell, group)]``, (cells, 2, t)."""
        theta = params.frailty_var
        cumhaz = params.baseline_cumhaz(times.t)
        rate = np.asarray(params.baseline_rates, dtype=float)[times.piece]
        weight = self.weight.reshape(-1, self.log_r.size)  # one matrix product, not a stack
        surv = np.zeros((weight.shape[0], times.t.size))
        dens = np.zeros_like(surv)
        for female, p_sex in ((0.0, params.share_male), (1.0, 1.0 - params.share_male)):
            r = share * np.exp(self.log_r + params.beta_female * female)
            base = 1.0 + theta * r[:, None] * cumhaz[None, :]
            surv += p_sex * _product(weight, base ** (-1.0 / theta))
            dens += p_sex * _product(weight, r[:, None] * base ** (-1.0 / theta - 1.0))
        shape = (*self.weight.shape[:2], times.t.size)
        return surv.reshape(shape), (dens * rate).reshape(shape)


def share_under_cut(params: ModelParameters, forms: tuple[str, ...] = REFERENCE_FORMS) -> float:
    """Share under 23 at the index offence among the persons kept of the given forms."""
    cohorts = exit_cohorts(params)
    total = sum(params.exploitation_shares[f] for f in forms)
    out = 0.0
    for form in forms:
        shape, scale = params.age_gamma(form, cohorts.years)
        young = stats.gamma.cdf((MONITOR_AGE_CUT_YEARS - params.age_min) / scale, shape)
        out += params.exploitation_shares[form] / total * float(np.sum(cohorts.weight * young))
    return out


def recidivist_share_under_cut(p: float, f_young: float, f_old: float) -> float:
    """Share under 23 among recidivists within 7 years, corrected for unequal follow-up.

    ``p * F<23(7) / (p * F<23(7) + (1 - p) * F23+(7))``, as :func:`recidive.age_profile`.
    """
    return p * f_young / (p * f_young + (1.0 - p) * f_old)


def population_values(
    params: ModelParameters,
    forms: tuple[str, ...] = REFERENCE_FORMS,
    grid: CovariateGrid | None = None,
) -> dict[str, float]:
    """The model's value of every published figure (:data:`TARGET_NAMES`) for some forms.

    The limits of the pipeline's estimates (``build_cohort`` with the population of these
    forms, ``recidivism_rates``, ``age_profile``): Kaplan-Meier limits under the registry's
    own censoring. By default for the seed's population, domestic sexual exploitation.
    """
    grid = grid if grid is not None else covariate_grid(params, forms)
    horizons = sorted({*GENERAL_HORIZONS_YEARS, RECIDIVIST_HORIZON_YEARS})
    general = km_limit(params, grid, tuple(horizon_years(h) for h in horizons))
    out = {
        f"general_{h}y": float(general["all"][0, horizons.index(h)]) for h in GENERAL_HORIZONS_YEARS
    }
    shares = tuple(params.category_share[c] for c in PUBLISHED_CATEGORIES)
    by_category = km_limit(params, grid, (horizon_years(CATEGORY_HORIZON_YEARS),), shares)
    for i, cat in enumerate(PUBLISHED_CATEGORIES):
        out[f"{cat}_{CATEGORY_HORIZON_YEARS}y"] = float(by_category["all"][i, 0])
    p = grid.share_young()
    late = horizons.index(RECIDIVIST_HORIZON_YEARS)
    f_young, f_old = general["<23"][0, late], general["23+"][0, late]
    out["share_under_23"] = p
    out["share_recidivists_under_23"] = recidivist_share_under_cut(p, f_young, f_old)
    return out


def _product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` in numpy's own loop: a threaded BLAS is many times slower on a busy machine."""
    return np.einsum("ij,jk->ik", a, b, optimize=False)
