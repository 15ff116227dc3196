"""The local executor: many RunSpecs, each in its own worker process on this machine, a few at a time.

Workers come from a fork server that has already imported torch, so a run
starts in milliseconds, not seconds; they share one folder, where the first run of a task leaves what the
others would compute alike (``harness.shared_cache``).  Each run gets its spec's time limit (the
process is killed when it passes it, and the run recorded as failed) and a memory limit (enforced inside the
worker).  Whatever happens to a worker (an exception, a hang, a crash, an
out-of-memory kill), the coordinating process records one failed run with the
reason and goes on.  Results are handed to ``on_result`` one at a time, in the
coordinating process, which alone writes the store.

The fork server and the workers start with the run's numerics variables in
their environment (``harness.execution.numerics``), since torch, MKL and
OpenBLAS read them once, in the fork server.  Runs of one numerics setting run
together; before the next setting's runs the fork server is restarted, so a
process can mix settings and each run gets its own.  A list of runs is grouped so (and refused whole when
one setting conflicts with the environment); a lazy iterable of runs is taken in its order, the workers
draining before a run that needs another fork server.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os
import shutil
import signal
import sys
import tempfile
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import wait

from harness.execution import numerics, worker
from harness.execution.protocol import DEFAULT_MEMORY_LIMIT, failed_result, timed_out
from harness.results.store import FAILURE_LOG_CHARS
from harness.training.spec import RunSpec
from harness.tuning import pruning

KILL_GRACE_SECONDS = 5

_forkserver_started_under: tuple | None = None  # (numerics setting, environment, preload) of the running fork server


@dataclass(frozen=True)
class _Group:
    """What a run needs of the fork server it forks from: runs of one group share one fork server."""

    setting: str  # the numerics setting (harness.execution.numerics)
    cpu_only: bool
    trial: bool  # it reports to an Optuna trial as it trains

    @classmethod
    def of(cls, spec: RunSpec) -> _Group:
        return cls(spec.numerics, spec.device.startswith("cpu"), bool(spec.trial))


@dataclass
class _Running:
    spec: RunSpec
    process: multiprocessing.Process
    connection: object
    deadline: float
    log_path: str
    started: float  # after the process started: the time limit counts from here
    dispatched: float  # before: worker_start counts from here, so it includes starting the fork server


# Imported by the fork server before it forks workers (torch.optim imports torch._dynamo on first use, 2 s per run
# unless the fork server has it already; the robustness metric imports foolbox, 0.5 s; the unsupervised rules'
# linear probe scikit-learn's linear models, 1,100 modules).
PRELOAD = [
    "harness.execution.fork_server",  # first: SIGINT ignored in the workers from the fork on (its docstring)
    "torch",
    "torch._dynamo",
    "foolbox",
    "sklearn.linear_model",
    "harness.training.loop",
    "harness.execution.worker",
]
PLUGIN_PRELOAD = "harness.execution.preload"  # the plugins and the entry script; CPU suites only (its docstring)


def _context(setting: str, cpu_only: bool, trials: bool = False):
    """A process context whose new processes start with ``setting``'s numerics and the current environment.

    Workers fork from the fork server, so they inherit the environment it started in, not the coordinator's
    current one: when either has changed since (another numerics setting, an allow-list of plugins set by the
    caller), or what it preloads, the server is restarted.
    """
    global _forkserver_started_under
    if "forkserver" in multiprocessing.get_all_start_methods():
        preload = [*PRELOAD, PLUGIN_PRELOAD] if cpu_only else list(PRELOAD)
        if trials:  # tuning runs report to their trials through Optuna's storage
            preload.extend(pruning.WORKER_IMPORTS)
        wanted = (setting, tuple(sorted(os.environ.items())), tuple(preload))
        if _forkserver_started_under not in (None, wanted):  # no worker is running: the previous ones have ended
            multiprocessing.forkserver._forkserver._stop()  # the next start launches a new one in the new environment
        _forkserver_started_under = wanted
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(preload)
        return context
    return multiprocessing.get_context("spawn")


def _log_end(path: str, size: int = FAILURE_LOG_CHARS) -> str:
    """The last ``size`` bytes of a worker's log (its stdout and stderr), as text."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - size))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1][:200] if lines else ""


