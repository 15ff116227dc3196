"""The memory ladder: what bptt, tbptt, rtrl and uoro hold per training step as the adding problem grows.

    python scripts/recurrent_memory.py [--lengths 10 100 1000] [--batch 32]

For each rule and length, a learner is built as the runner builds it (the task's reference architecture, the
rule's defaults; rtrl's compute limit is lifted, as this is one step) and takes one step on the first 32
training sequences, measured by the harness's probes:

* ``activation_bytes``: saved-for-backward tensors alive at once (BPTT keeps every step's);
* ``peak_bytes``: everything the step allocates at once, above what was allocated before it (the allocator's
  memory events), which also sees what autograd does not save, such as RTRL's influence matrix;
* the per-sequence trace a forward-mode rule carries through the step: RTRL's influence matrix (batch ×
  state × cell parameters), UORO's tangents (batch × (state + parameters));
* ``state_bytes``: what the learner keeps between steps (weights, optimiser moments).

Prints a Markdown table; a step of rtrl at length 1,000 takes several seconds.
"""

import argparse
import time

import torch

from harness.metrics import instruments
from harness.registry import registry


def carried_per_sequence(learner, batch: int) -> int:
    """Bytes of the per-sequence trace a forward-mode rule keeps during a step (0 for backprop rules)."""
    trace = learner.start(batch)
    return sum(t.numel() * t.element_size() for name, t in trace.items() if name != "state")


def measure(task, algorithm, batch: int) -> dict:
    overrides = {"batch_size": batch}
    if algorithm.name == "rtrl":
        overrides["max_macs"] = 2**62  # its compute limit is about whole runs, not one step
    config = algorithm.config_for(task.name, overrides)
    declined = algorithm.declined(task, config)
    if declined:
        return {"declined": declined}
    data = task.load()
    x, y = torch.as_tensor(data.x_train[:batch]), torch.as_tensor(data.y_train[:batch])
    torch.manual_seed(0)
    learner = algorithm.build(task, config, 0)
    learner.train_step(x, y)  # optimiser moments exist from the first step on
    started = time.perf_counter()
    activations = instruments.activation_bytes(learner, x, y)
    seconds = time.perf_counter() - started
    return {
        "activation_bytes": activations,
        "peak_bytes": instruments.peak_bytes(learner, x, y, torch.device("cpu")),
        "state_bytes": instruments.state_bytes(learner),
        "trace_bytes": carried_per_sequence(learner, batch),
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--algorithms", nargs="+", default=["bptt", "tbptt", "rtrl", "uoro"])
    args = parser.parse_args()
    torch.set_num_threads(1)
    found = registry()
    print("| rule | T | saved at once KiB | peak KiB | trace KiB | state KiB | s/step |")
    print("|---|---|---|---|---|---|---|")
    for name in args.algorithms:
        for length in args.lengths:
            row = measure(found.task(f"adding-{length}"), found.algorithm(name), args.batch)
            if "declined" in row:
                print(f"| {name} | {length} | declined: {row['declined']} | | | | |")
                continue
            kib = [row[key] / 1024 for key in ("activation_bytes", "peak_bytes", "trace_bytes", "state_bytes")]
            print(
                f"| {name} | {length} | " + " | ".join(f"{v:,.1f}" for v in kib) + f" | {row['seconds']:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
