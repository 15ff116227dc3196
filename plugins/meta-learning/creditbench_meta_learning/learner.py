"""MAML and ANIL: meta-train an initialisation on episodes of the base classes, then fine-tune it on the task.

Meta-training (in ``build``, within the declared pre-training budget): each episode is a ``WAYS``-way task of the
base classes with its labels permuted, ``SHOTS`` support and ``QUERIES`` query images per class.  The inner loop
takes ``inner_steps`` SGD steps of rate ``inner_lr`` on the support set's cross-entropy; the outer loss is the
adapted network's on the query set, differentiated through the inner loop (second order, as in Finn et al.) and
averaged over ``meta_batch`` episodes for an Adam step of rate ``meta_lr``.  MAML adapts every parameter in the
inner loop; ANIL (Raghu et al.) only the head, the last layer, so the body is learned by the outer loop alone.

The harness then trains the meta-learned network on the task's support set exactly as the inner loop did: SGD
at ``inner_lr`` on the adapted parameters (all of them, or the head).
"""

import torch
from torch import nn
from torch.func import functional_call

from creditbench_meta_learning import QUERIES
from harness import GradientLearner, few_shot


def _episode(x, y, generator):
    """A support and a query set of the base classes, each class given a random label."""
    support, query = [], []
    labels = torch.randperm(few_shot.WAYS, generator=generator, device="cpu").to(y.device)
    for label, cls in zip(labels, range(few_shot.WAYS)):
        pool = torch.nonzero(y == cls).flatten()
        draw = torch.randperm(len(pool), generator=generator, device="cpu").to(pool.device)
        chosen = pool[draw[: few_shot.SHOTS + QUERIES]]
        support.append((x[chosen[: few_shot.SHOTS]], label.repeat(few_shot.SHOTS)))
        query.append((x[chosen[few_shot.SHOTS :]], label.repeat(QUERIES)))
    return [tuple(torch.cat(part) for part in zip(*split)) for split in (support, query)]


def adapted_names(model: nn.Sequential, head_only: bool) -> list[str]:
    """The parameters the inner loop (and the fine-tuning) adapts: every one, or the last layer's."""
    names = [name for name, _ in model.named_parameters()]
    if not head_only:
        return names
    last = str(len(model) - 1)
    return [name for name in names if name.split(".")[0] == last]


def meta_train(model: nn.Sequential, config, seed: int, head_only: bool) -> None:
    x, y = (torch.as_tensor(a) for a in few_shot.base_classes())
    generator = torch.Generator(device="cpu").manual_seed(seed)
    adapted = adapted_names(model, head_only)
    optimizer = torch.optim.Adam(model.parameters(), lr=float(config["meta_lr"]))
    loss = nn.functional.cross_entropy
    for _ in range(int(config["meta_iterations"])):
        optimizer.zero_grad()
        for _ in range(int(config["meta_batch"])):
            (xs, ys), (xq, yq) = _episode(x, y, generator)
            params = dict(model.named_parameters())
            for _ in range(int(config["inner_steps"])):
                grads = torch.autograd.grad(
                    loss(functional_call(model, params, (xs,)), ys), [params[n] for n in adapted], create_graph=True
                )
                params = {**params, **{n: params[n] - float(config["inner_lr"]) * g for n, g in zip(adapted, grads)}}
            (loss(functional_call(model, params, (xq,)), yq) / int(config["meta_batch"])).backward()
        optimizer.step()


def build_meta_learner(task, config, seed, head_only: bool):
    model = task.architecture.build(seed)
    meta_train(model, config, seed, head_only)
    adapted = set(adapted_names(model, head_only))
    parameters = [p for name, p in model.named_parameters() if name in adapted]
    for name, p in model.named_parameters():
        p.requires_grad_(name in adapted)
    return GradientLearner(model, torch.optim.SGD(parameters, lr=float(config["inner_lr"])))
