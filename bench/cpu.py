"""CPU time from Linux's /proc: of one process group, and of the whole machine.

A benchmark on a shared 2-core machine is only as good as its knowledge of who else was using the
CPUs; these readings let a run say how much CPU the server, the load tool and everything else
used. Elsewhere than Linux they return None and the run says less.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

_PROC: Final = Path("/proc")
_TICKS: Final = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def group_seconds(pgid: int) -> float | None:
    """User + system CPU seconds of the live processes of a process group."""
    if not _PROC.is_dir():
        return None
    ticks = 0
    for stat in _PROC.glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended between glob and read
            continue
        # Fields after the command name, which is in parentheses and may contain spaces.
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / _TICKS


def machine_busy_seconds() -> float | None:
    """CPU seconds all CPUs of the machine spent running processes (or stolen), since boot.

    Interrupt time is left out: the kernel's loopback networking for the benchmark's own
    requests is counted there, not in any process, and would pass for other work.
    """
    try:
        first = (_PROC / "stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    # cpu user nice system idle iowait irq softirq steal ...
    user, nice, system, steal = (int(first[i]) for i in (1, 2, 3, 8))
    return (user + nice + system + steal) / _TICKS
