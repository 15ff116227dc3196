"""Imported by the local executor's fork server first, and by nothing else: its workers ignore SIGINT from the fork on.

A Ctrl-C reaches the whole process group.  The coordinator handles it (it kills its workers and saves what
completed), and a worker ignores it from ``worker.main`` on; a worker forked at that very moment would still be in
multiprocessing's start-up code, where the KeyboardInterrupt prints a traceback on the terminal.  The fork server
restores, in each child, the SIGINT handler it had when its preloads were imported, so setting it here closes that
window.
"""

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
