"""The baseline of Ernoult et al. (2019): BPTT through the free phase's last K steps.

The free phase runs T − K steps without recording, then K more steps under
autograd; the squared error ``ℓ = ½‖s_T − y‖²`` of the final output is
backpropagated through those K steps to the weights.  Equilibrium propagation's
update approximates minus this gradient (the GDU property).
"""

import torch

from creditbench_equilibrium_propagation.dynamics import RelaxationCounter, build_learner
from harness import one_hot_squared_error


class TruncatedBPTT(RelaxationCounter):
    """Writes the truncated BPTT gradient of the squared error into ``.grad`` (``loss`` is not used)."""

    def __init__(self, truncation: int):
        super().__init__()
        self.truncation = truncation

    def __call__(self, model, x, y, loss) -> None:
        self.floor(model, x, y, loss)
        self.count(model.free_steps, len(x))

    def floor(self, model, x, y, loss) -> None:
        """The free relaxation, its last K steps recorded, and the squared error's backward pass through them.

        That is all the rule does before the optimiser's step: BPTT's floor is its forward and backward passes.
        """
        drive = model.input_drive(x)  # recorded: the last K steps backpropagate into W_0 through it
        with torch.no_grad():
            states = model.relax(drive, model.rest(x), model.free_steps - self.truncation)
        states = model.relax(drive, states, self.truncation)
        one_hot_squared_error(states[-1], y).backward()


def build_bptt_learner(task, config, seed):
    truncation = int(config["truncation"])
    if not 0 < truncation <= int(config["free_steps"]):
        raise ValueError(f"truncation must be in 1..free_steps, got {truncation}")
    return build_learner(task, config, seed, TruncatedBPTT(truncation))
