"""Four ways to estimate the gradient of a recurrent network's loss, behind one Learner.

Every rule here trains a ``harness.RecurrentNetwork`` with a torch optimiser, one update per
``train_step``.  On a sequence task the batch is whole sequences, each started from the network's
initial state.  On a stream task the batch is the next chunk of the one stream: the learner continues
from what it carried out of the previous chunk (the state, and for RTRL and UORO the influence of the
parameters on it), so the chunk length ``batch_size`` is the update interval.  The rules differ only in
how they estimate the gradient of the batch's loss:

* ``BPTT``: exactly, by backprop through every step of each sequence; memory grows with the length.
* ``TBPTT``: by backprop through windows of ``truncation`` steps, the state detached between windows;
  biased towards short-term effects, memory bounded by the window.
* ``RTRL``: exactly, forward in time, carrying the influence matrix d state / d θ (state × parameters).
* ``UORO``: unbiasedly, forward in time, carrying a random rank-one estimate s̃ θ̃ᵀ of that matrix.

Only the parameters the cell reads carry an influence; the readout's gradient is taken directly.
"""

from __future__ import annotations

import torch
from torch.autograd import forward_ad
from torch.func import vmap
from torch.linalg import vector_norm as norm

from harness import ModelLearner, task_loss

OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}
STABILITY = 1e-7  # keeps UORO's rescaling finite when a tangent is zero (it starts at zero)


def flatten_into(buffer, derivatives) -> None:
    """Write per-leaf derivatives ``(*batch, *leaf shape)`` side by side into ``buffer`` ``(*batch, parameters)``,
    copying each once whatever its layout (a flattened transposed matrix would be copied twice)."""
    offset = 0
    for derivative in derivatives:
        size = derivative[(0,) * (buffer.dim() - 1)].numel()
        buffer[..., offset : offset + size].view(derivative.shape).copy_(derivative)
        offset += size


