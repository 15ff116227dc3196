"""Every exception and warning class the harness raises."""


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
