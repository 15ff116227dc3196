"""The user's data folder: where the datasets creditbench does not ship are read from, and how their files are checked.

Nothing is downloaded.  The folder is ``creditbench run --data-dir DIR`` (``pytest --creditbench-data-dir``), else
the environment variable ``CREDITBENCH_DATA``; the flag wins.  The flag reaches the worker processes as that
variable: the CLI sets it in its own environment, which the local executor's workers and submitit's jobs
inherit (a Dask worker on another machine reads its own, since where the files live is a property of the
machine).  Where the files live is not part of a run's identity: a run's key names its task, whose card fixes
the files' checksums, so the same files anywhere make the same run, and other files are refused.

A dataset's card (``datasets/<name>.toml``) lists ``folders``, the places under the data folder where its files
are looked for, in order (the folder torchvision leaves, e.g. ``MNIST/raw``, then one named after the dataset),
and ``files``, the MD5 of each official file.  The dataset's folder is the first of them that holds any of its
files; each file may have several names (an IDX file gzipped or not), the first present is read.

A file is checked against its card when a process first reads it (one MD5 pass, a tenth of a second for MNIST's
55 MB) and remembered in that process by (path, size, modification time): the coordinator checks the files of every task it plans before any
run starts, so a missing, partial or foreign file is one line and exit code 2 with nothing run and nothing
stored; then the first worker of the suite that loads the task checks them again and shares the arrays with the
suite's other workers (``harness.shared_cache``).  A file that does not match its checksum is diagnosed by its
format (truncated, not gzip, …) or else called not the official file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import DatasetFilesError, MalformedFile
from harness.tasks import cards

VARIABLE = "CREDITBENCH_DATA"
NOTHING_DOWNLOADED = "nothing is downloaded"

_checked: set[tuple] = set()  # (path, size, mtime, md5) of the files this process found official


def use(path: str | os.PathLike) -> None:
    """Read datasets from ``path`` from now on, in this process and the workers it starts (``--data-dir``)."""
    os.environ[VARIABLE] = str(Path(path).expanduser().resolve())


@dataclass(frozen=True)
class OfficialFiles:
    """The files of one dataset in the data folder: each given by its names, parsed by ``parse(name, raw)``.

    ``parse`` raises ``MalformedFile`` for a file that is not what its format says.
    """

    dataset: str  # the card's name
    files: Sequence[Sequence[str]]  # per file, the names it may have, in order of preference
    parse: Callable[[str, bytes], Any]

    def check(self) -> None:
        """Raise ``DatasetFilesError`` (one line) unless every file is present and official."""
        for path in self._paths():
            if not self._known(path):
                self._verify(path, path.read_bytes())

    def read(self) -> list:
        """Each file, checked and parsed, in the order of ``files``."""
        values = []
        for path in self._paths():
            raw = path.read_bytes()
            if not self._known(path):
                self._verify(path, raw)
            try:
                values.append(self.parse(path.name, raw))
            except MalformedFile as problem:  # bytes its card vouches for, yet not what the format says
                raise DatasetFilesError(f"{self.dataset}: {path} is {problem}") from None
        return values

    def _md5(self, path: Path) -> str:
        return cards.card(self.dataset)["files"][path.name]

    def _known(self, path: Path) -> bool:
        return _key(path, self._md5(path)) in _checked

    def _verify(self, path: Path, raw: bytes) -> None:
        expected = self._md5(path)
        actual = hashlib.md5(raw, usedforsecurity=False).hexdigest()
        if actual != expected:
            try:
                self.parse(path.name, raw)
                problem = f"not the official file (MD5 {actual}, its card says {expected})"
            except MalformedFile as malformed:
                problem = str(malformed)
            raise DatasetFilesError(f"{self.dataset}: {path} is {problem}: put the official file there")
        _checked.add(_key(path, expected))

    def _paths(self) -> list[Path]:
        card = cards.card(self.dataset)
        root = _root(self.dataset, card["folders"])
        places = [root / folder for folder in card["folders"]]
        folder = next((p for p in places if any((p / name).is_file() for names in self.files for name in names)), None)
        if folder is None:
            wanted = ", ".join(names[0] for names in self.files)
            raise DatasetFilesError(
                f"{self.dataset}: none of its files is in {root}: put the official files ({wanted}) in "
                f"{' or '.join(map(str, places))}; {NOTHING_DOWNLOADED}",
                absent=True,
            )
        paths = []
        for names in self.files:
            found = next((folder / name for name in names if (folder / name).is_file()), None)
            if found is None:
                raise DatasetFilesError(
                    f"{self.dataset}: {' or '.join(names)} is missing from {folder}, which holds some of its files: "
                    f"put the official file there; {NOTHING_DOWNLOADED}"
                )
            paths.append(found)
        return paths


def _root(dataset: str, folders: Sequence[str]) -> Path:
    value = os.environ.get(VARIABLE)
    if not value:
        places = " or ".join(f"DIR/{folder}" for folder in folders)
        raise DatasetFilesError(
            f"{dataset}: no data folder (--data-dir DIR or {VARIABLE}=DIR, its files in {places}); {NOTHING_DOWNLOADED}",
            absent=True,
        )
    root = Path(value)
    if not root.is_dir():
        raise DatasetFilesError(f"{dataset}: the data folder {root} (--data-dir or {VARIABLE}) is not a folder")
    return root


def _key(path: Path, md5: str) -> tuple:
    status = path.stat()
    return (str(path.resolve()), status.st_size, status.st_mtime_ns, md5)
