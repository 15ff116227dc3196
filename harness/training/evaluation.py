"""Evaluation: when a run is evaluated, and how a learner is scored on the validation and test splits.

Evaluations happen at log-spaced numbers of presentations that depend only on the budget, at the first
step boundary at or past each point, and at the end.
"""

from __future__ import annotations

from harness.errors import RunFailed

FIRST_EVALUATION = 100
EVALUATIONS = 16
EVAL_CHUNK = 1024


def linear_probe():
    """The readout of unsupervised learners: logistic regression (L-BFGS) fitted to convergence on their features.
    Warm-started when refitted, so each evaluation starts from the previous one's fit."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=500, warm_start=True)


def evaluation_points(presentations: int) -> list[int]:
    """0, then log-spaced points from FIRST_EVALUATION up to the budget (which is included)."""
    if presentations <= FIRST_EVALUATION:
        return [0, presentations]
    ratio = (presentations / FIRST_EVALUATION) ** (1 / (EVALUATIONS - 1))
    points = {round(FIRST_EVALUATION * ratio**k) for k in range(EVALUATIONS)}
    return sorted({0, *points, presentations})


class Evaluator:
    """Score and loss of a learner on the validation and test splits (``splits``: a lean run's validation only).

    The score is accuracy for classification tasks and, for regression, the
    skill ``1 - MSE / MSE(baseline)`` (see ``harness.contract.Task``).
    Unsupervised learners are read out by a logistic-regression probe on their
    features, fitted on the training split once per evaluation and warm-started
    from the previous evaluation's fit (the features change gradually).
    """

    def __init__(self, task, algorithm, data: dict, loss, splits=("val", "test")):
        self.task = task
        self.algorithm = algorithm
        self.data = data
        self.loss = loss
        self.splits = tuple(splits)
        self.probe = None
        self.baseline_loss: dict = {}

    def predictions(self, learner) -> dict:
        """Class scores or regression predictions, per split."""
        import torch

        splits = {split: self.data[f"x_{split}"] for split in self.splits}
        if not self.algorithm.supervised:
            return self._probe_scores(learner, splits)
        with torch.no_grad():
            return {
                split: torch.cat([learner.predict(x[i : i + EVAL_CHUNK]) for i in range(0, len(x), EVAL_CHUNK)])
                for split, x in splits.items()
            }

    def _probe_scores(self, learner, splits: dict) -> dict:
        import torch

        if self.probe is None:
            self.probe = linear_probe()
        with torch.no_grad():
            train_features = learner.features(self.data["x_train"]).cpu().numpy()
            self.probe.fit(train_features, self.data["y_train"].cpu().numpy())
            # log-probabilities, not decision_function, which gives one column for two classes; same cross-entropy
            return {
                split: torch.as_tensor(
                    self.probe.predict_log_proba(learner.features(x).cpu().numpy()), dtype=torch.float32
                )
                for split, x in splits.items()
            }

    def _baseline_loss(self, split: str) -> float:
        """The regression baseline's squared error on a split (computed once)."""
        import torch

        if split not in self.baseline_loss:
            targets = self.data[f"y_{split}"]
            with torch.no_grad():
                if self.task.baseline is not None:
                    guess = torch.as_tensor(self.task.baseline(self.data[f"x_{split}"])).to(targets)
                else:
                    guess = self.data["y_train"].mean(0).expand_as(targets)
                self.baseline_loss[split] = float(self.loss(guess, targets))
            if self.baseline_loss[split] == 0:
                raise RunFailed(
                    f"task {self.task.name}'s baseline is exact on the {split} split, so skill is undefined"
                )
        return self.baseline_loss[split]

    def __call__(self, learner, presentations: int) -> dict:
        import torch

        point = {"presentations": presentations}
        classification = self.task.objective == "classification"
        for split, predictions in self.predictions(learner).items():
            targets = self.data[f"y_{split}"].to(predictions.device)
            expected = (len(targets), self.task.n_classes) if classification else tuple(targets.shape)
            if tuple(predictions.shape) != expected:
                raise RunFailed(f"predict returned shape {tuple(predictions.shape)}, expected {expected}")
            if not torch.isfinite(predictions).all():
                raise RunFailed(f"non-finite predictions at {presentations} presentations (diverged)")
            loss = float(self.loss(predictions, targets))
            if classification:
                point[f"{split}_accuracy"] = point[f"{split}_score"] = float(
                    (predictions.argmax(1) == targets).float().mean()
                )
            else:
                point[f"{split}_score"] = 1.0 - loss / self._baseline_loss(split)
            point[f"{split}_loss"] = loss
        return point
