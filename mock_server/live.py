"""What arrives, as it arrives: a change feed over the journal, the page's event stream, and a
wait endpoint for the sending side's CI.

    Watcher             polls the journal's newest id every POLL_INTERVAL s while anyone listens
      └── Subscription  one listener: its own filter and queue of new entries
    Live                admin handlers: GET notifications/stream (server-sent events),
                        GET notifications/wait (the first match, or 408 after `timeout`)

With `--workers N` every worker writes the same SQLite file, so the feed cannot hook into the
writer of its own process: it reads the file through its own read-only connection, in a thread
(never on the event loop), and so sees what any worker journaled. A journal in memory can only
belong to one process; it is read on the event loop (microseconds: `max(id)` is an index lookup).
Polling runs only while a stream or a wait is open.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Final

from starlette.responses import StreamingResponse

from mock_server.admin import Answer, problem, record
from mock_server.admin import _filter as query_filter  # the same parameters as the list
from mock_server.journal import Entry, Filter, Journal, Verdict, entries_after, latest_id
from sms_hook import signing

POLL_INTERVAL: Final = 0.15
"""Seconds between two looks at the journal's newest id while someone listens."""
BATCH: Final = 500
"""Entries read at a time when catching up."""
STREAM_SECONDS: Final = 25.0
"""How long one event stream stays open; the browser reconnects at once (`retry`) and resumes
after the last id it saw, so a page misses nothing, and the server never waits long for a page
to let go when it shuts down."""
KEEP_ALIVE: Final = 10.0
QUEUE_LIMIT: Final = 1000
"""Entries kept for a listener that does not read; past it the stream ends and the browser,
reconnecting, reads what it missed from the journal."""

_STREAM_HEADERS: Final = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


@dataclass(eq=False)
class Subscription:
    """One listener of the watcher: entries that match `where`, as they are journaled."""

    where: Filter
    queue: asyncio.Queue[Entry | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_LIMIT)
    )
    """New matching entries in id order; None means the journal was cleared."""
    behind: bool = False
    """Something was dropped because the listener stopped reading (the queue was full)."""

    def offer(self, entry: Entry | None) -> None:
        if entry is not None and not matches(self.where, entry):
            return
        try:
            self.queue.put_nowait(entry)
        except asyncio.QueueFull:
            self.behind = True


class _FileReader:
    """A read-only connection to a journal file, used from worker threads one at a time."""

    def __init__(self, journal: Journal) -> None:
        path = journal.path
        assert path is not None, "only built for journals in a file"
        self._db = sqlite3.connect(
            path.as_uri() + "?mode=ro", uri=True, check_same_thread=False, timeout=5
        )
        self._lock = threading.Lock()

    async def latest(self) -> int:
        return await asyncio.to_thread(self._locked, latest_id)

    async def after(self, entry_id: int, where: Filter, limit: int) -> list[Entry]:
        return await asyncio.to_thread(
            self._locked, lambda db: entries_after(db, entry_id, where, limit=limit)
        )

    def _locked(self, read: Callable[[sqlite3.Connection], Any]) -> Any:
        with self._lock:
            return read(self._db)

    def close(self) -> None:
        self._db.close()


class _MemoryReader:
    """The journal's own connection, on the event loop (an in-memory journal has no file)."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def latest(self) -> int:
        return self._journal.latest_id()

    async def after(self, entry_id: int, where: Filter, limit: int) -> list[Entry]:
        return self._journal.after(entry_id, where, limit=limit)

    def close(self) -> None:
        pass


class Watcher:
    """Fans out newly journaled entries to subscribers, polling only while there are some."""

    def __init__(self, journal: Journal, *, interval: float = POLL_INTERVAL) -> None:
        self.reader = _FileReader(journal) if journal.path is not None else _MemoryReader(journal)
        self._interval = interval
        self._subscribers: set[Subscription] = set()
        self._seen = 0
        self._task: asyncio.Task[None] | None = None

    @contextlib.asynccontextmanager
    async def subscribe(self, where: Filter) -> AsyncIterator[Subscription]:
        """Listen for entries journaled from now on. An entry journaled before this returns is
        the caller's to read (`reader.after`); one journaled while it does may come twice."""
        subscription = Subscription(where)
        if self._task is None or self._task.done():
            self._seen = await self.reader.latest()
            self._task = asyncio.get_running_loop().create_task(self._run())
        self._subscribers.add(subscription)
        try:
            yield subscription
        finally:
            self._subscribers.discard(subscription)

    async def _run(self) -> None:
        while self._subscribers:
            with contextlib.suppress(sqlite3.Error):  # locked or replaced: look again next time
                await self._look()
            await asyncio.sleep(self._interval)

    async def _look(self) -> None:
        latest = await self.reader.latest()
        if latest < self._seen:  # cleared (ids only ever grow otherwise)
            self._seen = latest
            for subscriber in list(self._subscribers):
                subscriber.offer(None)
        while latest > self._seen:
            batch = await self.reader.after(self._seen, Filter(), BATCH)
            if not batch:
                break
            self._seen = batch[-1].id
            for entry in batch:
                for subscriber in list(self._subscribers):
                    subscriber.offer(entry)

    def close(self) -> None:
        self.reader.close()


