"""``pytest --benchmark``: the benchmark matrix as pytest items.

Registered through the ``pytest11`` entry point, so pytest loads this module in
every run of every project in the environment: it imports nothing heavy, and
without ``--benchmark`` it adds no items.  With it, each run of the suite
becomes an item with an id like ``digits::fa::seed0`` (so ``-k``, ``-x`` and
``--lf`` work), runs through the same runner, worker isolation and store as
``creditbench run`` (completed runs are reused), and asserts that the run is
sane: finished, finite, above chance, and at or above the floor its algorithm
declares for that task (``Algorithm.floors``).  The leaderboard is printed in
the terminal summary and written to a file.  Floors and the thresholds of
claims are chosen on ``--creditbench-suite selection`` (seeds from 1000) and
checked on the reported suites' seeds (0..n-1), so that no check is passed on
the seeds its threshold was tuned on.

Paper claims that compare algorithms on real tasks are ordinary tests marked
``@pytest.mark.creditbench_claim(rule=..., paper=..., claim=...)`` (``rule``: the
algorithm's name, or a list of them, whose report pages show the claim; ``claim``:
one line, what the paper says and our threshold); a bare or malformed marker is a
usage error naming the test.  They are skipped unless ``--benchmark`` is given, and
read results through the ``creditbench_results`` fixture, which runs whatever the
store lacks through the same executor.  Under ``--benchmark`` every collected claim
is registered in the store of ``--claims-db`` (by default the ``--creditbench-db``
store) and its outcome (passed, failed, or skipped; a failed setup counts as
failed), with when and the code version, replaces the one before::

    @pytest.mark.creditbench_claim(
        rule="sign-symmetry", paper="Liao, Leibo & Poggio 2016", claim="sign-symmetry above fa on mnist5k"
    )
    def test_sign_symmetry_beats_fa(creditbench_results):
        ss = creditbench_results.entry("mnist5k", "sign-symmetry")
        fa = creditbench_results.entry("mnist5k", "fa")
        assert ss["test_accuracy_mean"] > fa["test_accuracy_mean"]
"""

from __future__ import annotations

import math

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("creditbench")
    group.addoption("--benchmark", action="store_true", help="collect and run the creditbench benchmark matrix")
    group.addoption("--creditbench-suite", default="quick", help="suite to collect (default: quick)")
    group.addoption("--creditbench-db", default="creditbench.sqlite", help="result store (default: creditbench.sqlite)")
    group.addoption(
        "--creditbench-leaderboard",
        default="creditbench-leaderboard.md",
        help="where to write the leaderboard (default: creditbench-leaderboard.md)",
    )
    group.addoption(
        "--creditbench-data-dir",
        help="folder of the datasets read from disk, the scale suite's (as creditbench run --data-dir)",
    )
    group.addoption(
        "--creditbench-native-numerics",
        action="store_true",
        help="leave the CPU's numerical code paths unpinned (as creditbench run --native-numerics)",
    )
    group.addoption(
        "--claims-db",
        help="store in which --benchmark records the paper claims' outcomes (default: the --creditbench-db store)",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "creditbench_claim(rule, paper, claim): a paper claim checked on benchmark runs (needs --benchmark)",
    )


CLAIM_KEYWORDS = ("rule", "paper", "claim")


