"""A worker process stops when the supervisor that started it dies, even by `kill -9`.

uvicorn's workers (`--workers N`) are separate processes sharing the listening socket; when the
supervisor is killed without a chance to stop them they go on serving the port, orphaned. On
Linux the kernel sends the worker SIGTERM when its parent dies (`prctl(PR_SET_PDEATHSIG)`);
elsewhere a thread checks the parent twice a second. SIGTERM makes uvicorn shut down as usual.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from typing import Final

PR_SET_PDEATHSIG: Final = 1  # from <linux/prctl.h>
SUPERVISOR_ENV: Final = "SMS_HOOK_MOCK_SUPERVISOR"
"""The supervisor's process id, written by the command line for its workers."""
_POLL_SECONDS: Final = 0.5


def stop_with_parent(supervisor: int) -> None:
    """Arrange for this process to get SIGTERM once process `supervisor` is gone."""
    if not (sys.platform.startswith("linux") and _death_signal(signal.SIGTERM)):
        threading.Thread(
            target=_watch, args=(supervisor,), name="parent-watch", daemon=True
        ).start()
    if os.getppid() != supervisor:  # died before the signal was asked for
        os.kill(os.getpid(), signal.SIGTERM)


def _death_signal(signum: int) -> bool:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)) == 0
    return False


def _watch(supervisor: int) -> None:
    while os.getppid() == supervisor:
        time.sleep(_POLL_SECONDS)  # a watch on another process: there is nothing to wait on
    os.kill(os.getpid(), signal.SIGTERM)