class LocalExecutor:
    """The default executor: a pool of worker processes on this machine."""

    def __init__(
        self,
        jobs: int = 1,
        threads: int = 1,
        memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    ):
        self.jobs = max(1, jobs)
        # One thread per run by default: the reference MLPs are too small to gain from more, a run's numbers
        # and wall time then do not depend on the machine's core count, and parallel runs do not oversubscribe.
        self.threads = max(1, threads)
        self.memory_limit = memory_limit
        # One shared folder for every run() of this executor: `creditbench tune` calls run() once per study, and
        # each call would otherwise generate its task's data again (MNIST-1D: seconds per study).
        self._shared_folder: str | None = None

    def shared_folder(self, setting: str) -> str:
        """The folder this executor's workers of numerics ``setting`` share values through (one per setting: the
        robustness reference model is trained under it); all are removed when the executor is collected."""
        if self._shared_folder is None:
            self._shared_folder = tempfile.mkdtemp(prefix="creditbench-shared-")
            weakref.finalize(self, shutil.rmtree, self._shared_folder, True)
        folder = os.path.join(self._shared_folder, setting)
        os.makedirs(folder, exist_ok=True)
        return folder

    def run(self, specs: Iterable[RunSpec], on_result: Callable[[RunSpec, dict], None]) -> None:
        if isinstance(specs, list):  # a list's conflicting environment is refused before any of its runs starts
            for setting in dict.fromkeys(spec.numerics for spec in specs):
                numerics.check_environment(setting)
            first = {group: rank for rank, group in enumerate(dict.fromkeys(map(_Group.of, specs)))}
            specs = sorted(specs, key=lambda spec: first[_Group.of(spec)])  # runs of one fork server together
        pending = iter(specs)
        held: RunSpec | None = None  # the next run, when it needs another fork server than the running ones
        group: _Group | None = None
        context = None
        running: list[_Running] = []
        log_dir = tempfile.mkdtemp(prefix="creditbench-logs-")  # every run's log until the call ends (tune: a study)
        try:
            while True:
                while len(running) < self.jobs:
                    spec = held or next(pending, None)
                    held = None
                    if spec is None:
                        break
                    if _Group.of(spec) != group:
                        if running:  # the fork server restarts only once its workers have ended
                            held = spec
                            break
                        numerics.check_environment(spec.numerics)
                        group = _Group.of(spec)
                        context = _context(group.setting, group.cpu_only, group.trial)
                    running.append(self._start(context, spec, log_dir, self.shared_folder(group.setting)))
                if not running:
                    return
                nearest = min(job.deadline for job in running)
                wait(
                    [job.connection for job in running] + [job.process.sentinel for job in running],
                    timeout=max(0.0, nearest - time.monotonic()),
                )
                for job in list(running):
                    result = self._poll(job)
                    if result is not None:
                        running.remove(job)
                        on_result(job.spec, result)
        finally:
            for job in running:
                self._kill(job)
            shutil.rmtree(log_dir, ignore_errors=True)

    def _start(self, context, spec: RunSpec, log_dir: str, shared_folder: str) -> _Running:
        dispatched = time.monotonic()
        receiver, sender = context.Pipe(duplex=False)
        log_path = os.path.join(log_dir, f"{len(os.listdir(log_dir))}.log")
        process = context.Process(
            target=worker.main,
            args=(spec.fields(), sender, log_path, shared_folder, self.memory_limit, self.threads, list(sys.path)),
            daemon=True,
        )
        with numerics.applied(spec.numerics):  # the fork server, when this starts it, or a spawned process
            process.start()
        sender.close()
        started = time.monotonic()
        return _Running(spec, process, receiver, started + spec.time_limit, log_path, started, dispatched)

    def _poll(self, job: _Running) -> dict | None:
        """The run's result if it has one (finished, failed, died or timed out), else None; a failed run's carries
        the end of what the plugin printed (``output``)."""
        result = self._outcome(job)
        if result is not None and result["status"] == "failed":
            result["output"] = _log_end(job.log_path)
        return result

    def _outcome(self, job: _Running) -> dict | None:
        if job.connection.poll():
            try:
                result = job.connection.recv()
            except (EOFError, OSError):
                result = None
            if result is not None:
                _record_transfer(result, job.dispatched, time.monotonic())
                job.process.join(KILL_GRACE_SECONDS)
                self._kill(job)
                return result
        if not job.process.is_alive():
            job.process.join()
            code = job.process.exitcode
            cause = f"signal {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
            tail = _last_line(_log_end(job.log_path, 2000))
            reason = f"worker died ({cause})" + (f": {tail}" if tail else "")
            return failed_result(reason, job.started)
        if time.monotonic() > job.deadline:
            self._kill(job)
            return timed_out(job.spec.time_limit, job.started)
        return None

    @staticmethod
    def _kill(job: _Running) -> None:
        if job.process.is_alive():
            job.process.kill()
            job.process.join(KILL_GRACE_SECONDS)
        job.connection.close()


def _record_transfer(result: dict, dispatched: float, received: float) -> None:
    """Add the phases only the coordinator sees (starting the worker, sending the result back) to a finished run."""
    clock = result.pop("clock", None)
    phases = result.get("metrics", {}).get("phase_seconds")
    if clock and phases is not None:
        phases["worker_start"] = clock["entered"] - dispatched
        phases["return"] = received - clock["sending"]


def run_isolated(specs: list[RunSpec], threads: int, memory_limit: int | None) -> list[dict]:
    """Run specs one after another, each in an isolated worker process on this machine; their result dicts."""
    results = {}
    LocalExecutor(jobs=1, threads=threads, memory_limit=memory_limit).run(
        specs, lambda spec, result: results.__setitem__(id(spec), result)
    )
    return [results[id(spec)] for spec in specs]