def claim_of(item) -> dict | None:
    """The paper claim an item's ``creditbench_claim`` marker declares (None without one); a malformed marker is a
    ``pytest.UsageError`` naming the test."""
    marker = item.get_closest_marker("creditbench_claim")
    if marker is None:
        return None
    usage = f"{item.nodeid}: @pytest.mark.creditbench_claim needs rule=NAME (or a list of names), paper=TEXT, claim=ONE LINE"
    if marker.args or set(marker.kwargs) != set(CLAIM_KEYWORDS):
        raise pytest.UsageError(f"{usage}; got {len(marker.args)} positional and keywords {sorted(marker.kwargs)}")
    rules = marker.kwargs["rule"]
    rules = [rules] if isinstance(rules, str) else rules
    if not isinstance(rules, (list, tuple)) or not rules or not all(isinstance(r, str) and r for r in rules):
        raise pytest.UsageError(f"{usage}; rule is {marker.kwargs['rule']!r}")
    for keyword in ("paper", "claim"):
        text = marker.kwargs[keyword]
        if not isinstance(text, str) or not text.strip() or "\n" in text:
            raise pytest.UsageError(f"{usage}; {keyword} is {text!r}")
    return {"test": item.nodeid, "rules": list(rules), "paper": marker.kwargs["paper"], "claim": marker.kwargs["claim"]}


class SuiteResults:
    """Stored results of the collected suite, running (and storing) whatever is missing."""

    def __init__(self, store, suite_name: str, numerics: str):
        self.store = store
        self.suite = suite_name
        self.numerics = numerics

    def rows(self, specs) -> list[dict]:
        from harness.execution import matrix
        from harness.execution.local_executor import LocalExecutor
        from harness.registry import registry
        from harness.training.spec import run_key

        registry = registry()
        matrix.run_matrix(specs, self.store, LocalExecutor(jobs=1), registry)
        return self.store.runs(keys={run_key(registry, spec) for spec in specs})

    def runs(self, task: str, algorithm: str, config: dict | None = None) -> list[dict]:
        """The stored runs (one per seed, with their learning curves) of one algorithm on one task, with
        ``config`` overriding its settings; from the suite's complement when the suite leaves the pair out
        (the quick suite's slow pairs are the extended suite's, with the same budgets and seeds), and from the task's
        own suite when the suite does not run it (``Task.suite``: circling-ball is the toys suite's)."""
        import dataclasses

        from harness.execution import suites
        from harness.registry import registry

        plugins, chosen = registry(), suites.suite(self.suite)
        left_out = chosen.leaves_out(plugins.task(task), plugins.algorithm(algorithm))
        name = chosen.complement if left_out and chosen.complement else self.suite
        if not suites.suite(name).includes(plugins.task(task)):
            name = plugins.task(task).suite or name
        specs = suites.plan(plugins, name, tasks=[task], algorithms=[algorithm], overrides=config)
        return self.rows([dataclasses.replace(spec, numerics=self.numerics) for spec in specs])

    def entry(self, task: str, algorithm: str, config: dict | None = None) -> dict:
        """The leaderboard entry (seeds aggregated) of one algorithm on one task, with ``config`` overriding
        its settings (e.g. ``{"cell": "lstm"}`` for a baseline of another kind)."""
        from harness.registry import registry
        from harness.report.aggregate import aggregate

        return aggregate(self.runs(task, algorithm, config), registry())[0]


@pytest.fixture(scope="session")
def creditbench_results(request) -> SuiteResults:
    if _STATE not in request.config.stash:
        pytest.skip("needs --benchmark")
    return request.config.stash[_STATE].results


class BenchmarkItem(pytest.Item):
    def __init__(self, *, spec, **kwargs):
        super().__init__(**kwargs)
        self.spec = spec

    def runtest(self):
        from harness.registry import registry

        (row,) = self.config.stash[_STATE].results.rows([self.spec])
        assert_sane(row, registry().algorithm(self.spec.algorithm), registry().task(self.spec.task))

    def reportinfo(self):
        return self.path, None, self.name


def assert_sane(row: dict, algorithm, task) -> None:
    assert row["status"] == "finished", f"run failed: {row['reason']}"
    metrics = row["metrics"]
    numbers = [v for v in metrics.values() if isinstance(v, float)]
    assert all(math.isfinite(v) for v in numbers), "non-finite metric"
    score = metrics["test_score"]
    floor = algorithm.floors.get(task.name)
    if floor is None:
        assert score > task.chance, f"test {task.score_name} {score:.3f} is not above chance ({task.chance:.3f})"
    else:  # a declared floor replaces the chance check: it may sit below chance where a rule is expected to fail
        assert score >= floor, (
            f"test {task.score_name} {score:.3f} is below {algorithm.name}'s floor {floor} on {task.name}"
        )


