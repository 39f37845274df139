"""The qualifiers of the section: verdicts on the (suppressed) numbers, no text yet.

The four qualifiers of the monitor's summary each follow a documented rule that
compares the estimates with a benchmark or with the cohort itself
(:class:`QualifierRules`, all thresholds configurable):

``high``
    The lower CI bound of the rate at the benchmark horizon (2 years) lies above the
    benchmark rate, **or** the rate at ``high_horizon`` (7 years) is at least
    ``high_rate`` (default 50%).
``fast``
    At least ``fast_share`` (default 50%) of the recidivism at ``high_horizon`` has
    happened by the benchmark horizon (rate(2) / rate(7)), **and** the rate at the
    benchmark horizon exceeds the benchmark.
``serious``
    The lower CI bound of serious recidivism (``serious_criterion``: a new crime with a
    statutory maximum of at least 4 years, the Recidivemonitor's *ernstige recidive*) at
    the benchmark horizon (2 years) lies above ``serious_rate``, by default the
    benchmark's *general* rate (26%). The benchmark publishes no serious rate of its own
    here, but its serious recidivism is part of its general recidivism and so at most
    26%: a group whose serious recidivism clearly exceeds 26% commits serious crimes more
    often than the benchmark group commits any crime, and certainly more often than it
    commits serious ones. (The earlier rule, violence or trafficking at least 10% in 5
    years, held for almost any group.)
``young``
    The share under 23 among those who reoffend within ``high_horizon`` (KM-corrected for
    unequal observation periods) exceeds the share under 23 among all offenders by more
    than ``young_margin`` (default 0).

A qualifier whose numbers are suppressed or not estimable is ``None`` (not
evaluated) and its sentence says the number cannot be reported. When a qualifier
does not hold, its sentence states the number neutrally against its comparison.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from recidive.report.formatting import horizon_key


@dataclass(frozen=True)
class Benchmark:
    """The comparison rate of the section: recidivism of all adult offenders.

    Parameters
    ----------
    rate : float
        Recidivism rate of the comparison population at ``horizon_years``.
    horizon_years : float
        Horizon of ``rate``.
    label_nl, label_en : str
        How the text names the comparison population.
    source : str
        Where the rate comes from.

    Examples
    --------
    >>> Benchmark(0.26).label("en")
    'all adult offenders'
    """

    rate: float = 0.26
    horizon_years: float = 2
    label_nl: str = "alle volwassen daders"
    label_en: str = "all adult offenders"
    source: str = "WODC Recidivemonitor"

    def label(self, lang: str) -> str:
        """The population label in ``lang``."""
        return self.label_nl if lang == "nl" else self.label_en


#: The default comparison: all adult offenders, 26% within 2 years (WODC Recidivemonitor).
WODC_BENCHMARK = Benchmark()


@dataclass(frozen=True)
class QualifierRules:
    """Thresholds of the qualifiers ``high``, ``fast``, ``serious`` and ``young``.

    See the module docstring for the rules. Defaults reproduce the monitor's
    judgement on its published figures (65% in 7 years is high, 36 of 65 points
    within 2 years is fast, 42% of recidivists under 23 against 33% of offenders is
    young); serious recidivism above the benchmark's general rate is serious.

    Examples
    --------
    >>> QualifierRules(high_rate=0.6).high_rate
    0.6
    """

    high_horizon: float = 7
    mid_horizon: float = 5
    high_rate: float = 0.50
    fast_share: float = 0.50
    serious_horizon: float = 5
    serious_criterion: str = "serious"
    serious_rate: float | None = None
    young_margin: float = 0.0
    listed_criteria: tuple[str, ...] = ("property", "violence", "drugs", "human_trafficking")
    headline_qualifiers: tuple[str, ...] = ("high", "fast", "serious")
    age_cut: int = 23

    def to_dict(self) -> dict:
        """The rules as plain data."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def cell_rate(cell: dict | None) -> float | None:
    """The rate of a numbers cell, ``None`` when it is suppressed or not estimable."""
    if not cell or cell.get("rate") is None:
        return None
    return float(cell["rate"])


