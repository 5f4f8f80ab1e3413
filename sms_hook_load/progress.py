"""The live progress of a run: one rewritten line on a terminal, plain lines elsewhere (CI)."""

from __future__ import annotations

import sys
from typing import Final, TextIO

from sms_hook_load.tally import Tally, percentile

PLAIN_EVERY: Final = 5
"""Seconds between progress lines when stderr is not a terminal."""


class Progress:
    """Writes the state of a run to `stream` once a second (a terminal) or every few seconds."""

    def __init__(self, duration: float, target: float, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.duration = duration
        self.target = target
        self.tty = self.stream.isatty()
        self.last_plain = 0

    def line(self, elapsed: float, tally: Tally) -> str:
        """The progress line for the tally gathered after `elapsed` seconds."""
        done = int(elapsed)
        recent = tally.seconds.get(done - 1)
        rate = recent.answered if recent is not None else 0
        breaks = sum(tally.breaks().values())
        p99 = percentile(tally.latency(), 0.99)
        return (
            f"{done:>4d}/{self.duration:g} s  {tally.answered:>9,} sent  {rate:>7,}/s "
            f"(target {self.target:,.0f})  p99 {p99:g} ms  breaks {breaks:,}"
        )

    def update(self, elapsed: float, tally: Tally) -> None:
        if self.tty:
            self.stream.write("\r\x1b[2K" + self.line(elapsed, tally))
            self.stream.flush()
        elif int(elapsed) - self.last_plain >= PLAIN_EVERY:
            self.last_plain = int(elapsed)
            self.stream.write(self.line(elapsed, tally) + "\n")
            self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