class RecurrentLearner(ModelLearner):
    """The shared part: optimiser, clipping, the per-step loss and the state carried along a stream."""

    # Whether ``per_example_leaves`` differentiates each weight matrix transposed (and flat parameter vectors hold
    # it so): faster, but a sum over the parameters then adds them up in another order, which would change UORO's
    # norms of θ̃ at rounding level; RTRL, whose numbers do not depend on the order, turns it on.
    transposed_leaves = False

    def __init__(self, model, task, config, seed: int):
        if config["optimizer"] not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {config['optimizer']!r} (known: {', '.join(OPTIMIZERS)})")
        if task.kind == "stream" and model.readout_mode != "every":
            raise ValueError("a stream task needs a network that predicts at every step (readout='every')")
        self.model = model
        self.loss = task_loss(task)
        self.optimizer = OPTIMIZERS[config["optimizer"]](model.parameters(), lr=config["lr"])
        self.clip = float(config.get("clip", 0.0))
        self.on_stream = task.kind == "stream"
        self.carried = self.start(1) if self.on_stream else {}

    def start(self, n: int) -> dict:
        """What a rule carries at the start of ``n`` sequences: at least their ``state``."""
        return {"state": self.model.initial_state(n)}

    def estimate_gradient(self, x, y, carried: dict) -> dict:
        """Write the gradient estimate of the loss on ``x`` ``(n, T, f)`` into ``.grad``; return what to carry on."""
        raise NotImplementedError

    def train_step(self, x, y) -> None:
        self.write_gradient(x, y)
        self.apply_update_direction()

    def update_direction(self, x, y) -> dict:
        """The rule's gradient estimate, before clipping and the optimiser: BPTT's and RTRL's are the same."""
        self.write_gradient(x, y)
        return self.written_gradients()

    def apply_update_direction(self) -> bool:
        if self.clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        self.optimizer.step()
        return True

    def write_gradient(self, x, y) -> None:
        """The gradient estimate into ``.grad``, carrying the stream's state on."""
        self.optimizer.zero_grad(set_to_none=True)
        self.run_on_batch(self.estimate_gradient, x, y)

    def run_on_batch(self, method, x, y) -> None:
        """``method(x, y, carried)`` on the batch as sequences ``(n, T, f)``: whole sequences from the initial
        state, or on a stream the next chunk from what the last one carried (and what it returns is carried on)."""
        if self.on_stream:
            self.carried = method(x[None], y[None], self.carried)
        else:
            method(x, y, self.start(len(x)))

    def loss_on(self, states, y, begin: int, length: int):
        """The share of the batch's loss read from ``states`` ``(n, w, S)`` (steps ``begin`` … of ``length``),
        or None when no prediction is read there (a last-step readout before the last step)."""
        if self.model.readout_mode == "last" and begin + states.shape[1] < length:
            return None
        params = dict(self.model.named_parameters())
        if self.model.readout_mode == "last":
            return self.loss(self.model.readout(params, states[:, -1]), y)
        predictions = self.model.readout(params, states)
        targets = y[:, begin : begin + states.shape[1]]
        return self.loss(predictions.flatten(0, 1), targets.flatten(0, 1)) * (states.shape[1] / length)

    def readout_backward(self, state, y, t: int, length: int):
        """Backprop step ``t``'s share of the loss into the readout's ``.grad``; return d loss / d state (or None)."""
        state = state.detach().requires_grad_()
        loss = self.loss_on(state[:, None], y, t, length)
        if loss is None:
            return None
        loss.backward()
        return state.grad

    def cell_parameters(self) -> dict:
        params = dict(self.model.named_parameters())
        return {name: params[name].detach() for name in self.model.cell_names}

    def add_cell_gradient(self, flat_gradient) -> None:
        """Add a gradient over the cell's parameters, flat in the order of ``per_example_leaves``."""
        params = dict(self.model.named_parameters())
        offset = 0
        for name in self.model.cell_names:
            parameter = params[name]
            chunk = flat_gradient[offset : offset + parameter.numel()]
            chunk = chunk.view(parameter.mT.shape).mT if self.transposes(parameter) else chunk.view_as(parameter)
            if parameter.grad is None:
                parameter.grad = chunk.clone(memory_format=torch.contiguous_format)
            else:
                parameter.grad += chunk
            offset += parameter.numel()

    def n_cell_parameters(self) -> int:
        return sum(value.numel() for value in self.cell_parameters().values())

    def per_example_leaves(self, n: int) -> tuple[dict, dict]:
        """Per-example (shared-storage) copies of the cell's parameters, so that reverse mode through
        ``per_example_step`` gives per-example derivatives: (the leaves to differentiate, the copies the cell
        reads).  Made once per batch: each step's backward differentiates the same leaves.

        With ``transposed_leaves`` the leaves, whose derivatives reverse mode returns, hold each weight matrix
        transposed: a cell applies a weight ``W`` as ``x @ W.T``, whose backward produces ``d W.T`` contiguous,
        so the derivatives are flattened without a transposing copy (``add_cell_gradient`` turns them back)."""
        leaves, copies = {}, {}
        for name, p in self.cell_parameters().items():
            stored = p.mT if self.transposes(p) else p
            leaves[name] = stored.expand(n, *stored.shape).requires_grad_()
            copies[name] = leaves[name].mT if self.transposes(p) else leaves[name]
        return leaves, copies

    def per_example_step(self, copies: dict, state, x):
        """The state after one step in which every example reads its own copy of the cell's parameters
        (``per_example_leaves``): the network's own cell where it takes per-example parameters, else the cell
        ``vmap``-ed over the examples (which costs more per call than the step on a small network).

        Plain autograd over that forward, not ``torch.func.vjp``/``jacrev``: those refuse to run under the
        saved-tensor hooks with which the harness measures activation memory."""
        if self.model.per_example_parameters:
            return self.model.cell(copies, state, x)
        return vmap(self.model.cell)(copies, state, x)

    def transposes(self, parameter) -> bool:
        return self.transposed_leaves and parameter.dim() == 2

    def state_dict(self) -> dict:
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(), "carried": self.carried}

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.carried = {name: tensor.clone() for name, tensor in state["carried"].items()}


