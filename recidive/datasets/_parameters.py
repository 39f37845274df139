"""The calibrated parameters of the reference registry's generative model.

Derived on 2026-11-28 by ``python -m recidive.datasets._calibration`` (the function
:func:`recidive.datasets._calibration.calibrate` with the published targets of
``data/dadermonitor_2017_2021.json`` and the default fixed parameters of
:class:`recidive.datasets._model.ModelParameters`); ``tests/datasets`` re-runs the
calibration and checks that it reproduces these values. Rerun the command and paste its
output here when the model or its fixed parameters change.

Population values of the model with these parameters (closed form, no simulation):
general recidivism 0.36 / 0.58 / 0.65 at 2 / 5 / 7 years; at 5 years property 0.28,
violence 0.25, drugs 0.12, human trafficking 0.09; share under 23 at the index offence
0.333; share under 23 among recidivists within 7 years (corrected for follow-up) 0.42.
"""

from __future__ import annotations

from recidive.datasets._model import ModelParameters

#: Scale (years) of the gamma part of age at the index offence: P(age < 23) = 0.333.
AGE_SCALE = 5.892684188641118

#: Baseline rates per year of counted reoffences on 0-2, 2-5 and 5+ years after the start
#: (for a man aged 30 with no prior cases and frailty 1).
BASELINE_RATES = (0.1378007771146034, 0.12816369072702846, 0.10743697137298612)

#: Log hazard ratio per 10 years of age at the index offence (HR 0.37 per decade older).
BETA_AGE = -1.0014608440739243

#: Probability that a counted case holds an offence of each category (the first four are
#: calibrated to the 5-year figures, the others fixed); they sum to more than one because a
#: case can hold several categories.
CATEGORY_SHARE = {
    "property": 0.28973177021735863,
    "violence": 0.248644098300244,
    "sexual": 0.05,
    "drugs": 0.10206722952533848,
    "human_trafficking": 0.0740594746248205,
    "public_order": 0.15,
    "traffic": 0.08,
    "weapons": 0.1,
    "other": 0.15,
}

#: The reference model: calibrated constants plus the default fixed parameters.
REFERENCE_PARAMETERS = ModelParameters(
    age_scale=AGE_SCALE,
    baseline_rates=BASELINE_RATES,
    beta_age=BETA_AGE,
    category_share=CATEGORY_SHARE,
)
