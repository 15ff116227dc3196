"""The HTML report: every figure present, tables sortable, plugin-supplied strings rendered as text."""

import os
import shutil
import subprocess
import sys

import pytest

from harness.report.plots import pareto_front
from tests.conftest import FIXTURES, REPO, install_plugin
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
    "score against cost",
    "gradient fidelity",
    "robustness brackets",
)


def _cli(*args, cwd):
    return creditbench(*args, cwd=cwd, check=False)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """One store and one report for the module: the runs happen in CLI subprocesses that see the fake plugins."""
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
        "--algorithm",
        "good",
        "--algorithm",
        HOSTILE_NAME,
        "--algorithm",
        "hostile-fails",
        "--db",
        "r.sqlite",
        "--no-report",
        cwd=tmp_path,
    )
    assert run.returncode == 1, run.stderr  # hostile-fails fails by design; run says so in its exit code
    written = _cli("report", "--db", "r.sqlite", "--format", "html", "--out", "html", cwd=tmp_path)
    assert written.returncode == 0, written.stderr


def test_report_writes_an_index_and_a_page_per_suite_with_every_figure(report):
    assert sorted(p.name for p in report.iterdir()) == ["index.html", "quick.html"]
    page = (report / "quick.html").read_text()
    for caption in FIGURE_CAPTIONS:
        assert f"<figcaption>{caption}</figcaption>" in page
    assert page.count('src="data:image/png;base64,') == len(FIGURE_CAPTIONS)
    assert 'href="quick.html"' in (report / "index.html").read_text()


def test_plugin_supplied_strings_are_escaped(report):
    page = (report / "quick.html").read_text()
    assert HOSTILE_NAME not in page and HOSTILE_REASON not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x onerror=alert(2)&gt;" in page


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Chromium (.ci/run installs it)")
def test_the_page_renders_in_chromium_and_the_hostile_name_is_text(report, tmp_path):
    rendered = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "render_page.py"),
            str(report),
            "quick.html",
            "--screenshot",
            str(tmp_path / "report.png"),
            *[f"--expect=<figcaption>{caption}</figcaption>" for caption in FIGURE_CAPTIONS],
            '--expect=<th scope="col">test score</th>',
            "--expect=&lt;script&gt;alert(1)&lt;/script&gt;",
            f"--forbid={HOSTILE_NAME}",
            '--forbid=<img src="x"',
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rendered.returncode == 0, rendered.stderr
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_a_figure_without_data_says_why(faulty_plugins, tmp_path):
    assert (
        _cli(
            "run", "--task", "conformance", "--algorithm", "good", "--db", "r.sqlite", "--no-report", cwd=tmp_path
        ).returncode
        == 0
    )
    assert _cli("report", "--db", "r.sqlite", "--format", "html", "--out", "html", cwd=tmp_path).returncode == 0
    page = (tmp_path / "html" / "quick.html").read_text()
    assert "score against cost: not drawn" in page  # 160 presentations end before any step is probed


def test_report_html_needs_an_output_directory(report):
    result = _cli("report", "--db", str(report.parent / "r.sqlite"), "--format", "html", cwd=report.parent)
    assert (
        result.returncode == 2 and result.stderr.splitlines()[-1] == "creditbench: error: --format html needs --out DIR"
    )


def test_pareto_front_keeps_exactly_the_points_nothing_beats():
    points = [
        (1.0, 0.5, "cheap"),
        (2.0, 0.4, "dominated"),
        (2.0, 0.9, "mid"),
        (5.0, 0.9, "tie-but-dearer"),
        (9.0, 0.95, "best"),
    ]
    assert [name for _, _, name in pareto_front(points)] == ["cheap", "mid", "best"]
