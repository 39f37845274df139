"""The data cut-off: given with the data (argument, --cutoff or extract.json), never guessed.

Includes the test that the bias of the old inferred cut-off is gone: on a simulated
registry whose disposal dates run past the true cut-off, the true cut-off gives the true
rates, no cut-off is refused, and the latest date (what recidive used to take) lowers them.
"""

from __future__ import annotations

import doctest
import importlib
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from registry_builders import CUTOFF, cases_frame, make_registry, persons_frame

import recidive as rc
from recidive.cli import main
from recidive.cohort import build_cohort
from recidive.cohort_rates import recidivism_rates
from recidive.cutoff import (
    EXTRACT_FILE,
    LATE_MARGIN_DAYS,
    LATE_MIN_PERSONS,
    read_extract,
    write_extract,
)
from recidive.datasets import simulate_registry, write_registry
from recidive.errors import ArgumentError, CutoffWarning, ValidationError
from recidive.registry import Registry
from recidive.rules import CohortRules

MISSING = (
    "the data cut-off is missing: pass cutoff_date='YYYY-MM-DD' (the date up to which the "
    "extract records every offence; recidive does not guess it from the latest date in the data)"
)


def _excluded(cohort, table: str, step: str) -> int:
    rows = cohort.attrition[(cohort.attrition["table"] == table)]
    return int(rows.loc[rows["step"] == step, "n_excluded"].sum())


# -- required, never guessed -------------------------------------------------------------


def test_a_registry_without_cut_off_is_refused(good_tables, tmp_path):
    with pytest.raises(ArgumentError) as info:
        Registry(**good_tables)
    assert str(info.value) == MISSING
    good_tables["persons"].to_csv(tmp_path / "persons.csv", index=False)
    good_tables["cases"].to_csv(tmp_path / "cases.csv", index=False)
    with pytest.raises(ArgumentError, match="or put an extract.json beside the persons file"):
        Registry.from_files(tmp_path / "persons.csv", tmp_path / "cases.csv")


def test_the_cut_off_is_checked_before_the_files_are_read(tmp_path):
    # a missing file would be a ValidationError; the missing cut-off comes first
    with pytest.raises(ArgumentError, match="the data cut-off is missing"):
        Registry.from_files(tmp_path / "nope.csv", tmp_path / "nope.csv")


def test_cohort_rules_without_cut_off_use_the_registrys():
    reg = make_registry([{}], [{"offence_date": "2016-01-01"}], cutoff="2019-06-30")
    assert CohortRules().cutoff_date is None
    assert build_cohort(reg).cutoff_date == pd.Timestamp("2019-06-30")


def test_registry_latest_date_is_never_the_cut_off():
    reg = make_registry([{}], [{"offence_date": "2016-01-01"}], cutoff="2019-06-30")
    assert reg.latest_date == pd.Timestamp("2016-01-31")
    assert reg.cutoff_date == pd.Timestamp("2019-06-30")


# -- the sidecar file ----------------------------------------------------------------------


@pytest.fixture
def simulated(tmp_path):
    registry = simulate_registry(200, seed=3, as_registry=True)
    paths = write_registry(registry, tmp_path / "extract")
    return registry, {p.stem: p for p in paths if p.suffix == ".csv"}


def test_simulated_files_carry_their_cut_off(simulated):
    registry, paths = simulated
    sidecar = paths["persons"].parent / EXTRACT_FILE
    data = json.loads(sidecar.read_text())
    assert data["cutoff_date"] == "2022-06-30"
    back = Registry.from_files(**paths)
    assert back.cutoff_date == registry.cutoff_date == pd.Timestamp("2022-06-30")
    assert back.fingerprint == registry.fingerprint


def test_an_earlier_cut_off_than_the_sidecars_is_taken_a_later_one_refused(simulated):
    _, paths = simulated
    assert Registry.from_files(**paths, cutoff_date="2022-01-31").cutoff_date == pd.Timestamp(
        "2022-01-31"
    )
    with pytest.raises(ArgumentError) as info:
        Registry.from_files(**paths, cutoff_date="2022-12-31")
    assert str(info.value).startswith("cutoff_date 2022-12-31 is after the cut-off 2022-06-30 in '")
    assert str(info.value).endswith(
        "extract.json': the extract is not complete up to it; give a date on or before the "
        "extract's"
    )


