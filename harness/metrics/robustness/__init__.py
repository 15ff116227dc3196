"""Adversarial robustness bounds: ``certified`` lower bounds, ``attacks`` for upper bounds, the transfer
attack's ``reference`` model, and the ``metric`` that brackets a run's learner; ``keys`` names its values."""
