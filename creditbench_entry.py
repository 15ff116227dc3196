"""The ``creditbench`` console script.

It lives outside the ``harness`` package because importing ``harness.cli`` (``harness/__init__`` and what the
command line needs, a tenth of a second or more on a busy machine) is what a Ctrl-C right after start-up
interrupts: caught here, it ends the command as a later interruption does, in one line with exit code 130,
not in a KeyboardInterrupt traceback.
"""

import sys

INTERRUPTED = (
    "creditbench: interrupted; completed runs are saved"  # harness.cli.INTERRUPTED; harness never imports this
)


def main():
    try:
        from harness.cli import main as command_line

        return command_line()
    except KeyboardInterrupt:  # raised while importing, or before the command line's own handling begins
        sys.stderr.write(INTERRUPTED + "\n")
        sys.exit(130)
