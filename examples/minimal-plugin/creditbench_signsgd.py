"""signSGD (Bernstein et al. 2018) as a complete creditbench plugin, in one file.

It writes the Learner from scratch to show the whole contract; most gradient
rules can instead hand a ``direction`` to ``harness.GradientLearner``.
"""

from harness import Algorithm, Learner, Plausibility, hookimpl

CREDITBENCH_CONTRACT = 1


class SignSGD(Learner):
    def __init__(self, model, lr):
        self.model, self.lr = model, lr

    def update_direction(self, x, y):  # optional: what gradient fidelity compares with backprop's gradient
        import torch.nn.functional as F

        self.model.zero_grad()
        F.cross_entropy(self.model(x), y).backward()
        return {name: parameter.grad.sign() for name, parameter in self.model.named_parameters()}

    def train_step(self, x, y):
        import torch

        direction = self.update_direction(x, y)
        with torch.no_grad():
            for name, parameter in self.model.named_parameters():
                parameter -= self.lr * direction[name]

    def predict(self, x):
        import torch

        with torch.no_grad():
            return self.model(x)

    def surrogate(self):
        return self.model

    def state_dict(self):
        return {"model": self.model.state_dict()}

    def load_state_dict(self, state):
        self.model.load_state_dict(state["model"])


def build(task, config, seed):
    return SignSGD(task.architecture.build(seed), config["lr"])


@hookimpl
def register_algorithms(register):
    register(
        Algorithm(
            name="signsgd",
            family="backprop",
            citation="Bernstein, Wang, Azizzadenesheli & Anandkumar (2018). signSGD: compressed "
            "optimisation for non-convex problems. ICML.",
            description="Backprop gradients, but each weight moves by ±lr: only the sign is kept.",
            build=build,
            plausibility=Plausibility(weight_transport=True, backward_phase=True, local_updates=False),
            defaults={"lr": 0.001, "batch_size": 32},
            search_space={"lr": ("log-uniform", 1e-5, 1e-1)},
        )
    )
