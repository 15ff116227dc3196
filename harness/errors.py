"""Errors the CLI turns into one line on stderr and exit code 2."""


class HarnessError(Exception):
    """Bad input from the user: an unknown name, a malformed config, an unusable store."""
