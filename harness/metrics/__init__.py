"""Metrics, each computed from a finished run's trajectory and final learner (never by the plugin).

The built-in metrics (``harness.builtin.METRICS``), by module: ``curve`` (``score``, ``aulc``,
``presentations_to_target``: final score, area under the score curve, presentations to each target), ``cost``
(``step_cost``: per-step time, FLOPs, memory, from the ``instruments``), ``fidelity`` (``gradient_fidelity``:
cosine of the rule's update direction, and of the applied update, with backprop's gradient), ``robustness``
(``robustness``: certified and attack bounds on the smallest perturbation that changes a prediction) and
``probe_control`` (``probe_control``: for rules read out by the harness's probe, the same probe on the untrained
network and on random ReLU features, and the rule's gain over the stronger of the two).
"""
