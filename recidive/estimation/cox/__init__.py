"""Cox proportional hazards (Efron/Breslow ties, strata, frequency weights,
robust variance), the proportional-hazards test and standardised survival."""

from recidive.estimation.cox.model import CoxModel, fit_cox
from recidive.estimation.cox.prediction import predict_survival, standardized_survival
from recidive.estimation.cox.results import CoxResults, TestResult
from recidive.estimation.cox.zph import ZphResult, cox_zph

__all__ = [
    "CoxModel",
    "CoxResults",
    "TestResult",
    "ZphResult",
    "cox_zph",
    "fit_cox",
    "predict_survival",
    "standardized_survival",
]