class BPTT(RecurrentLearner):
    """Backprop through time over whole sequences (Rumelhart, Hinton & Williams 1986; Werbos 1990)."""

    def floor_step(self, x, y):
        """The forward pass through the unrolled sequences and the backward pass through it, from the loss into
        ``.grad``; not the clipping or the optimiser's step."""
        self.write_gradient(x, y)

    def estimate_gradient(self, x, y, carried):
        states = self.model.unroll(x, carried["state"])
        self.loss_on(states, y, 0, x.shape[1]).backward()
        return {"state": states[:, -1].detach()}


def windows(length: int, truncation: int) -> list[tuple[int, int]]:
    """The ``(begin, end)`` steps of the windows that tile a sequence (or chunk) of ``length`` steps.

    They end at its last step, so a last-step readout always backprops ``truncation`` steps (or the whole
    sequence, if shorter); the window left over, shorter, is the first.
    """
    ends = range(length, 0, -truncation)
    return [(max(end - truncation, 0), end) for end in reversed(ends)]


class TBPTT(RecurrentLearner):
    """Backprop through windows of ``truncation`` steps; each window starts from the previous one's detached state.

    The windows end at the batch's last step (see ``windows``), where a last-step readout reads.  The gradients
    of a batch's windows add up before its one update, so with ``truncation`` equal to the chunk length this is
    the usual truncated BPTT(k, k) (Williams & Peng 1990).
    """

    def __init__(self, model, task, config, seed: int):
        super().__init__(model, task, config, seed)
        self.truncation = int(config["truncation"])
        if self.truncation < 1:
            raise ValueError(f"truncation must be at least 1 step, not {self.truncation}")

    def floor_step(self, x, y):
        """The forward pass through the batch's windows and the backward pass through each window that feeds
        the loss, into ``.grad``; not the clipping or the optimiser's step."""
        self.write_gradient(x, y)

    def estimate_gradient(self, x, y, carried):
        state, length = carried["state"], x.shape[1]
        for begin, end in windows(length, self.truncation):
            window = x[:, begin:end]
            # Windows before a last-step readout feed no loss: run them without building a graph.
            reads = self.model.readout_mode == "every" or end == length
            with torch.set_grad_enabled(reads):
                states = self.model.unroll(window, state)
            if reads:
                self.loss_on(states, y, begin, length).backward()
            state = states[:, -1].detach()
        return {"state": state}


class RTRL(RecurrentLearner):
    """Real-time recurrent learning (Williams & Zipser 1989): the exact gradient, computed forward in time.

    Per sequence it carries the influence matrix M = d state / d θ_cell, ``(state, parameters)``, and
    updates it each step as M ← (∂F/∂state) M + ∂F/∂θ, both Jacobians from one batched backward pass; the
    loss's gradient is (d loss / d state) M.  Memory is state × parameters and compute per step
    state² × parameters, whatever the sequence length.
    """

    def start(self, n):
        state = self.model.initial_state(n)
        return {"state": state, "influence": state.new_zeros(n, self.model.state_size, self.n_cell_parameters())}

    transposed_leaves = True  # each column of M is updated on its own: their order changes no number

    def propagate(self, x, carried: dict, after_step=None) -> dict:
        """Step the state and its influence through ``x`` ``(n, T, f)``; after step t call
        ``after_step(t, state, influence)``; return what is carried on.

        Each step M ← (∂F/∂state) M + ∂F/∂θ, row k of both Jacobians the gradient of unit k of the new state
        (one backward pass batched over the units).  The updates write into two buffers in turn, so the
        influence ``after_step`` sees is overwritten two steps later (allocating a fresh one each step cost
        more than the product itself)."""
        state, influence = carried["state"], carried["influence"]
        n, units = len(state), self.model.state_size
        cotangents = torch.eye(units, dtype=state.dtype, device=state.device)[:, None].expand(-1, n, -1)
        spare = torch.empty_like(influence)
        by_params = influence.new_empty(units, n, influence.shape[-1])  # (state unit, example, parameter)
        leaves, copies = self.per_example_leaves(n)
        leaves = list(leaves.values())
        for t in range(x.shape[1]):
            state = state.detach().requires_grad_()
            after = self.per_example_step(copies, state, x[:, t])
            by_state, *by_leaf = torch.autograd.grad(after, [state, *leaves], cotangents, is_grads_batched=True)
            flatten_into(by_params, by_leaf)
            torch.bmm(by_state.transpose(0, 1), influence, out=spare).add_(by_params.transpose(0, 1))
            influence, spare = spare, influence
            state = after.detach()
            if after_step is not None:
                after_step(t, state, influence)
        return {"state": state, "influence": influence}

    def estimate_gradient(self, x, y, carried):
        gradient = carried["influence"].new_zeros(carried["influence"].shape[-1])

        def read_loss(t, state, influence):
            loss_by_state = self.readout_backward(state, y, t, x.shape[1])
            if loss_by_state is not None:
                gradient.add_(torch.einsum("ns,nsp->p", loss_by_state, influence))

        carried = self.propagate(x, carried, read_loss)
        self.add_cell_gradient(gradient)
        return carried

    def floor_step(self, x, y):
        """Per time step, the one-step Jacobians ∂F/∂state and ∂F/∂θ and the influence update
        M ← (∂F/∂state) M + ∂F/∂θ; not the readout, the gradient (d loss / d state) M or the optimiser's step.

        The step is ~1.1x this floor on adding-10 and assoc-retrieval but ~2.1x on influence balancing (thread
        CPU time, ``scripts/algorithmic_floors.py``): there the influence matrix is 6 units × 1 parameter, so
        the update is cheaper than the readout that every step of the stream reads — per 10-step chunk the step
        takes ~2.9 ms against the floor's ~1.4 ms, the difference being the per-step loss, its backward through
        the readout and the einsum into the gradient.  Reading the 10 steps of a chunk at once would add the gradient up in another order."""
        self.run_on_batch(lambda x, y, carried: self.propagate(x, carried), x, y)


