"""A plugin installed from outside the repository appears and runs with no change to the harness."""

import json
import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "minimal-plugin"


def test_an_installed_third_party_plugin_lists_runs_and_conforms(tmp_path):
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(EXAMPLE),
        ],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    cli = [sys.executable, "-c", "from harness.cli import main; main()"]

    listed = subprocess.run([*cli, "list", "--json"], env=env, capture_output=True, text=True, check=True)
    assert "signsgd" in {a["name"] for a in json.loads(listed.stdout)}

    db = tmp_path / "r.sqlite"
    subprocess.run(
        [*cli, "run", "--task", "digits", "--algorithm", "signsgd", "--seeds", "1", "--db", str(db)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    report = subprocess.run(
        [*cli, "report", "--db", str(db), "--format", "json"], env=env, capture_output=True, text=True, check=True
    )
    [entry] = json.loads(report.stdout)
    assert entry["algorithm"] == "signsgd" and entry["n_seeds"] == 1 and entry["test_accuracy_mean"] > 0.5
    assert 0 < entry["gradient_cosine"] < 0.99  # its direction, sign(∇), is aligned with the gradient but not it

    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE / "test_signsgd.py")],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert tests.returncode == 0, tests.stdout
