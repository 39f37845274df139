"""Dask DataFrames and Parquet datasets give the same numbers as the data in memory.

The estimators reduce each partition to a risk table and sum the tables; these tests run
that on a real ``distributed`` cluster (two worker processes, one thread each, a memory
limit per worker below the size of the largest data set here) and compare with the
in-memory results to 1e-12.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from dask_cluster import local_client

from recidive.errors import ArgumentError
from recidive.estimation.competing_risks import cumulative_incidence, cumulative_incidence_by
from recidive.estimation.horizon_rates import survival_rates
from recidive.estimation.kaplan_meier import kaplan_meier, kaplan_meier_by

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

# these tests compare the numbers of Dask and memory, horizons past a stratum's follow-up
# included; the warning about those is tested in test_np_results.py
pytestmark = pytest.mark.filterwarnings("ignore::recidive.errors.InsufficientFollowUpWarning")


WORKER_MEMORY = 400e6  # bytes per worker; the out-of-core test uses more data than this
AGE = ["<18", "18-22", "23-29", "30-39", "40+"]
FORM = ["binnenlands_seksueel", "grensoverschrijdend_seksueel", "arbeid", "crimineel"]
TOL = {"rtol": 1e-12, "atol": 1e-12}


@pytest.fixture(scope="session")
def client():
    with local_client(memory_limit=WORKER_MEMORY) as c:
        yield c


def survival_frame(n: int, seed: int) -> pd.DataFrame:
    """Registry-shaped survival frame: integer days, 0/1 event, a competing cause, strata."""
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 2558, n)
    cause = rng.choice([0, 1, 2], n, p=[0.6, 0.3, 0.1]).astype(np.int8)
    return pd.DataFrame(
        {
            "days": days,
            "event": (cause == 1).astype(np.int8),
            "cause": cause,
            "age_band": pd.Categorical.from_codes(rng.integers(0, 5, n).astype(np.int8), AGE),
            "exploitation_form": pd.Categorical.from_codes(
                rng.integers(0, 4, n).astype(np.int8), FORM
            ),
            "sex": rng.choice(np.array(["F", "M"], dtype=object), n),
            "weight": rng.integers(1, 4, n).astype(float),
        }
    )


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return survival_frame(60_000, seed=7)


def rates(data, **kwargs) -> pd.DataFrame:
    return survival_rates(
        data, "days", "event", by=["age_band", "exploitation_form", "sex"], **kwargs
    ).to_frame()


def assert_same_rates(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert len(expected) == 3 * (1 + 5 * 4 * 2)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, **TOL)


def test_rates_from_a_dask_frame_equal_in_memory(client, frame):
    ddf = dd.from_pandas(frame, npartitions=7)
    assert_same_rates(rates(ddf), rates(frame))
    assert_same_rates(rates(ddf, weights="weight"), rates(frame, weights="weight"))


def test_rates_from_a_parquet_directory_equal_in_memory(client, frame, tmp_path):
    dd.from_pandas(frame, npartitions=5).to_parquet(tmp_path / "cohort", write_index=False)
    assert_same_rates(rates(tmp_path / "cohort"), rates(frame))
    assert_same_rates(
        rates(str(tmp_path / "cohort"), conf_type="log"), rates(frame, conf_type="log")
    )


def test_rates_within_criterion_equal_in_memory(client, frame):
    long = pd.concat(
        [frame.assign(criterion=c) for c in ("general", "property")], ignore_index=True
    ).astype({"criterion": "category"})
    kwargs = {"by": ["age_band"], "within": ["criterion"], "horizons": (1, 2, 5, 7, 8)}
    got = survival_rates(dd.from_pandas(long, npartitions=4), "days", "event", **kwargs)
    expected = survival_rates(long, "days", "event", **kwargs)
    pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame(), check_exact=False, **TOL)
    assert got.metadata == expected.metadata


def test_levels_are_the_union_over_partitions(client, tmp_path):
    """Files whose categoricals hold different categories: codes must still agree."""
    parts = []
    for i, (ages, seed) in enumerate(((["23-29", "<18"], 1), (["40+"], 2), (["<18", "40+"], 3))):
        part = survival_frame(3000, seed)
        part["age_band"] = pd.Categorical(np.resize(ages, 3000), categories=ages)
        part.to_parquet(tmp_path / f"part.{i}.parquet", index=False)
        parts.append(part)
    whole = pd.concat(parts, ignore_index=True)
    # Dask reads unknown categories; the union keeps the order of first appearance
    whole["age_band"] = pd.Categorical(whole["age_band"].astype(str), ["23-29", "<18", "40+"])
    got = survival_rates(tmp_path, "days", "event", by=["age_band", "sex"]).to_frame()
    expected = survival_rates(whole, "days", "event", by=["age_band", "sex"]).to_frame()
    pd.testing.assert_frame_equal(got, expected, check_exact=False, **TOL)


def test_kaplan_meier_and_incidence_by_strata_equal_in_memory(client, frame, tmp_path):
    ddf = dd.from_pandas(frame, npartitions=6)
    by = ["exploitation_form", "sex"]
    km = kaplan_meier_by(ddf, "days", "event", by=by, conf_type="log")
    assert list(km) == list(kaplan_meier_by(frame, "days", "event", by=by, conf_type="log"))
    assert len(km) == 8
    for (form, sex), result in km.items():
        rows = frame[(frame.exploitation_form == form) & (frame.sex == sex)]
        expected = kaplan_meier(rows.days, rows.event, conf_type="log")
        pd.testing.assert_frame_equal(result.to_frame(), expected.to_frame(), **TOL)
        assert result.n == expected.n

    dd.from_pandas(frame, npartitions=3).to_parquet(tmp_path / "cif", write_index=False)
    cif = cumulative_incidence_by(
        tmp_path / "cif", "days", "cause", by=["age_band"], weights="weight"
    )
    assert list(cif) == AGE
    for age, result in cif.items():
        rows = frame[frame.age_band == age]
        expected = cumulative_incidence(rows.days, rows.cause, weights=rows.weight)
        pd.testing.assert_frame_equal(result.to_frame(), expected.to_frame(), **TOL)
        assert (result.n_events, result.n_competing) == (expected.n_events, expected.n_competing)


def test_data_larger_than_a_worker_memory_limit(client, tmp_path):
    """440 MB in memory (40 files of 1e6 rows), 400 MB per worker: reduced without failure."""
    rng = np.random.default_rng(2022)
    parts = []
    for i in range(40):
        n = 1_000_000
        part = pd.DataFrame(
            {
                "days": rng.integers(0, 2558, n),
                "event": (rng.random(n) < 0.3).astype(np.int8),
                "age_band": pd.Categorical.from_codes(rng.integers(0, 5, n).astype(np.int8), AGE),
                "sex": pd.Categorical.from_codes(rng.integers(0, 2, n).astype(np.int8), ["F", "M"]),
            }
        )
        part.to_parquet(tmp_path / f"part.{i:03d}.parquet", index=False)
        parts.append(part)
    whole = pd.concat(parts, ignore_index=True)
    assert whole.memory_usage(deep=True).sum() > WORKER_MEMORY
    workers = set(client.scheduler_info()["workers"])
    got = survival_rates(tmp_path, "days", "event", by=["age_band", "sex"]).to_frame()
    assert set(client.scheduler_info()["workers"]) == workers  # no worker was killed
    expected = survival_rates(whole, "days", "event", by=["age_band", "sex"]).to_frame()
    pd.testing.assert_frame_equal(got, expected, check_exact=False, **TOL)
    assert got["n"].iloc[0] == 40_000_000


def test_bad_input_is_reported_as_in_memory(client, frame, tmp_path):
    bad = frame.copy()
    bad.loc[50_000, "event"] = 2
    with pytest.raises(ArgumentError, match=r"event must be 0 \(censored\) or 1 \(event\)") as err:
        rates(dd.from_pandas(bad, npartitions=4))
    # 60,000 rows in 4 partitions: row 50,000 is row 5,000 of the last one
    assert "1 rows have other values (rows 5000: [2])" in str(err.value)
    assert "[in partition 3 of the Dask data; counts and row numbers are" in str(err.value)
    with pytest.raises(ArgumentError, match="survival_rates column 'age' not in the frame"):
        survival_rates(dd.from_pandas(frame, npartitions=2), "days", "event", by=["age"])
    with pytest.raises(ArgumentError, match="pass weights as a column name"):
        rates(dd.from_pandas(frame, npartitions=2), weights=np.ones(len(frame)))
    with pytest.raises(ArgumentError, match="Parquet path .* does not exist"):
        rates(tmp_path / "missing")


def test_import_without_dask_and_a_clear_error():
    code = textwrap.dedent(
        """
        import sys
        sys.modules["dask"] = None  # as if dask were not installed
        import recidive as rc
        import pandas as pd
        df = pd.DataFrame({"days": [1, 2, 3], "event": [1, 0, 1]})
        assert rc.survival_rates(df, "days", "event").to_frame().shape[0] == 3
        try:
            rc.survival_rates("cohort.parquet", "days", "event")
        except ImportError as err:
            print(err)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'recidive[dask]'" in out.stdout
