"""Every exception and warning class the harness raises, and how their messages are written."""

import difflib


class HarnessError(Exception):
    """Bad input from the user: an unknown name, a malformed config, an unusable store.

    The CLI turns it into one line on stderr and exit code 2.
    """


class DatasetFilesError(HarnessError):
    """A dataset read from the user's data folder cannot be used: one line naming the file and where it should be.

    ``absent`` is true when none of the dataset's files are there (nor a data folder given): a suite of such
    datasets leaves the task out; a missing, partial or mismatching file among present ones is an error.
    """

    def __init__(self, message: str, absent: bool = False):
        super().__init__(message)
        self.absent = absent


class MalformedFile(ValueError):
    """A data file that is not what its format says, e.g. a truncated one; the message reads after "the file is"."""


class RunFailed(Exception):
    """The learner broke the run (non-finite output, divergence); the reason names it."""


class PluginWarning(UserWarning):
    """A plugin could not be loaded or registered something invalid."""


class SettingWarning(UserWarning):
    """A ``--set`` value a rule accepts but its search space does not reach (say, a learning rate of 5)."""


class DatasetDriftWarning(UserWarning):
    """The arrays a task built differ from those its dataset card describes."""


class MissingDatasetWarning(UserWarning):
    """A suite left out a task whose dataset is not in the data folder."""


def unknown_name(what: str, name: str, known) -> str:
    """ "unknown task 'mnist5'; did you mean 'mnist5k' or 'mnist1d'? (known: ...)", in one line."""
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    suggestion = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
    return f"unknown {what} {name!r}{suggestion} (known: {', '.join(sorted(known)) or 'none installed'})"


def first_line(error: BaseException, limit: int = 300) -> str:
    """``Type: message``, its first line, at most ``limit`` characters: how a failed run names its cause."""
    return f"{type(error).__name__}: {error}".strip().splitlines()[0][:limit]
