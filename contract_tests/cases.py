"""The generated cases of a run: drawn by hypothesis, sent over the run's workers, judged.

Hypothesis draws cases one at a time, and schemathesis's strategies are not thread-safe (drawn
from several threads at once they fail hypothesis's consistency checks), so every stream is
drawn and explored in the run's own thread. With a pool of workers, each stream is first drawn
without sending anything (a run in which every case passes) while the workers send each drawn
case, signed as it goes out. A stream whose cases all passed is done; one with a failure is
explored again: the same seed draws the same cases, finds their verdicts ready, and sends only
what the failure's shrinking asks for (`generated.explore`'s `drawn` and `prefetched`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, Protocol

from contract_tests import generated
from contract_tests.exchange import Stopped, Unsendable
from contract_tests.lane import Host, Lane, Record
from contract_tests.result import Failure, Result
from contract_tests.signer import Sent, Signer
from sms_hook.delivery import SignedRequest


class Run(Host, Protocol):
    """What the generated cases need of their run."""

    seed: int
    result: Result

    def advance(self) -> None: ...


class Cases:
    """The generated cases of one run."""

    def __init__(self, run: Run) -> None:
        self.owner = run

    def run(
        self,
        streams: list[generated.Stream],
        started: float,
        record: Record,
        pool: ThreadPoolExecutor | None,
    ) -> None:
        """Draw, send and judge the generated cases, stream after stream.

        Hypothesis draws cases one at a time, and schemathesis's strategies are not thread-safe
        (drawn from several threads at once they fail hypothesis's consistency checks): the
        streams are explored one after the other, here. With a pool, every stream is first
        drawn here without sending anything (a run in which every case passes), and the pool
        sends those cases meanwhile, each signed when it goes out. A stream whose cases all
        passed is done; one with a failure is explored again: the same seed draws the same
        cases, finds their verdicts ready, and sends only what the failure's shrinking asks for.
        """
        budget = self.owner.settings.max_time
        deadline = None if budget is None else started + budget
        signer = Signer(
            self.owner.contract,
            self.owner.settings.secret,
            self.owner.settings.operator_name,
            dict(self.owner.settings.headers),
        )
        sent: dict[Sent, Failure | None] = {}
        attempt = self._attempt(Lane(self.owner, record), deadline)
        ahead = self._ahead(streams, signer, attempt, pool) if pool is not None else {}
        left_out: list[str] = []
        for stream in streams:
            prefetched, futures = ahead.get(stream, ({}, []))
            wait(futures)  # past the deadline, what is not sent yet is not sent (OutOfTime)
            failed = any(prefetched.values())
            if futures and len(prefetched) == len(futures) and not failed:
                # Every case drawn passed: exploring again would draw them again (same seed,
                # same outcomes), find nothing, and cost the drawing a second time.
                sent.update(prefetched)
                for _ in futures:
                    self.owner.advance()
                continue
            if deadline is not None and time.perf_counter() >= deadline and not failed:
                sent.update(prefetched)
                part = " (in part)" if prefetched else ""  # some of its cases went out ahead
                left_out.append(f"{stream.type} {stream.label}{part}")
                continue
            # A failure among the cases sent ahead is explored even past the deadline: the
            # same seed finds every verdict ready, and only shrinking would send more.
            try:
                record.failures += self._explore(
                    stream,
                    signer,
                    attempt,
                    sent=sent,
                    on_case=self.owner.advance,
                    prefetched=prefetched,
                )
            except generated.OutOfTime as exc:
                record.failures += _with_unshrunk(exc.found, prefetched.values())
                left_out.append(f"{stream.type} {stream.label} (in part)")
        if left_out:
            self.owner.result.left_out = (
                f"--max-time {budget:g} s was spent before every generated case was sent; "
                f"left out: {', '.join(left_out)}"
            )

    def _explore(
        self, stream: generated.Stream, signer: Signer, attempt: generated.Attempt, **options: Any
    ) -> list[Failure]:
        return generated.explore(
            self.owner.contract,
            stream,
            signer,
            attempt,
            seed_value=self.owner.seed,
            max_examples=self.owner.settings.max_examples,
            **options,
        )

    def _ahead(
        self,
        streams: list[generated.Stream],
        signer: Signer,
        attempt: generated.Attempt,
        pool: ThreadPoolExecutor,
    ) -> dict[generated.Stream, tuple[dict[Sent, Failure | None], list[Future[None]]]]:
        """Draw every stream's cases (sending none) and have the pool send each new one once."""
        drawn_before: dict[Sent, Failure | None] = {}  # across streams: a request goes once
        ahead: dict[generated.Stream, tuple[dict[Sent, Failure | None], list[Future[None]]]] = {}
        for stream in streams:
            drawn: list[tuple[Any, Sent]] = []
            self._explore(stream, signer, attempt, sent=drawn_before, drawn=drawn)
            verdicts: dict[Sent, Failure | None] = {}

            futures = [
                pool.submit(self._send_ahead, signer, attempt, stream, case, verdicts)
                for case, _ in drawn
            ]
            ahead[stream] = (verdicts, futures)
        return ahead

    @staticmethod
    def _send_ahead(
        signer: Signer,
        attempt: generated.Attempt,
        stream: generated.Stream,
        case: Any,
        into: dict[Sent, Failure | None],
    ) -> None:
        signed = signer.signed(case, int(time.time()))  # signed as it goes out
        if signed is None:
            return
        request, key = signed
        try:
            into[key] = attempt(request, stream)
        except (Unsendable, Stopped):  # the exploration meets it again, and says so
            return

    def _attempt(self, lane: Lane, deadline: float | None) -> generated.Attempt:
        def attempt(request: SignedRequest, stream: generated.Stream) -> Failure | None:
            if deadline is not None and time.perf_counter() >= deadline:
                raise generated.OutOfTime("the --max-time budget is spent")
            title = f"generated by schemathesis ({stream.label})"
            exchange = lane.send(request, type_name=stream.type, title=title, origin="generated")
            with self.owner.lock:
                return self.owner.assessor.assess(
                    exchange, intended=None, type_name=stream.type, title=title, origin="generated"
                )

        return attempt


def _with_unshrunk(found: list[Failure], verdicts: Iterable[Failure | None]) -> list[Failure]:
    """`found`, and for each other rule that a case sent ahead failed, its shortest such case:
    the replay can run out of time before it reaches a failure, which is kept all the same."""
    kept = {failure.rule: failure for failure in found}
    for failure in verdicts:
        if failure is None or failure.rule in {f.rule for f in found}:
            continue
        if failure.rule not in kept or len(failure.curl) < len(kept[failure.rule].curl):
            kept[failure.rule] = failure
    return list(kept.values())
