"""The built-in tasks, one module per family; each family's splits are fixed and checked against its dataset card.

* ``digits``: scikit-learn's 8×8 digits, 5,000 MNIST digits, MNIST-1D (classification, MLPs);
* ``adding``, ``assoc_retrieval``, ``moving_balls``, ``circling_ball``: sequence tasks (recurrent networks);
* ``influence_balancing``: a stream on which truncated BPTT fails;
* ``adaptive_trap``, ``quadratics``: tasks for optimisers (adaptive methods' trap, learned optimisers);
* ``few_shot``: 5-way 5-shot digits of held-out classes, with base classes for meta-learners (MAML, ANIL).

``splits`` holds the shared split helpers, ``cards`` the dataset cards.
"""
