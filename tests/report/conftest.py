"""The report tests' store: real and hostile rules on a small task, run by the CLI, and the site written from it."""

import os

import pytest

from harness.results.store import Store
from tests.conftest import FIXTURES, install_plugin
from tests.test_cli import creditbench

HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_REASON = "<img src=x onerror=alert(2)>"
HOSTILE = f"""
import dataclasses

from harness import Algorithm, Budget, Plausibility, hookimpl
from harness.testing import CONFORMANCE_TASK
from fake_faulty import good

CREDITBENCH_CONTRACT = 1


@hookimpl
def register_tasks(register):
    # long enough for cost probes, so that every figure has data
    register(dataclasses.replace(CONFORMANCE_TASK, name="blobs", quick_budget=Budget(presentations=3000)))


def raising(task, config, seed):
    raise ValueError({HOSTILE_REASON!r})


@hookimpl
def register_algorithms(register):
    profile = Plausibility(weight_transport=True, backward_phase=True, local_updates=False)
    for name, build in (({HOSTILE_NAME!r}, good), ("hostile-fails", raising)):
        register(Algorithm(name=name, family="hostile", citation="none", description="test", build=build, plausibility=profile))
"""
FIGURE_CAPTIONS = (
    "learning curves",
    "presentations to target",
    "gradient fidelity",
    "score against cost",
    "robustness brackets",
)
RULES = ("bp-sgd", "random-features", "good", HOSTILE_NAME, "hostile-fails")
PAPER_CLAIMS = (  # (test, rules, claim, outcome): recorded in the store as `pytest --benchmark` would
    ("t.py::test_holds", ["bp-sgd"], "bp-sgd learns blobs", "passed"),
    ("t.py::test_breaks[blobs]", ["bp-sgd", "good"], "bp-sgd beats good", "failed"),
    ("t.py::test_never_run", ["bp-sgd"], "bp-sgd never checked", None),
    ("t.py::test_hostile", ["good"], HOSTILE_REASON, "passed"),
    ("t.py::test_other_rule", ["fa"], "fa only", "passed"),
)


def _cli(*args, cwd):
    return creditbench(*args, cwd=cwd, check=False)


@pytest.fixture(scope="session")
def report(tmp_path_factory):
    """One store and one site for the session: the runs happen in CLI subprocesses that see the fake plugins."""
    tmp_path = tmp_path_factory.mktemp("report")
    site = tmp_path / "site"
    site.mkdir()
    install_plugin(site, "faulty", "fake_faulty", (FIXTURES / "faulty.py").read_text())
    install_plugin(site, "hostile", "fake_hostile", HOSTILE)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
        _run_and_report(tmp_path)
    return tmp_path / "html"


def _run_and_report(tmp_path):
    run = _cli(
        "run",
        "--task",
        "blobs",
        *(f"--algorithm={rule}" for rule in RULES),
        "--seeds",
        "2",
        "--db",
        "r.sqlite",
        "--no-report",
        cwd=tmp_path,
    )
    assert run.returncode == 1, run.stderr  # hostile-fails fails by design; run says so in its exit code
    with Store(tmp_path / "r.sqlite") as store:
        store.register_claims(
            [{"test": t, "rules": r, "paper": "Someone 2020", "claim": c} for t, r, c, _ in PAPER_CLAIMS]
        )
        for test, _, _, outcome in PAPER_CLAIMS:
            if outcome:
                store.record_claim(test, outcome, "creditbench 0.1.0 (commit abcdef123456)", "2026-12-01 10:00 UTC")
    dashboard = tmp_path / ".asv" / "html" / "index.html"  # as `make asv` publishes it
    dashboard.parent.mkdir(parents=True)
    dashboard.write_text("<!doctype html><title>asv</title>")
    written = _cli("report", "--db", "r.sqlite", "--format", "html", "--out", "html", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
