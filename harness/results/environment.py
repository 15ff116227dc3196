"""What a run was computed with: versions, device, machine, git commit, numerics (pinned or native, and the
kernels in use)."""

from __future__ import annotations

import functools
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from harness.errors import HarnessError

TRACKED_PACKAGES = ("torch", "numpy", "scikit-learn", "mlxtend", "mnist1d")


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    """The commit of the checkout the harness runs from, when it runs from one."""
    source = Path(__file__).resolve().parents[2]
    try:
        result = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


@functools.cache
def static_facts() -> dict:
    """What stays the same while this process lives (package versions, Python, platform, the checkout's
    commit), asked once: the local executor's fork server asks before it forks workers."""
    return {
        "packages": {name: _package_version(name) for name in TRACKED_PACKAGES},
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git_commit": _git_commit(),
    }


def describe(device: str, plugin_version: str, threads: int | None = None, numerics: str | None = None) -> dict:
    """The environment of a run; ``numerics`` (the run's setting) adds what this process computes with, so
    describe a run in the process that computed it."""
    from harness import __version__
    from harness.execution import numerics as numerics_paths

    facts = static_facts()
    return {
        "creditbench": __version__,
        "plugin": plugin_version,
        "packages": dict(facts["packages"]),
        "python": facts["python"],
        "platform": facts["platform"],
        "device": device,
        "device_name": _device_name(device),
        "threads": threads,
        "git_commit": facts["git_commit"],
        "numerics": numerics_paths.describe(numerics) if numerics else None,
    }


def _device_name(device: str) -> str:
    if device.startswith("cuda"):
        import torch

        return torch.cuda.get_device_name(device)
    return platform.processor() or platform.machine()


def resolve_device(name: str) -> str:
    """The device a run uses: ``auto`` is CUDA when present, else the CPU; a device that is not here is an error."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(name)
    except RuntimeError:
        raise HarnessError(f"unknown device {name!r} (known: auto, cpu, cuda, cuda:N)") from None
    if device.type == "cpu":
        return name
    if device.type != "cuda":
        raise HarnessError(f"device {name!r} is not supported (known: auto, cpu, cuda, cuda:N)")
    if not torch.cuda.is_available():
        raise HarnessError(f"device {name!r}: CUDA is not available here (torch {torch.__version__})")
    if device.index is not None and device.index >= torch.cuda.device_count():
        raise HarnessError(f"device {name!r}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    return name