def test_the_sidecar_of_a_parquet_extract(tmp_path):
    registry = simulate_registry(100, seed=4, as_registry=True)
    paths = write_registry(registry, tmp_path, format="parquet")
    tables = {p.stem: p for p in paths if p.suffix == ".parquet"}
    assert Registry.from_files(**tables).cutoff_date == registry.cutoff_date


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not readable JSON ("),
        ('["2022-06-30"]', "has no cutoff_date"),
        ('{"extracted": "2022-07-01"}', "has no cutoff_date"),
        (
            '{"cutoff_date": "30-06-2022"}',
            ": cutoff_date must be a date written YYYY-MM-DD such as '2022-06-30'; "
            "got '30-06-2022'",
        ),
        ('{"cutoff_date": null}', "has an empty cutoff_date"),
    ],
    ids=["not JSON", "not an object", "no cutoff_date", "not ISO", "null"],
)
def test_a_bad_sidecar_is_one_clear_error(simulated, content, message):
    _, paths = simulated
    (paths["persons"].parent / EXTRACT_FILE).write_text(content)
    with pytest.raises(ValidationError) as info:
        Registry.from_files(**paths)
    text = str(info.value)
    assert text.startswith("extract file '") and message in text
    assert text.endswith('write {"cutoff_date": "YYYY-MM-DD"} (see recidive.cutoff)')


def test_write_and_read_the_sidecar_keep_the_suppliers_keys(tmp_path):
    path = write_extract(tmp_path, "2022-06-30", source="JDS", tables=["persons.csv"])
    data = read_extract(path)
    assert data == {
        "cutoff_date": pd.Timestamp("2022-06-30"),
        "source": "JDS",
        "tables": ["persons.csv"],
    }


# -- a cut-off long after the data ----------------------------------------------------------


def test_a_cut_off_more_than_a_year_after_the_data_warns():
    tables = rc.datasets.simulate_registry(n_persons=300, seed=4)
    registry = Registry(**tables, cutoff_date="2022-06-30")
    latest = registry.latest_date
    with pytest.warns(CutoffWarning) as caught:
        Registry(**tables, cutoff_date="2032-06-30")  # a mistyped year
    assert str(caught[0].message) == (
        f"the data cut-off 2032-06-30 is {(pd.Timestamp('2032-06-30') - latest).days} days "
        f"after the latest date in the data ({latest.date()}) of 300 persons; follow-up after "
        "the last record counts as time without reoffending and lowers every rate: check the "
        "cut-off (a mistyped year?). An extract records events up to its cut-off, so the data "
        "end within 365 days of it"
    )


def test_the_margin_is_a_year_for_a_registry_with_records_all_year_round():
    tables = rc.datasets.simulate_registry(n_persons=300, seed=4)
    persons, cases, detentions = tables["persons"], tables["cases"], tables["detentions"]
    # end the data where they are dense, well before the simulated cut-off
    end = pd.Timestamp("2019-12-31")
    cases = cases[cases["disposal_date"] <= end]
    detentions = detentions[detentions["end"] <= end]
    for column in ("index_release_date", "death_date", "emigration_date"):
        persons.loc[persons[column] > end, column] = pd.NaT
    latest = Registry(persons, cases, detentions, cutoff_date=end).latest_date
    edge = (latest + pd.Timedelta(days=LATE_MARGIN_DAYS)).date().isoformat()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Registry(persons, cases, detentions, cutoff_date=edge)
    late = (latest + pd.Timedelta(days=LATE_MARGIN_DAYS + 1)).date().isoformat()
    with pytest.warns(CutoffWarning, match="366 days after"):
        Registry(persons, cases, detentions, cutoff_date=late)


def test_a_small_registry_may_go_a_year_without_a_record(good_tables):
    # a few persons, all without a reoffence near the end: no warning under 100 persons
    assert LATE_MIN_PERSONS == 100
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Registry(**good_tables, cutoff_date="2028-01-01")
    registry = rc.datasets.reference_registry(n_persons=1, seed=3)
    gap = (registry.cutoff_date - registry.latest_date).days
    assert gap > LATE_MARGIN_DAYS
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Registry(registry.persons, registry.cases, cutoff_date=registry.cutoff_date)


# -- cases after the cut-off, persons who start after it ---------------------------------


def test_cases_committed_after_the_cut_off_are_their_own_attrition_step():
    reg = make_registry(
        [{}, {}],
        [
            # committed before the cut-off, disposed of after it: a reoffence
            {"offence_date": "2019-06-01", "disposal_date": "2020-03-01"},
            # committed after the cut-off: outside the extract's window
            {"person_id": 2, "offence_date": "2019-08-01", "disposal_date": "2019-09-01"},
            {"person_id": 2, "offence_date": "2019-07-01", "disposal_date": "2019-07-15"},
        ],
        cutoff="2019-06-30",
    )
    cohort = build_cohort(reg)
    assert _excluded(cohort, "cases", "offence_after_cutoff") == 2
    assert _excluded(cohort, "cases", "offence_after_end") == 0
    assert cohort.persons["general_event"].tolist() == [1, 0]
    steps = cohort.attrition.loc[cohort.attrition["table"] == "cases", "step"].tolist()
    assert steps[:2] == ["read", "offence_after_cutoff"]
    reason = cohort.attrition.set_index("step").loc["offence_after_cutoff", "reason"]
    assert reason == "offence committed after the data cut-off"


