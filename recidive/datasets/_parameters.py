"""The calibrated parameters of the reference registry's generative model.

Derived by ``python -m recidive.datasets._calibration`` (the function
:func:`recidive.datasets._calibration.calibrate` with the published targets of
``data/dadermonitor_2017_2021.json`` and the default fixed parameters of
:class:`recidive.datasets._model.ModelParameters`); ``tests/datasets`` re-runs the
calibration and checks that it reproduces these values. Rerun the command and paste its
output here when the model or its fixed parameters change.

Population values of the model with these parameters for its offenders of domestic sexual
exploitation (the limits of the pipeline's estimates, by quadrature, no simulation):
general recidivism 0.36 / 0.58 / 0.65 at 2 / 5 / 7 years; at 5 years property 0.28,
violence 0.25, drugs 0.12, human trafficking 0.09; share under 23 at the index offence
0.333; share under 23 among recidivists within 7 years (corrected for follow-up) 0.42.
"""

from __future__ import annotations

import dataclasses

from recidive.datasets._model import ModelParameters

#: Scale (years) of the gamma part of age at the index offence of domestic sexual
#: exploitation in the centre exit year: 0.333 of the persons kept are under 23.
AGE_SCALE = 5.932476931560138

#: Baseline rates per year of counted reoffences on 0-2, 2-5 and 5+ years after the start
#: (for a man aged 30 with no prior cases, domestic sexual exploitation, the centre exit year
#: and frailty 1).
BASELINE_RATES = (0.13990798978414778, 0.13153299451516495, 0.11302289360948913)

#: Log hazard ratio per 10 years of age at the index offence (HR 0.37 per decade older).
BETA_AGE = -0.9863393881853729

#: Probability that a counted case holds an offence of each category (the first four are
#: calibrated to the 5-year figures, the others fixed); they sum to more than one because a
#: case can hold several categories.
CATEGORY_SHARE = {
    "property": 0.28927738941368797,
    "violence": 0.24822073329833416,
    "drugs": 0.10183603233417929,
    "human_trafficking": 0.07388235386203686,
    "sexual": 0.05,
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


def constant_recidivism_parameters(
    params: ModelParameters = REFERENCE_PARAMETERS,
) -> ModelParameters:
    """The model without a true change of recidivism over exit years, its age mix still shifting.

    ``log_hazard_trend`` and ``prior_trend`` are set to zero; ``age_scale_trend`` is kept, so
    later exit cohorts are younger and their observed recidivism is higher, while the
    recidivism of persons with the same covariates is the same in every exit year. The
    synthetic check of adjusted recidivism: observed rates by exit year trend, adjusted
    ones are flat (``recidive.datasets._population.exit_year_rates`` gives both). Not
    recalibrated: its figures are close to, not equal to, the published ones.

    Examples
    --------
    >>> from recidive.datasets import constant_recidivism_parameters, simulate_registry
    >>> params = constant_recidivism_parameters()
    >>> params.log_hazard_trend, params.age_scale_trend < 0
    (0.0, True)
    >>> tables = simulate_registry(500, seed=1, params=params)
    """
    return dataclasses.replace(params, log_hazard_trend=0.0, prior_trend=0.0)
