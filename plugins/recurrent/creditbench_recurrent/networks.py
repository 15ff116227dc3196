"""The network a rule trains: the task's recurrent reference architecture, with the config's ``cell`` / ``hidden``."""

from __future__ import annotations

import dataclasses

from harness import RNN


def architecture(task, config):
    chosen = task.architecture
    overrides = {key: config[key] for key in ("cell", "hidden") if config.get(key) is not None}
    if not overrides:
        return chosen
    if not isinstance(chosen, RNN):
        raise ValueError(
            f"config {', '.join(overrides)} applies to RNN architectures, not to task {task.name}'s {chosen}"
        )
    cell, hidden = overrides.get("cell", chosen.cell), int(overrides.get("hidden", chosen.hidden_size))
    return dataclasses.replace(chosen, cell=cell, hidden_size=hidden)


def network(task, config, seed: int):
    return architecture(task, config).build(seed)


def influence_size(task, config) -> tuple[int, int]:
    """(state units, cell parameters): the shape of RTRL's influence matrix for one sequence."""
    model = network(task, config, seed=0)
    parameters = dict(model.named_parameters())
    return model.state_size, sum(parameters[name].numel() for name in model.cell_names)