@dataclass(frozen=True)
class Qualifier:
    """The verdict of one qualifier: whether it holds and on which numbers."""

    name: str
    holds: bool | None
    rule: str
    values: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Plain data for JSON."""
        return {"name": self.name, "holds": self.holds, "rule": self.rule, "values": self.values}


def evaluate_qualifiers(
    numbers: dict, benchmark: Benchmark, rules: QualifierRules
) -> dict[str, Qualifier]:
    """Decide which qualifiers hold, from the key numbers.

    Parameters
    ----------
    numbers : dict
        ``general`` (horizon label -> cell), ``serious`` (``"criterion|horizon"`` ->
        cell), ``age`` (``share_under_cut_offenders``,
        ``share_under_cut_recidivists``); a cell is a dict with ``rate``,
        ``ci_lower``, ``ci_upper`` (``None`` if suppressed or not estimable).
    benchmark : Benchmark
    rules : QualifierRules

    Returns
    -------
    dict of str to Qualifier

    Examples
    --------
    >>> numbers = {"general": {"2": {"rate": 0.36, "ci_lower": 0.33, "ci_upper": 0.39},
    ...                        "7": {"rate": 0.65, "ci_lower": 0.6, "ci_upper": 0.7}},
    ...            "serious": {"serious|2": {"rate": 0.3, "ci_lower": 0.28}}, "age": {}}
    >>> q = evaluate_qualifiers(numbers, Benchmark(), QualifierRules())
    >>> q["high"].holds, q["fast"].holds, q["serious"].holds, q["young"].holds
    (True, True, True, None)
    """
    general = numbers.get("general", {})
    bench_cell = general.get(horizon_key(benchmark.horizon_years))
    high_cell = general.get(horizon_key(rules.high_horizon))
    r_b, r_h = cell_rate(bench_cell), cell_rate(high_cell)
    lower_b = None if bench_cell is None else bench_cell.get("ci_lower")

    if r_b is None and r_h is None:
        high = None
    else:
        high = bool(
            (lower_b is not None and lower_b > benchmark.rate)
            or (r_h is not None and r_h >= rules.high_rate)
        )
    if r_b is None or r_h is None or r_h <= 0:
        fast = None if (r_b is None or r_h is None) else False
    else:
        fast = bool(r_b / r_h >= rules.fast_share and r_b > benchmark.rate)

    serious_cell = numbers.get("serious", {}).get(
        f"{rules.serious_criterion}|{horizon_key(benchmark.horizon_years)}"
    )
    serious_lower = None if not serious_cell else serious_cell.get("ci_lower")
    serious_threshold = benchmark.rate if rules.serious_rate is None else rules.serious_rate
    serious = None if serious_lower is None else bool(serious_lower > serious_threshold)

    age = numbers.get("age", {})
    s_off = age.get("share_under_cut_offenders", {}).get("value")
    s_rec = age.get("share_under_cut_recidivists", {}).get("value")
    young = None if s_off is None or s_rec is None else bool(s_rec > s_off + rules.young_margin)

    hb, hh = horizon_key(benchmark.horizon_years), horizon_key(rules.high_horizon)
    return {
        "high": Qualifier(
            "high",
            high,
            f"ci_lower(rate {hb}y) > benchmark {benchmark.rate:g} "
            f"or rate {hh}y >= {rules.high_rate:g}",
            {
                "rate_benchmark_horizon": r_b,
                "ci_lower_benchmark_horizon": lower_b,
                "rate_high_horizon": r_h,
                "benchmark": benchmark.rate,
            },
        ),
        "fast": Qualifier(
            "fast",
            fast,
            f"rate {hb}y / rate {hh}y >= {rules.fast_share:g} and rate {hb}y > benchmark",
            {
                "share_within_benchmark_horizon": None if not (r_b and r_h) else r_b / r_h,
                "rate_benchmark_horizon": r_b,
                "benchmark": benchmark.rate,
            },
        ),
        "serious": Qualifier(
            "serious",
            serious,
            f"ci_lower(rate {hb}y of {rules.serious_criterion}) > {serious_threshold:g}",
            {
                "rate": cell_rate(serious_cell),
                "ci_lower": serious_lower,
                "threshold": serious_threshold,
            },
        ),
        "young": Qualifier(
            "young",
            young,
            f"share under {rules.age_cut} among recidivists > share among offenders "
            f"+ {rules.young_margin:g}",
            {"share_recidivists": s_rec, "share_offenders": s_off},
        ),
    }