def test_an_earlier_analysis_cut_off_moves_the_step():
    reg = make_registry([{}], [{"offence_date": "2017-06-01"}], cutoff="2019-06-30")
    cohort = build_cohort(reg, CohortRules(cutoff_date="2017-01-01"))
    assert _excluded(cohort, "cases", "offence_after_cutoff") == 1
    assert cohort.persons["general_event"].tolist() == [0]


def test_persons_who_start_after_the_cut_off_are_counted():
    reg = make_registry(
        [{}, {"index_offence_date": "2019-01-01", "index_disposal_date": "2019-09-01"}],
        [{"offence_date": "2016-01-01"}],
        cutoff="2019-06-30",
    )
    cohort = build_cohort(reg)
    assert _excluded(cohort, "persons", "start_after_end") == 1
    assert cohort.persons["person_id"].tolist() == [1]


def test_a_cut_off_before_everyones_start_is_one_clear_line():
    reg = make_registry([{}, {}], [{"offence_date": "2016-01-01"}], cutoff="2015-01-01")
    with pytest.raises(ArgumentError) as info:
        build_cohort(reg)
    assert str(info.value) == (
        "no person has follow-up: the data cut-off 2015-01-01 is on or before the start of "
        "follow-up of every one of the 2 persons left; give the extract's cut-off "
        "(cutoff_date= or --cutoff YYYY-MM-DD)"
    )
    reg = make_registry([{}], [{"offence_date": "2016-01-01"}], cutoff="2015-02-01")
    with pytest.raises(ArgumentError, match="2015-02-01 minus the registration lag of 60 days"):
        build_cohort(reg, CohortRules(registration_lag_days=60))


def test_a_cohort_emptied_by_other_steps_names_them():
    reg = make_registry([{"death_date": "2014-06-01"}], [{"offence_date": "2016-01-01"}])
    with pytest.raises(ArgumentError) as info:
        build_cohort(reg)
    assert str(info.value).startswith(
        "no person has follow-up: all 1 persons read were excluded (died_before_start 1)"
    )


def test_an_empty_cases_table_is_a_registry_where_nobody_reoffended(good_tables, tmp_path):
    header_only = tmp_path / "cases.csv"
    good_tables["cases"].iloc[:0].to_csv(header_only, index=False)
    assert header_only.read_text().count("\n") == 1
    persons = tmp_path / "persons.csv"
    good_tables["persons"].to_csv(persons, index=False)
    detentions = tmp_path / "detentions.csv"
    good_tables["detentions"].iloc[:0].to_csv(detentions, index=False)
    reg = Registry.from_files(persons, header_only, detentions, cutoff_date=CUTOFF)
    assert len(reg.cases) == 0 and len(reg.detentions) == 0
    assert str(reg.cases["offence_date"].dtype) == "datetime64[ns]"
    cohort = build_cohort(reg)
    assert len(cohort.persons) == 3 and cohort.persons["general_event"].sum() == 0
    rates = recidivism_rates(cohort, horizons=(0.1,)).to_frame()
    assert rates["rate"].tolist() == [0.0]


# -- the bias of an inferred cut-off --------------------------------------------------------

TRUE_CUTOFF = pd.Timestamp("2022-06-30")
RATE_5Y = 0.5  # a constant hazard with half the persons reoffending within 5 years


def _registry_past_the_cut_off(n: int = 20_000, seed: int = 11) -> dict[str, pd.DataFrame]:
    """Persons starting 2010-2019, exponential reoffending, disposals months after offences.

    An offence is in the extract when committed on or before the true cut-off; its
    disposal follows after an exponential delay (mean 200 days), so disposal dates run
    up to a year or more past the cut-off.
    """
    rng = np.random.default_rng(seed)
    day0 = pd.Timestamp("2010-01-01")
    start = day0 + pd.to_timedelta(rng.integers(0, 10 * 365, n), unit="D")
    hazard = -np.log(1 - RATE_5Y) / (5 * 365.25)
    offence = start + pd.to_timedelta(np.floor(rng.exponential(1 / hazard, n)) + 1, unit="D")
    recorded = offence <= TRUE_CUTOFF
    disposal = offence + pd.to_timedelta(np.floor(rng.exponential(200, n)), unit="D")
    persons = persons_frame(*({} for _ in range(n))).assign(
        index_offence_date=(start - pd.Timedelta(days=200)).strftime("%Y-%m-%d"),
        index_disposal_date=start.strftime("%Y-%m-%d"),
        birth_date="1980-01-01",
    )
    cases = cases_frame(*({"offence_date": "2016-01-01"} for _ in range(int(recorded.sum()))))
    cases = cases.assign(
        person_id=np.arange(1, n + 1)[recorded],
        offence_date=offence[recorded].strftime("%Y-%m-%d"),
        disposal_date=disposal[recorded].strftime("%Y-%m-%d"),
    )
    return {"persons": persons, "cases": cases}


