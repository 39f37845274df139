"""recidive: recidivism research with survival analysis.

Turn pseudonymised judicial records into a cohort with explicit rules, estimate
recidivism with Kaplan-Meier, competing risks and Cox models, and write the
recidivism section of the *Dadermonitor mensenhandel*.

>>> import recidive as rc
>>> reg = rc.datasets.reference_registry(n_persons=2000, seed=1)
>>> cohort = rc.build_cohort(reg)
>>> rates = rc.recidivism_rates(cohort, criteria=["general"], horizons=(2, 5, 7))
"""

# the Dask wing registers its implementations with recidive._engines (it imports no Dask)
from recidive import dask as _dask_wing  # noqa: F401
from recidive import datasets, report
from recidive._version import __version__
from recidive.cohort import Cohort, build_cohort
from recidive.cohort_rates import age_profile, recidivism_rates
from recidive.episodes import split_episodes
from recidive.errors import (
    AliasedCovariateWarning,
    ArgumentError,
    ConvergenceWarning,
    CutoffWarning,
    DisclosureError,
    EpisodesWarning,
    InsufficientFollowUpWarning,
    PopulationWarning,
    RecidiveError,
    SmallCellWarning,
    ValidationError,
)
from recidive.estimation.adjusted_rates import AdjustedRates, adjusted_rates
from recidive.estimation.competing_risks import (
    CIFResult,
    cumulative_incidence,
    cumulative_incidence_by,
    gray_test,
)
from recidive.estimation.cox import CoxModel
from recidive.estimation.horizon_rates import RateTable, survival_rates
from recidive.estimation.kaplan_meier import KaplanMeier, KMResult, kaplan_meier, kaplan_meier_by
from recidive.estimation.logrank import LogRankResult, logrank_test
from recidive.estimation.mcf_equality import MCFTestResult, mcf_equality_test
from recidive.estimation.mean_cumulative import (
    MCFResult,
    mean_cumulative_function,
    mean_cumulative_function_by,
)
from recidive.estimation.risk_table import RiskTable, risk_table
from recidive.frequency import FrequencyTable, reoffending_frequency
from recidive.registry import Registry
from recidive.rules import CohortRules
from recidive.trends import recidivism_trends

__all__ = [
    "AdjustedRates",
    "AliasedCovariateWarning",
    "ArgumentError",
    "CIFResult",
    "Cohort",
    "CohortRules",
    "ConvergenceWarning",
    "CoxModel",
    "CutoffWarning",
    "DisclosureError",
    "FrequencyTable",
    "EpisodesWarning",
    "InsufficientFollowUpWarning",
    "KMResult",
    "KaplanMeier",
    "LogRankResult",
    "MCFResult",
    "MCFTestResult",
    "PopulationWarning",
    "RateTable",
    "RecidiveError",
    "Registry",
    "RiskTable",
    "SmallCellWarning",
    "ValidationError",
    "__version__",
    "adjusted_rates",
    "age_profile",
    "build_cohort",
    "cumulative_incidence",
    "cumulative_incidence_by",
    "datasets",
    "gray_test",
    "kaplan_meier",
    "kaplan_meier_by",
    "logrank_test",
    "mcf_equality_test",
    "mean_cumulative_function",
    "mean_cumulative_function_by",
    "recidivism_rates",
    "recidivism_trends",
    "reoffending_frequency",
    "report",
    "risk_table",
    "split_episodes",
    "survival_rates",
]
