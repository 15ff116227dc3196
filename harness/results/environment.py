"""What a run was computed with: versions, device, machine, git commit."""

from __future__ import annotations

import functools
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

TRACKED_PACKAGES = ("torch", "numpy", "scikit-learn", "mlxtend", "mnist1d")


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


@functools.cache
def git_commit() -> str | None:
    """The commit of the checkout the harness runs from, when it runs from one."""
    source = Path(__file__).resolve().parents[2]
    try:
        result = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def describe(device: str, plugin_version: str, threads: int | None = None) -> dict:
    from harness import __version__

    return {
        "creditbench": __version__,
        "plugin": plugin_version,
        "packages": {name: _package_version(name) for name in TRACKED_PACKAGES},
        "python": platform.python_version(),
        "platform": platform.platform(),
        "device": device,
        "device_name": _device_name(device),
        "threads": threads,
        "git_commit": git_commit(),
    }


def _device_name(device: str) -> str:
    if device.startswith("cuda"):
        import torch

        return torch.cuda.get_device_name(device)
    return platform.processor() or platform.machine()


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
