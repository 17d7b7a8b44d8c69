"""Child processes that never outlive the CarePulse process that started them.

Linux sends a chosen signal to a child when the thread that forked it dies
(PR_SET_PDEATHSIG), so a SIGKILLed parent leaves no broker or worker behind.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def die_with_parent(
    signum: signal.Signals = signal.SIGTERM,
) -> Callable[[], None] | None:
    """A preexec_fn for subprocess.Popen (None off Linux). libc is loaded here, before the
    fork, so the child only makes one system call."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return None
    parent_pid = os.getpid()

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)

    return preexec
