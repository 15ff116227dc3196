"""Tuning: every rule gets the same Optuna search, on validation scores of selection seeds (``creditbench tune``).

``space`` is the one form of a search space; ``study`` runs the studies through the executors and the store.
"""
