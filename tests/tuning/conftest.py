import pytest

from tests.conftest import FIXTURES, install_plugin


@pytest.fixture
def tunable_plugin(site, monkeypatch):
    """The tuning fixture plugin (tests/fixtures/tunable.py) alone: a task with a sealed test split, two rules."""
    install_plugin(site, "tunable", "fake_tunable", (FIXTURES / "tunable.py").read_text())
    monkeypatch.setenv("CREDITBENCH_PLUGINS", "tunable")
    return site
