"""The example scripts run in a subprocess, write what they promise and exit 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def _run(script: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["MPLBACKEND"] = "Agg"
    done = subprocess.run(
        [sys.executable, "-W", "error", str(EXAMPLES / script), *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, f"{script} failed:\n{done.stdout}\n{done.stderr}"
    assert done.stderr == "", f"{script} wrote to stderr:\n{done.stderr}"
    return done


def test_readme_lists_every_example():
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for script in sorted(EXAMPLES.glob("*.py")):
        assert script.name in readme, f"{script.name} is not listed in examples/README.md"


def test_reproduce_the_section(tmp_path):
    out = tmp_path / "section"
    done = _run("reproduce_the_section.py", str(out), "--lang", "en", cwd=tmp_path)
    assert "RECIDIVISM IS HIGH" in done.stdout
    assert "Recidivism among offenders of domestic sexual exploitation is high" in done.stdout
    for name in ("recidivism.html", "recidivism.md", "recidivism.json"):
        assert (out / name).stat().st_size > 0, name
    assert list((out / "figures").glob("*.png"))
    numbers = json.loads((out / "recidivism.json").read_text(encoding="utf-8"))
    assert numbers


def test_rates_from_a_survival_file(tmp_path):
    import pandas as pd

    done = _run("rates_from_a_survival_file.py", cwd=tmp_path)
    assert "horizon_years" in done.stdout

    # the same on a file of our own, written to a CSV
    survival = tmp_path / "rossi.csv"
    from recidive.datasets import load_rossi

    load_rossi().to_csv(survival, index=False)
    out = tmp_path / "rates.csv"
    _run("rates_from_a_survival_file.py", str(survival), "--out", str(out), cwd=tmp_path)
    rates = pd.read_csv(out)
    assert list(rates["fin"].astype(str).unique()) == ["all", "0", "1"]
    assert rates["rate"].between(0, 1).all()
    assert (rates["ci_lower"] <= rates["rate"]).all() and (rates["rate"] <= rates["ci_upper"]).all()


def test_detention_and_recurrent_reoffending(tmp_path):
    done = _run("detention_and_recurrent_reoffending.py", "--persons", "4000", cwd=tmp_path)
    assert "calendar time with gaps" in done.stdout
    assert "Andersen-Gill model of" in done.stdout and "robust_score" in done.stdout
    assert "Gap-time model" in done.stdout and "New cases per 100 offenders" in done.stdout