class UORO(RecurrentLearner):
    """Unbiased Online Recurrent Optimization (Tallec & Ollivier 2017, Algorithm 1).

    Per sequence it carries a state tangent s̃ ``(state,)`` and a parameter tangent θ̃ ``(parameters,)``
    whose product s̃ θ̃ᵀ is an unbiased estimate of RTRL's influence matrix.  Each step, with ν a vector of
    independent random signs:

        s̃ ← ρ₀ (∂F/∂state) s̃ + ρ₁ ν,      θ̃ ← θ̃ / ρ₀ + νᵀ (∂F/∂θ) / ρ₁,

    the first product by forward-mode differentiation, the second by reverse mode.  The
    scalings ρ₀ = sqrt(‖θ̃‖ / ‖(∂F/∂state) s̃‖) and ρ₁ = sqrt(‖νᵀ ∂F/∂θ‖ / ‖ν‖) minimise the variance of
    the estimate without biasing it (the cross terms have mean zero whatever ρ₀, ρ₁).  The loss's
    gradient estimate is ((d loss / d state) · s̃) θ̃.  Memory is state + parameters.
    """

    def __init__(self, model, task, config, seed: int):
        device = next(model.parameters()).device
        self.generator = torch.Generator(device=device).manual_seed(seed)
        super().__init__(model, task, config, seed)

    def start(self, n):
        state = self.model.initial_state(n)
        return {
            "state": state,
            "state_tangent": torch.zeros_like(state),
            "parameter_tangent": state.new_zeros(n, self.n_cell_parameters()),
        }

    def random_signs(self, shape, like):
        """Independent random signs ``shape``, of ``like``'s dtype.  A generator draws in order, so the signs of
        T steps drawn at once are those drawn one step after another."""
        draws = torch.randint(0, 2, shape, generator=self.generator, device=like.device)
        return (2 * draws - 1).to(like.dtype)

    def propagate(self, x, carried: dict, after_step=None) -> dict:
        """Step the state and its tangents s̃, θ̃ through ``x`` ``(n, T, f)`` (the class docstring's update);
        after step t call ``after_step(t, state, s̃, θ̃)``; return what is carried on.

        θ̃ ``(n, parameters)`` is rescaled and added to in place, the VJP written into one buffer: allocating
        tensors of its size afresh each step cost more than the arithmetic (moving-balls has 82,176 cell
        parameters per example)."""
        state, state_tangent, parameter_tangent = (
            carried["state"],
            carried["state_tangent"],
            carried["parameter_tangent"],
        )
        params = self.cell_parameters()
        leaves, copies = self.per_example_leaves(len(state))
        leaves = list(leaves.values())
        inputs = x.transpose(0, 1).contiguous()  # a dual tensor's primal must not overlap itself (x may be expanded)
        zero_input = torch.zeros_like(inputs[0])
        backward = torch.empty_like(parameter_tangent)
        signs_by_step = self.random_signs((x.shape[1], *state.shape), state)
        # ‖ν‖ is the same every step (the square root of the state size), computed once.
        signs_norm = norm(signs_by_step[0], dim=1) + STABILITY
        # One dual level for the whole batch; the state and the input are made dual anew each step.
        with forward_ad.dual_level():
            # Every operand of the cell is dual, the parameters and the input with zero tangents: in torch 2.13 an
            # operation between a dual and a plain tensor takes a slow path (a zero tangent materialised through a
            # Python decomposition, ~0.3 ms each on CPU) that made the dual step three times slower; adding exact
            # zeros leaves the tangent as it was.
            dual_params = {name: forward_ad.make_dual(p, torch.zeros_like(p)) for name, p in params.items()}
            for t in range(x.shape[1]):
                signs = signs_by_step[t]
                dual_input = forward_ad.make_dual(inputs[t], zero_input)
                dual_after = self.model.cell(dual_params, forward_ad.make_dual(state, state_tangent), dual_input)
                after, forward = forward_ad.unpack_dual(dual_after)
                stepped = self.per_example_step(copies, state, x[:, t])
                flatten_into(backward, torch.autograd.grad(stepped, leaves, signs))
                rho0 = ((norm(parameter_tangent, dim=1) + STABILITY) / (norm(forward, dim=1) + STABILITY)).sqrt()
                rho1 = ((norm(backward, dim=1) + STABILITY) / signs_norm).sqrt()
                state_tangent = rho0[:, None] * forward + rho1[:, None] * signs
                parameter_tangent.div_(rho0[:, None]).add_(backward.div_(rho1[:, None]))
                state = after
                if after_step is not None:
                    after_step(t, state, state_tangent, parameter_tangent)
        return {"state": state, "state_tangent": state_tangent, "parameter_tangent": parameter_tangent}

    def estimate_gradient(self, x, y, carried):
        gradient = carried["parameter_tangent"].new_zeros(carried["parameter_tangent"].shape[-1])

        def read_loss(t, state, state_tangent, parameter_tangent):
            loss_by_state = self.readout_backward(state, y, t, x.shape[1])
            if loss_by_state is not None:
                gradient.add_(torch.einsum("n,np->p", (loss_by_state * state_tangent).sum(1), parameter_tangent))

        carried = self.propagate(x, carried, read_loss)
        self.add_cell_gradient(gradient)
        return carried

    def floor_step(self, x, y):
        """Per time step, the cell's forward pass with the JVP along the state tangent s̃, the VJP of the random
        signs ν for each example's parameters, and the rescaled rank-one update of s̃ and θ̃; not the readout,
        the gradient estimate ((d loss / d state) · s̃) θ̃ or the optimiser's step.

        The step is ~1.1x this floor, but ~3.2-3.3x ``bptt``'s step on the adding problem (the issue's target
        is 2.5x).  Per time step of the 16-unit LSTM at batch 32 (thread CPU time, one thread):
        the dual forward ~100 µs (every operand is dual, see ``propagate``), the per-example forward and its
        VJP ~210 µs (four batched products of one row per example, ~25 µs each, where bptt's are single
        matrix products), flattening the VJP ~35 µs and the rescaling's norms and products the rest of
        ~0.65 ms, against ~0.2 ms for a step of bptt's forward and backward.  One forward could serve both the
        JVP and the VJP (the per-example one, dual), but its state differs from the batched forward's in the
        last bit (up to 3e-7), which would change every score; so the two forwards stay."""
        self.run_on_batch(lambda x, y, carried: self.propagate(x, carried), x, y)

    def state_dict(self) -> dict:
        return {**super().state_dict(), "generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.generator.set_state(state["generator"])
