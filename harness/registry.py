"""Discovering plugins through entry points and collecting what they register.

Entry points are loaded one at a time (pluggy's ``load_setuptools_entrypoints``
stops at the first failure), so a broken plugin costs only itself: it gets one
warning naming it and the problem, and everything else loads.

``CREDITBENCH_PLUGINS`` (comma-separated entry-point names) allow-lists plugins
for reproducible runs; when it is set, other installed plugins are ignored.
"""

from __future__ import annotations

import functools
import os
import warnings
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points

import pluggy

from harness import hookspecs
from harness.contract import OBJECTIVES, TASK_KINDS, Algorithm, Metric, Task
from harness.errors import HarnessError, PluginWarning, unknown_name
from harness.tuning.space import space_problems

ENTRY_POINT_GROUP = "creditbench"
ALLOW_LIST_VARIABLE = "CREDITBENCH_PLUGINS"


@dataclass
class Registry:
    algorithms: dict[str, Algorithm] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)  # algorithm or task name -> "dist==version"
    manager: pluggy.PluginManager | None = None

    def algorithm(self, name: str) -> Algorithm:
        return _lookup(self.algorithms, name, "algorithm")

    def task(self, name: str) -> Task:
        return _lookup(self.tasks, name, "task")

    def published(self) -> dict[tuple[str, str], tuple[float, str]]:
        """(task, algorithm) -> (accuracy, source) for every figure an algorithm cites from its paper."""
        return {(task, a.name): figure for a in self.algorithms.values() for task, figure in a.published.items()}


def _lookup(table: dict, name: str, what: str):
    try:
        return table[name]
    except KeyError:
        raise HarnessError(unknown_name(what, name, table)) from None


def algorithm_problem(algorithm: Algorithm) -> str | None:
    for attribute in ("name", "family", "citation"):
        if not getattr(algorithm, attribute):
            return f"algorithm has no {attribute}"
    if not callable(algorithm.build):
        return f"algorithm {algorithm.name!r} has no build()"
    if algorithm.plausibility is None:
        return f"algorithm {algorithm.name!r} declares no plausibility profile"
    unknown = set(algorithm.task_kinds) - set(TASK_KINDS)
    if not algorithm.task_kinds or unknown:
        return f"algorithm {algorithm.name!r} has bad task kinds {sorted(unknown) or '[]'}"
    problems = space_problems(algorithm)
    return f"algorithm {algorithm.name!r}: {problems[0]}" if problems else None


def task_problem(task: Task) -> str | None:
    if task.kind not in TASK_KINDS:
        return f"task {task.name!r} has unknown kind {task.kind!r}"
    if task.objective not in OBJECTIVES:
        return f"task {task.name!r} has unknown objective {task.objective!r}"
    if (task.objective == "classification") != (task.n_classes > 0):
        return f"task {task.name!r}: a classification task needs n_classes > 0, a regression task n_classes = 0"
    if task.budget.presentations <= 0 or task.quick_budget.presentations <= 0:
        return f"task {task.name!r} has no budget"
    if task.ladder_only and task.ladder is None:
        return f"task {task.name!r} is ladder_only but on no ladder"
    return None


def _check_contract(plugin) -> str | None:
    declared = getattr(plugin, "CREDITBENCH_CONTRACT", None)
    if declared is None:
        return "declares no CREDITBENCH_CONTRACT version"
    if declared != hookspecs.CONTRACT_VERSION:
        return f"implements contract {declared}, this harness speaks {hookspecs.CONTRACT_VERSION}"
    return None


def selected_entry_points() -> list[EntryPoint]:
    found = list(entry_points(group=ENTRY_POINT_GROUP))
    allowed = os.environ.get(ALLOW_LIST_VARIABLE)
    if allowed is None:
        return found
    names = {name.strip() for name in allowed.split(",") if name.strip()}
    missing = names - {ep.name for ep in found}
    if missing:
        warnings.warn(
            f"{ALLOW_LIST_VARIABLE} names plugins that are not installed: {', '.join(sorted(missing))}",
            PluginWarning,
            stacklevel=2,
        )
    return [ep for ep in found if ep.name in names]


def _dist_version(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return f"{dist.metadata['Name']}=={dist.version}" if dist is not None else ep.value


def build_registry(entry_points_to_load: list[EntryPoint] | None = None) -> Registry:
    """Load the built-in plugin and every selected entry point; collect registrations."""
    from harness import __version__, builtin

    manager = pluggy.PluginManager("creditbench")
    manager.add_hookspecs(hookspecs)
    registry = Registry(manager=manager)
    sources = [("creditbench", builtin, f"creditbench=={__version__}")]
    for ep in selected_entry_points() if entry_points_to_load is None else entry_points_to_load:
        try:
            plugin = ep.load()
        except Exception as error:  # a broken plugin must not take the others down
            _warn(ep.name, f"failed to import: {type(error).__name__}: {error}")
            continue
        problem = _check_contract(plugin)
        if problem:
            _warn(ep.name, problem)
            continue
        sources.append((ep.name, plugin, _dist_version(ep)))

    for plugin_name, plugin, version in sources:
        try:
            manager.register(plugin, name=plugin_name)
        except Exception as error:
            _warn(plugin_name, f"rejected by the plugin manager: {error}")
            continue
        _collect(registry, manager, plugin_name, plugin, version)
    return registry


def _collect(registry: Registry, manager, plugin_name: str, plugin, version: str) -> None:
    """Call this one plugin's registration hooks, validating what it registers."""
    tables = (
        ("register_algorithms", registry.algorithms, algorithm_problem, Algorithm),
        ("register_tasks", registry.tasks, task_problem, Task),
        ("register_metrics", registry.metrics, lambda metric: None, Metric),
    )
    for hook_name, table, find_problem, kind in tables:
        received = []
        caller = manager.subset_hook_caller(
            hook_name, remove_plugins=[other for other in manager.get_plugins() if other is not plugin]
        )
        try:
            caller(register=received.append)
        except Exception as error:
            _warn(plugin_name, f"{hook_name} raised {type(error).__name__}: {error}")
            continue
        for item in received:
            problem = None if isinstance(item, kind) else f"registered a {type(item).__name__}, not a {kind.__name__}"
            problem = problem or find_problem(item)
            if not problem and item.name in table:
                problem = (
                    f"{kind.__name__.lower()} {item.name!r} is already registered by {registry.versions[item.name]}"
                )
            if problem:
                _warn(plugin_name, problem)
                continue
            table[item.name] = item
            registry.versions[item.name] = version


def _warn(plugin_name: str, problem: str) -> None:
    warnings.warn(f"creditbench plugin {plugin_name!r} skipped: {problem}", PluginWarning, stacklevel=3)


@functools.lru_cache(maxsize=1)
def registry() -> Registry:
    """The process-wide registry of installed plugins (loaded once)."""
    return build_registry()
