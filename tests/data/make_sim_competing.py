"""Write ``sim_competing.csv``: a seeded competing-risks data set for the R comparisons.

1,500 persons in three groups and two sexes, integer days (many ties),
reoffence (cause 1) vs death (cause 2), administrative censoring at 2,000 to
3,000 days and random drop-out; an integer frequency weight 1-3.

    python tests/data/make_sim_competing.py
"""

from pathlib import Path

import numpy as np
import pandas as pd


def main(n: int = 1500, seed: int = 20240611) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(np.array(["a", "b", "c"]), size=n, p=[0.4, 0.35, 0.25])
    sex = rng.choice(np.array(["F", "M"]), size=n, p=[0.3, 0.7])
    scale = {"a": 1500.0, "b": 2500.0, "c": 4000.0}
    t1 = rng.weibull(0.8, n) * np.array([scale[g] for g in group])
    t2 = rng.exponential(12000.0, n)
    cens = np.minimum(rng.integers(2000, 3001, n), rng.exponential(6000.0, n))
    days = np.floor(np.minimum(np.minimum(t1, t2), cens) / 7).astype(int) * 7
    cause = np.where(cens <= np.minimum(t1, t2), 0, np.where(t1 <= t2, 1, 2))
    return pd.DataFrame(
        {
            "days": days,
            "cause": cause,
            "event": (cause == 1).astype(int),
            "group": group,
            "sex": sex,
            "weight": rng.integers(1, 4, n),
        }
    )


if __name__ == "__main__":
    main().to_csv(Path(__file__).with_name("sim_competing.csv"), index=False)