def matches(where: Filter, entry: Entry) -> bool:
    """Whether `entry` is one that `where` selects (as the journal's SQL would)."""
    return (
        (where.type is None or entry.type == where.type)
        and (where.ticket_id is None or entry.ticket_id == where.ticket_id)
        and (where.verdict is None or entry.verdict == where.verdict)
        and (where.since is None or entry.received_at >= where.since)
    )


class Live:
    """The admin handlers that follow the journal as it grows."""

    def __init__(self, watcher: Watcher, scheme: signing.Scheme) -> None:
        self.watcher = watcher
        self.scheme = scheme

    def handlers(self) -> dict[str, Callable[..., Any]]:
        return {"streamNotifications": self.stream, "waitForNotification": self.wait}

    async def stream(
        self,
        type: str | None = None,
        ticket_id: str | None = None,
        verdict: Verdict | None = None,
        since: str | None = None,
        after: int | None = None,
    ) -> Answer | StreamingResponse:
        where = query_filter(type, ticket_id, verdict, since)
        if not isinstance(where, Filter):
            return where
        # A reconnecting EventSource repeats the URL it was opened with (`after` and all) and
        # adds Last-Event-ID: resume after whichever is further on.
        given = [i for i in (after, _last_event_id()) if i is not None]
        start = max(given) if given else None
        return StreamingResponse(
            self._events(where, start), media_type="text/event-stream", headers=_STREAM_HEADERS
        )

    async def _events(self, where: Filter, start: int | None) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        closes = loop.time() + STREAM_SECONDS
        async with self.watcher.subscribe(where) as subscription:
            last = await self.watcher.reader.latest() if start is None else start
            yield f"retry: 500\nevent: ready\ndata: {json.dumps({'after': last})}\n\n"
            while True:
                backlog = await self.watcher.reader.after(last, where, BATCH)
                for old in backlog:
                    yield _event(old, self.scheme)
                    last = old.id
                if len(backlog) < BATCH:
                    break
            while (remaining := closes - loop.time()) > 0 and not subscription.behind:
                try:
                    async with asyncio.timeout(min(remaining, KEEP_ALIVE)):
                        entry = await subscription.queue.get()
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if entry is None:
                    last = 0
                    yield "event: cleared\ndata: {}\n\n"
                elif entry.id > last:
                    last = entry.id
                    yield _event(entry, self.scheme)

    async def wait(
        self,
        type: str | None = None,
        ticket_id: str | None = None,
        verdict: Verdict | None = None,
        since: str | None = None,
        after: int = 0,
        timeout: float = 5.0,
    ) -> Answer:
        where = query_filter(type, ticket_id, verdict, since)
        if not isinstance(where, Filter):
            return where
        async with self.watcher.subscribe(where) as subscription:
            found = await self.watcher.reader.after(after, where, 1)
            if found:
                return record(found[0], self.scheme), 200, {"Content-Type": "application/json"}
            try:
                async with asyncio.timeout(timeout):
                    while True:
                        entry = await subscription.queue.get()
                        if entry is not None and entry.id > after:
                            return (
                                record(entry, self.scheme),
                                200,
                                {"Content-Type": "application/json"},
                            )
            except TimeoutError:
                pass
        return problem(
            408,
            "Request Timeout",
            f"no notification matching {_describe(type, ticket_id, verdict, since, after)} "
            f"was journaled within {timeout:g} s",
        )


def _event(entry: Entry, scheme: signing.Scheme) -> str:
    # json.dumps escapes line breaks, so the record is one `data:` line.
    data = json.dumps(record(entry, scheme))
    return f"id: {entry.id}\nevent: notification\ndata: {data}\n\n"


def _last_event_id() -> int | None:
    """The id a reconnecting EventSource says it saw last (its `Last-Event-ID` header)."""
    from connexion import request  # noqa: PLC0415 - the request of the running handler

    value = request.headers.get("last-event-id", "")
    return int(value) if value.isdigit() and len(value) <= 18 else None


def _describe(
    type_name: str | None, ticket_id: str | None, verdict: str | None, since: str | None, after: int
) -> str:
    given = {"type": type_name, "ticket_id": ticket_id, "verdict": verdict, "since": since}
    parts = [f"{k}={v!r}" for k, v in given.items() if v is not None]
    if after:
        parts.append(f"id > {after}")
    return " ".join(parts) if parts else "(any)"
