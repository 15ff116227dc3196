"""Memory against compute on the RevNet ladder: what bp-sgd, bp-checkpoint and revnet hold and spend per step.

    python scripts/reversible_costs.py [--blocks 4 8 16 32] [--batch 32] [--steps 20]

For each rule and rung (``mnist1d-revnet-B``), a learner is built as the runner builds it and steps on the first
``batch`` training examples, measured by the harness's probes: activation bytes (saved-for-backward tensors alive
at once), peak bytes (everything the step allocates at once, parameter gradients included), state bytes, FLOPs
per step, and the median wall time of ``steps`` steps on one thread.  FLOPs and time are also given relative to
bp-sgd's on the same rung.  Prints a Markdown table.
"""

import argparse
import statistics
import time

import torch

from harness.metrics import instruments
from harness.registry import registry

RULES = ("bp-sgd", "bp-checkpoint", "revnet")


def measure(task, algorithm, x, y, steps: int) -> dict:
    learner = algorithm.build(task, algorithm.config_for(task.name), 0)
    learner.train_step(x, y)
    seconds = []
    for _ in range(steps):
        started = time.perf_counter()
        learner.train_step(x, y)
        seconds.append(time.perf_counter() - started)
    return {
        "activation_bytes": instruments.activation_bytes(learner, x, y),
        "peak_bytes": instruments.peak_bytes(learner, x, y, torch.device("cpu")),
        "state_bytes": instruments.state_bytes(learner),
        "flops": instruments.count_flops(learner, x, y),
        "seconds": statistics.median(seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, nargs="+", default=[4, 8, 16, 32])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(1)
    found = registry()
    print("| rule | blocks | activations KiB | peak KiB | state KiB | MFLOPs/step | × bp | ms/step | × bp |")
    print("|---|---|---|---|---|---|---|---|---|")
    for blocks in args.blocks:
        task = found.task(f"mnist1d-revnet-{blocks}")
        data = task.load()
        x, y = torch.as_tensor(data.x_train[: args.batch]), torch.as_tensor(data.y_train[: args.batch])
        rows = {name: measure(task, found.algorithm(name), x, y, args.steps) for name in RULES}
        backprop = rows["bp-sgd"]
        for name, row in rows.items():
            kib = " | ".join(f"{row[key] / 1024:,.1f}" for key in ("activation_bytes", "peak_bytes", "state_bytes"))
            print(
                f"| {name} | {blocks} | {kib} | {row['flops'] / 1e6:.2f} | {row['flops'] / backprop['flops']:.2f} | "
                f"{row['seconds'] * 1e3:.2f} | {row['seconds'] / backprop['seconds']:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
