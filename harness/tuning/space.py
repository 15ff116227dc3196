"""Search spaces: the one form every rule declares (``Algorithm.search_space``), checked and turned into Optuna's.

A search space maps a setting (a key of ``Algorithm.defaults``, or ``batch_size``) to one of

* ``("log-uniform", low, high)``: a positive number (a rate may be set to 0, never drawn), uniform in its
  logarithm (learning rates, widths, β);
* ``("uniform", low, high)``: a number, uniform;
* ``("int", low, high)`` and ``("log-int", low, high)``: an integer in [low, high], uniform or log-uniform;
* ``("choice", [value, ...])``: one of the values; a value may be a list (EP's per-layer learning rates).

A setting a rule does not tune is declared fixed (``Algorithm.fixed``: setting -> why), so that a default
nobody searched over cannot pass unnoticed (the conformance kit's ``check_search_space``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

RANGES = ("log-uniform", "uniform", "int", "log-int")
FORMS = (*RANGES, "choice")
TUNABLE_HARNESS_SETTINGS = ("batch_size",)  # read by the harness itself, tunable like a rule's own setting


def _primitive(value) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def entry_problem(name: str, entry) -> str | None:
    """Why ``entry`` is not a search-space entry in the one form, or None."""
    if not isinstance(entry, (tuple, list)) or not entry or entry[0] not in FORMS:
        return f"search space entry {name!r} is not one of ({', '.join(FORMS)}, ...): {entry!r}"
    form = entry[0]
    if form == "choice":
        if len(entry) != 2 or not isinstance(entry[1], (tuple, list)) or not entry[1]:
            return f"search space entry {name!r}: ('choice', [values]) needs a non-empty list of values"
        try:
            json.dumps(list(entry[1]))
        except (TypeError, ValueError):
            return f"search space entry {name!r}: choices must be JSON values"
        return None
    if len(entry) != 3 or not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in entry[1:]):
        return f"search space entry {name!r}: ({form!r}, low, high) needs two numbers"
    low, high = entry[1], entry[2]
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        return f"search space entry {name!r}: needs finite low < high, got {low!r}, {high!r}"
    if form.startswith("log") and low <= 0:
        return f"search space entry {name!r}: a {form} range needs low > 0, got {low!r}"
    if form.endswith("int") and not (float(low).is_integer() and float(high).is_integer()):
        return f"search space entry {name!r}: an {form} range needs integer bounds"
    return None


def value_problem(entry, value, key: str = "") -> str | None:
    """Why ``value`` is outside what the entry declares the setting ``key`` to be (a log range's positive number,
    an int range's integer), or None.  Where tuning looks is narrower than that: see ``outside``.  A rate (a key
    ending in ``lr`` or ``rate``) may also be 0, which a log range cannot hold: a rate of 0 freezes what it moves
    (the claims' negative controls); any other log-range setting at 0 (EP's β, ES's σ) would divide by zero."""
    if entry is None or entry[0] == "choice" or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    rate = key.endswith(("lr", "rate"))
    if entry[0].startswith("log") and (value < 0 if rate else value <= 0):
        lowest = "a number at or above 0" if rate else "a positive number"
        return f"expected {lowest} (its search space is {entry[0]})"
    if entry[0].endswith("int") and not float(value).is_integer():
        return f"expected an integer (its search space is {entry[0]})"
    return None


def outside(entry, value) -> str | None:
    """Where ``value`` lies outside the entry's range or choices, in words, or None (inside, or no entry)."""
    if entry is None:
        return None
    if entry[0] == "choice":
        return (
            None if value in list(entry[1]) else f"not one of the choices tuning tries ({json.dumps(list(entry[1]))})"
        )
    if isinstance(value, bool) or not isinstance(value, (int, float)) or entry[1] <= value <= entry[2]:
        return None
    return f"outside the range tuning searches ({entry[0]} {entry[1]:g} to {entry[2]:g})"


def space_problems(algorithm) -> list[str]:
    """Everything wrong with the form of an algorithm's search space, as sentences (empty if nothing)."""
    settings = set(algorithm.defaults) | set(TUNABLE_HARNESS_SETTINGS)
    problems = [p for name, entry in algorithm.search_space.items() if (p := entry_problem(name, entry))]
    return problems + [
        f"search space entry {name!r} is not a setting of {algorithm.name}"
        for name in algorithm.search_space
        if name not in settings
    ]


def coverage_problems(algorithm) -> list[str]:
    """Defaults that are neither searched nor declared fixed, and settings both searched and declared fixed.

    ``batch_size`` is the harness's setting: unless a rule searches it, every rule keeps its default alike.
    """
    searched, fixed = set(algorithm.search_space), set(algorithm.fixed)
    problems = [
        f"default {name!r} is neither in the search space nor declared fixed (Algorithm.fixed)"
        for name in algorithm.defaults
        if name not in searched | fixed | set(TUNABLE_HARNESS_SETTINGS)
    ]
    return problems + [f"{name!r} is both searched and declared fixed" for name in sorted(searched & fixed)]


def suggest(trial, space: Mapping[str, Any]) -> dict:
    """Ask ``trial`` (an ``optuna.Trial``) for one value of every setting in ``space``."""
    return decode(space, {name: _suggest_one(trial, name, entry) for name, entry in space.items()})


def _suggest_one(trial, name: str, entry):
    form = entry[0]
    if form == "choice":
        return trial.suggest_categorical(name, _categories(entry[1]))
    low, high = entry[1], entry[2]
    if form.endswith("int"):
        return trial.suggest_int(name, int(low), int(high), log=form == "log-int")
    return trial.suggest_float(name, float(low), float(high), log=form == "log-uniform")


def _categories(values) -> list:
    """Optuna's categories: the values themselves when all are primitive, else their JSON text."""
    values = list(values)
    return values if all(map(_primitive, values)) else [json.dumps(v) for v in values]


def decode(space: Mapping[str, Any], params: Mapping[str, Any]) -> dict:
    """A config from a trial's parameters (``trial.params``): JSON text of non-primitive choices parsed back."""
    config = {}
    for name, value in params.items():
        entry = space.get(name)
        encoded = entry is not None and entry[0] == "choice" and not all(map(_primitive, entry[1]))
        config[name] = json.loads(value) if encoded else value
    return config
