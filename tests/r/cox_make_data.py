"""Write the seeded test data sets of the Cox tests (run from the repository root).

    python3 tests/r/cox_make_data.py

``tests/data/cox_cohort.csv``: 1500 persons, integer days (follow-up up to two
years, so many tied days), a binary, a count, two categorical covariates and a
region used as stratum. ``tests/data/cox_collapsed.csv``: a cohort measured in
months with only categorical covariates, collapsed to covariate patterns with
a frequency column ``n`` (R expands it with ``rep``).
"""

import numpy as np
import pandas as pd

rng = np.random.default_rng(20240611)
n = 1500
young = rng.integers(0, 2, n)
prior = rng.poisson(1.5, n)
sex = rng.choice(["M", "F"], n, p=[0.7, 0.3])
form = rng.choice(["arbeid", "binnenlands", "crimineel", "grensoverschrijdend"], n)
region = rng.choice(["noord", "midden", "zuid"], n)
lp = 0.5 * young + 0.15 * prior - 0.3 * (sex == "F") + 0.4 * (form == "crimineel")
lp += np.where(form == "arbeid", -0.3, 0.0)
base = np.where(region == "zuid", 1 / 500, 1 / 900)
t_event = rng.exponential(1 / (base * np.exp(lp)))
t_cens = np.minimum(rng.uniform(100, 1100, n), 730)
days = np.ceil(np.minimum(t_event, t_cens)).astype(int)
event = (t_event <= t_cens).astype(int)
pd.DataFrame(
    {
        "days": days,
        "event": event,
        "young": young,
        "prior": prior,
        "sex": sex,
        "form": form,
        "region": region,
    }
).to_csv("tests/data/cox_cohort.csv", index=False)

m = 3000
g = rng.choice(["a", "b", "c"], m)
young = rng.integers(0, 2, m)
lp = 0.6 * young + np.select([g == "b", g == "c"], [0.4, -0.5], 0.0)
t_event = rng.exponential(20 / np.exp(lp))
months = np.ceil(np.minimum(t_event, 24)).astype(int)
event = (t_event <= 24).astype(int)
long = pd.DataFrame({"months": months, "event": event, "young": young, "group": g})
collapsed = long.groupby(list(long.columns)).size().rename("n").reset_index()
collapsed.to_csv("tests/data/cox_collapsed.csv", index=False)
print(len(collapsed), "patterns from", m, "rows")
