import pytest
from creditbench_evolution.population import FlatParameters


@pytest.fixture
def scored_members(monkeypatch):
    """The member matrices the population's losses are computed for, recorded while the test runs."""
    scored, losses = [], FlatParameters.losses

    def recording(flat, members, *args):
        scored.append(members.clone())
        return losses(flat, members, *args)

    monkeypatch.setattr(FlatParameters, "losses", recording)
    return scored
