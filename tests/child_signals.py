"""For tests that interrupt a child process with SIGINT (Ctrl-C)."""

from __future__ import annotations

import signal


def default_sigint() -> None:
    """`preexec_fn` of such a child: SIGINT back to its default disposition.

    A suite started in the background by a non-interactive shell (`make test &`) runs with
    SIGINT ignored; a child inherits that, and Python, finding SIGINT ignored at start,
    never raises KeyboardInterrupt, so the child would not stop on Ctrl-C.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