def _rates(registry) -> np.ndarray:
    table = recidivism_rates(build_cohort(registry), horizons=(2, 5, 7)).to_frame()
    return table["rate"].to_numpy()


def test_the_inferred_cut_off_bias_is_gone():
    tables = _registry_past_the_cut_off()
    truth = 1 - (1 - RATE_5Y) ** (np.array([2, 5, 7]) / 5)  # 24.2%, 50.0%, 62.1%
    with pytest.raises(ArgumentError, match="the data cut-off is missing"):
        Registry(**tables)
    given = _rates(Registry(**tables, cutoff_date=TRUE_CUTOFF))
    assert given == pytest.approx(truth, abs=0.015)  # about 4 standard errors
    # what recidive used to do: the latest date in any table as the cut-off
    registry = Registry(**tables, cutoff_date=TRUE_CUTOFF)
    assert registry.latest_date > TRUE_CUTOFF + pd.Timedelta(days=365)
    inferred = _rates(Registry(**tables, cutoff_date=registry.latest_date))
    assert inferred[0] == pytest.approx(given[0], abs=1e-12)  # 2 years lie before the cut-off
    assert truth[1] - inferred[1] > 0.015 and truth[2] - inferred[2] > 0.04


# -- the command line -------------------------------------------------------------------------


def _files(tables: dict, tmp_path) -> list[str]:
    args = []
    for name, frame in tables.items():
        path = tmp_path / f"{name}.csv"
        frame.to_csv(path, index=False)
        args += [f"--{name}", str(path)]
    return args


def test_cli_without_cut_off_is_one_line(good_tables, tmp_path, capsys):
    for command in (["validate"], ["rates", "--quiet"], ["report", "--quiet"]):
        assert main([*command, *_files(good_tables, tmp_path)]) == 2
        err = capsys.readouterr().err
        assert err == (
            "recidive: error: registry files need their data cut-off: pass --cutoff YYYY-MM-DD "
            "(the date up to which the extract records every offence) or put an extract.json "
            "with its cutoff_date beside the persons file\n"
        )


@pytest.mark.parametrize("cutoff", ["01-06-2022", "2022", "2022-6-1", "2999-06-30", "30/06/2022"])
def test_cli_cut_off_is_strictly_iso(good_tables, tmp_path, capsys, cutoff):
    assert main(["validate", *_files(good_tables, tmp_path), "--cutoff", cutoff]) == 2
    err = capsys.readouterr().err
    assert err.startswith("recidive: error: --cutoff must be a date written YYYY-MM-DD")
    assert err.endswith(f"got '{cutoff}'\n") and err.count("\n") == 1


def test_cli_reads_the_sidecar(simulated, capsys):
    _, paths = simulated
    args = [f"--{name}={path}" for name, path in paths.items()]
    assert main(["validate", *args]) == 0
    out = capsys.readouterr().out
    assert f"cut-off     2022-06-30 (from {paths['persons'].parent / EXTRACT_FILE})" in out


def test_cli_cut_off_before_everyones_start(good_tables, tmp_path, capsys):
    assert main(["validate", *_files(good_tables, tmp_path), "--cutoff", "2014-06-30"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("recidive: error: no person has follow-up: the data cut-off 2014-06-30")
    assert err.count("\n") == 1


def test_cli_late_cut_off_is_a_one_line_warning(tmp_path, capsys):
    args = _files(simulate_registry(n_persons=200, seed=3), tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("default", CutoffWarning)
        code = main(["validate", *args, "--cutoff", "2032-06-30"])
    out, err = capsys.readouterr()
    assert code == 0 and "registry OK" in out
    assert err.startswith("recidive: warning: the data cut-off 2032-06-30 is ")
    assert "of 200 persons; follow-up after the last record" in err
    assert err.count("\n") == 1


def test_cli_cut_off_without_files_is_refused(capsys):
    assert main(["rates", "--cutoff", "2020-01-01", "--quiet"]) == 2
    assert capsys.readouterr().err.startswith(
        "recidive: error: --cutoff goes with --persons and --cases; the synthetic registry "
        "carries its own cut-off"
    )


@pytest.mark.parametrize(
    "module",
    ["recidive._dates", "recidive._arguments", "recidive.cutoff", "recidive.errors",
     "recidive.registry", "recidive.validation", "recidive.cohort"],
)  # fmt: skip
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
