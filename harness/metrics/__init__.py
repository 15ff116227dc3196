"""Metrics, each computed from a finished run's trajectory and final learner (never by the plugin).

``curve`` (final score, AULC, presentations to target), ``cost`` (per-step time, FLOPs, memory, from the
``instruments``), ``fidelity`` (cosine of the rule's update direction, and of the applied update, with backprop's gradient) and ``robustness`` (certified
and attack bounds on the smallest perturbation that changes a prediction).
"""