class _State:
    def __init__(self, store, suite_name: str, numerics: str, claims_store):
        self.store = store
        self.results = SuiteResults(store, suite_name, numerics)
        self.claims_store = claims_store


_STATE = pytest.StashKey[_State]()


@pytest.hookimpl(tryfirst=True)  # before -k / -m deselect, so they apply to our items too
def pytest_collection_modifyitems(session, config, items):
    claims = [claim for claim in map(claim_of, items) if claim]
    if not config.getoption("benchmark"):
        skip = pytest.mark.skip(reason="a creditbench claim: run with --benchmark")
        for item in items:
            if item.get_closest_marker("creditbench_claim"):
                item.add_marker(skip)
        return
    import dataclasses

    from harness.errors import HarnessError
    from harness.execution import numerics, suites
    from harness.registry import registry
    from harness.results.store import Store
    from harness.tasks import data_folder

    if config.getoption("creditbench_data_dir"):
        data_folder.use(config.getoption("creditbench_data_dir"))
    suite_name = config.getoption("creditbench_suite")
    setting = numerics.NATIVE if config.getoption("creditbench_native_numerics") else numerics.PINNED
    numerics.check_environment(setting)
    plugins = registry()
    for claim in claims:
        unknown = [rule for rule in claim["rules"] if rule not in plugins.algorithms]
        if unknown:
            raise pytest.UsageError(
                f"{claim['test']}: creditbench_claim names {unknown}, which no installed plugin registers"
            )
    try:
        store = Store(config.getoption("creditbench_db"))
        claims_db = config.getoption("claims_db")
        claims_store = store if claims_db is None else Store(claims_db)
        claims_store.register_claims(claims)
    except HarnessError as error:  # a mistyped folder, a foreign or corrupt file: one line, not a traceback
        raise pytest.UsageError(str(error)) from None
    config.pluginmanager.register(ClaimRecorder(claims_store, {claim["test"] for claim in claims}))
    config.stash[_STATE] = _State(store, suite_name, setting, claims_store)
    for spec in suites.plan(plugins, suite_name):
        spec = dataclasses.replace(spec, numerics=setting)
        items.append(BenchmarkItem.from_parent(session, name=spec.label(), spec=spec))


class ClaimRecorder:
    """Registered as a plugin under ``--benchmark`` only: records each collected claim's outcome, that of its call,
    or of its setup when that failed or skipped."""

    def __init__(self, store, claims: set[str]):
        self.store = store
        self.claims = claims

    def pytest_runtest_logreport(self, report):
        if report.nodeid not in self.claims:
            return
        if report.when == "call" or (report.when == "setup" and not report.passed):
            import time

            from harness import __version__
            from harness.results.environment import static_facts

            commit = static_facts()["git_commit"]
            version = f"creditbench {__version__}" + (f" (commit {commit[:12]})" if commit else "")
            outcome = "failed" if report.failed else "skipped" if report.skipped else "passed"
            when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
            self.store.record_claim(report.nodeid, outcome, version, when)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not config.getoption("benchmark") or _STATE not in config.stash:
        return
    from pathlib import Path

    from harness.registry import registry
    from harness.report.aggregate import aggregate
    from harness.report.text import to_markdown

    store = config.stash[_STATE].store
    rows = store.runs(config.getoption("creditbench_suite"))
    text = to_markdown(aggregate(rows, registry()))
    path = Path(config.getoption("creditbench_leaderboard"))
    path.write_text(text + "\n", encoding="utf-8")
    terminalreporter.write_sep("=", "creditbench leaderboard")
    terminalreporter.write_line(text)
    terminalreporter.write_line(f"written to {path}")
    store.close()
    config.stash[_STATE].claims_store.close()
