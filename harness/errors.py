"""Every exception and warning class the harness raises, and how their messages are written."""

import difflib


class HarnessError(Exception):
    """Bad input from the user: an unknown name, a malformed config, an unusable store.

    The CLI turns it into one line on stderr and exit code 2.
    """


class RunFailed(Exception):
    """The learner broke the run (non-finite output, divergence); the reason names it."""


class PluginWarning(UserWarning):
    """A plugin could not be loaded or registered something invalid."""


class DatasetDriftWarning(UserWarning):
    """The arrays a task built differ from those its dataset card describes."""


def unknown_name(what: str, name: str, known) -> str:
    """ "unknown task 'mnist5'; did you mean 'mnist5k' or 'mnist1d'? (known: ...)", in one line."""
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    suggestion = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
    return f"unknown {what} {name!r}{suggestion} (known: {', '.join(sorted(known)) or 'none installed'})"


def first_line(error: BaseException, limit: int = 300) -> str:
    """``Type: message``, its first line, at most ``limit`` characters: how a failed run names its cause."""
    return f"{type(error).__name__}: {error}".strip().splitlines()[0][:limit]
