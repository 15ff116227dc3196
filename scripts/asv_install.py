"""asv's install and uninstall commands: creditbench and its first-party plugins from one checkout.

    python scripts/asv_install.py BUILD_DIR     # install the checkout at BUILD_DIR
    python scripts/asv_install.py --uninstall   # remove every creditbench distribution

The plugins are separate distributions whose set changes between commits, so
uninstalling removes all of them: a plugin that exists only in a later commit
must not be benchmarked as if it belonged to an earlier one.
"""

import subprocess
import sys
from importlib import metadata
from pathlib import Path


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args], check=True)


def install(build_dir: Path) -> None:
    plugins = sorted(str(p) for p in (build_dir / "plugins").iterdir() if (p / "pyproject.toml").exists())
    pip("install", "--quiet", str(build_dir), *plugins)


def uninstall() -> None:
    names = sorted(
        {d.metadata["Name"] for d in metadata.distributions() if d.metadata["Name"].startswith("creditbench")}
    )
    if names:
        pip("uninstall", "--yes", "--quiet", *names)


if __name__ == "__main__":
    if sys.argv[1:] == ["--uninstall"]:
        uninstall()
    elif len(sys.argv) == 2:
        install(Path(sys.argv[1]))
    else:
        sys.exit(__doc__)
