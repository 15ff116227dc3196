"""How closely revnet's and bp-checkpoint's gradients match backprop's on the same reversible network, by depth.

    python scripts/reversible_gradients.py [--blocks 4 8 16 32] [--batch 32] [--seeds 3]

For each rung of the RevNet ladder (``mnist1d-revnet-B``) and seed, the reference network is built from the seed
and each rule's gradient on the first ``batch`` training examples is compared with autograd's through the plain
forward pass, per parameter tensor.  Prints a Markdown table: the largest ``1 - cosine`` and the largest relative
error ``‖g - g_bp‖ / ‖g_bp‖`` over the parameters and seeds.
"""

import argparse

import torch
from creditbench_reversible.agreement import gradient_agreement
from creditbench_reversible.learners import checkpointed_backprop, reversible_backprop

from harness.registry import registry

DIRECTIONS = {"revnet": reversible_backprop, "bp-checkpoint": checkpointed_backprop}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, nargs="+", default=[4, 8, 16, 32])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    found = registry()
    print("| rule | blocks | largest 1 - cosine | largest relative error |")
    print("|---|---|---|---|")
    for name, direction in DIRECTIONS.items():
        for blocks in args.blocks:
            task = found.task(f"mnist1d-revnet-{blocks}")
            data = task.load()
            x, y = torch.as_tensor(data.x_train[: args.batch]), torch.as_tensor(data.y_train[: args.batch])
            measured = [gradient_agreement(task, direction, x, y, seed) for seed in range(args.seeds)]
            gap = max(1 - m["least_cosine"] for m in measured)
            error = max(m["largest_relative_error"] for m in measured)
            print(f"| {name} | {blocks} | {gap:.2e} | {error:.2e} |", flush=True)


if __name__ == "__main__":
    main()
