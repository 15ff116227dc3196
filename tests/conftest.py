"""Fixtures: plugins installed the way pip installs them (a module and a dist-info on the path)."""

import os
import sys
import textwrap
from pathlib import Path

import pytest

from harness.execution import numerics

# Runs computed in this process (to compare with a worker's) use the workers' pinned numerics; the variables must
# be set before torch, MKL and OpenBLAS run their first kernel, so before any test.
numerics.pin(numerics.PINNED)

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def install_plugin(site: Path, entry_name: str, module: str, source: str, dist: str | None = None) -> None:
    """Write ``module.py`` and a dist-info whose entry point in group creditbench names it."""
    dist = dist or f"fake-{entry_name}"
    (site / f"{module}.py").write_text(textwrap.dedent(source))
    info = site / f"{dist.replace('-', '_')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[creditbench]\n{entry_name} = {module}\n")


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A site directory on sys.path and PYTHONPATH (so worker processes and subprocesses see it too)."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    from harness.registry import registry

    registry.cache_clear()
    yield site
    registry.cache_clear()
    for name in [m for m in sys.modules if m.startswith("fake_")]:
        del sys.modules[name]


@pytest.fixture
def faulty_plugins(site):
    """The fault-injection plugin (tests/fixtures/faulty.py): a tiny task and one algorithm per fault."""
    install_plugin(site, "faulty", "fake_faulty", (FIXTURES / "faulty.py").read_text())
    return site


def pytest_terminal_summary(terminalreporter):
    """The fault-injection and crash-resume counts, so that every test run shows them."""
    from tests.reliability.helpers import REPORT

    if REPORT:
        terminalreporter.write_sep("-", "creditbench reliability")
        for line in REPORT:
            terminalreporter.write_line(line)
