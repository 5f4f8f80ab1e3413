"""The admin API's handlers (`openapi/admin.yaml`): read and clear the journal, serve the page.

Handlers are plain async functions returning `(body, status[, headers])`, resolved from the
document's operationIds by `Admin.handlers()`. Journal queries run in a small thread pool, each
thread on its own SQLite connection, so that a slow query (a count over 200k rows) never holds up
the event loop that answers notifications; a journal in memory has only the one connection, so
its queries run on the loop.
"""

from __future__ import annotations

import asyncio
import base64
import calendar
import re
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from importlib import resources
from typing import Any, Final, TypeVar

from mock_server.journal import Entry, Filter, Journal, Verdict
from mock_server.receiver import ASGIApp, Receive, Scope, Send
from mock_server.recorder import Recorder
from sms_hook import signing

_PROBLEM: Final = {"Content-Type": "application/problem+json"}
_JSON: Final = {"Content-Type": "application/json"}
# The page declares its charset itself; connexion compares this header to the document's media
# type literally, so it carries no parameter.
_PAGE_HEADERS: Final = {"Content-Type": "text/html", "Cache-Control": "no-store"}

Answer = tuple[Any, int] | tuple[Any, int, dict[str, str]]
QUERY_THREADS: Final = 2
_T = TypeVar("_T")


def page() -> str:
    """The admin page: one self-contained HTML file shipped beside this module."""
    return resources.files("mock_server").joinpath("static/admin.html").read_text(encoding="utf-8")


class Admin:
    """The admin API over one journal."""

    def __init__(self, journal: Journal, recorder: Recorder, scheme: signing.Scheme) -> None:
        self.journal = journal
        self.scheme = scheme
        self.recorder = recorder
        self._page = page()
        self._pool = (
            ThreadPoolExecutor(QUERY_THREADS, thread_name_prefix="journal-query")
            if journal.shared
            else None
        )

    async def _query(self, query: Callable[..., _T], *args: Any) -> _T:
        if self._pool is None:
            return query(*args)
        return await asyncio.get_running_loop().run_in_executor(self._pool, query, *args)

    def close(self) -> None:
        """Stop the query threads (after the server stopped taking requests)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def handlers(self) -> dict[str, Callable[..., Any]]:
        """Map the admin document's operationIds to handlers."""
        return {
            "adminPage": self.admin_page,
            "adminPageFile": self.admin_page,
            "health": self.health,
            "listNotifications": self.list_notifications,
            "countNotifications": self.count_notifications,
            "getNotification": self.get_notification,
            "clearNotifications": self.clear_notifications,
        }

    async def admin_page(self) -> Answer:
        return self._page, 200, _PAGE_HEADERS

    async def health(self) -> Answer:
        body: dict[str, Any] = {"status": "ok", "journal": self.journal.location}
        problem = self.recorder.problem
        if problem is not None:
            body.update(status="degraded", problem=f"journal unavailable: {problem}")
        try:
            body["notifications"] = await self._query(self.journal.count)
        except sqlite3.Error as exc:
            body.update(status="degraded", notifications=None, problem=f"journal: {exc}")
        return body, 200, _JSON

    async def list_notifications(
        self,
        type: str | None = None,
        ticket_id: str | None = None,
        verdict: Verdict | None = None,
        since: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Answer:
        where = _filter(type, ticket_id, verdict, since)
        if isinstance(where, tuple):
            return where
        entries, count = await self._query(self._page_of, where, limit, offset)
        items = [record(e, self.scheme) for e in entries]
        return {"items": items, "count": count, "limit": limit, "offset": offset}, 200, _JSON

    def _page_of(self, where: Filter, limit: int, offset: int) -> tuple[list[Entry], int]:
        return self.journal.entries(where, limit=limit, offset=offset), self.journal.count(where)

    async def count_notifications(
        self,
        type: str | None = None,
        ticket_id: str | None = None,
        verdict: Verdict | None = None,
        since: str | None = None,
    ) -> Answer:
        where = _filter(type, ticket_id, verdict, since)
        if isinstance(where, tuple):
            return where
        return {"count": await self._query(self.journal.count, where)}, 200, _JSON

    async def get_notification(self, id: int) -> Answer:
        entry = await self._query(self.journal.get, id)
        if entry is None:
            return problem(
                404,
                "Not found",
                f"id: no notification {id} in the journal (never recorded, or cleared)",
            )
        return record(entry, self.scheme), 200, _JSON

    async def clear_notifications(self) -> Answer:
        return {"deleted": await self._query(self.journal.clear)}, 200, _JSON


def problem(status: int, title: str, detail: str) -> Answer:
    return {"title": title, "status": status, "detail": detail}, status, _PROBLEM


def _filter(
    type_name: str | None, ticket_id: str | None, verdict: Verdict | None, since: str | None
) -> Filter | Answer:
    moment: float | None = None
    if since is not None:
        moment = parse_moment(since)
        if moment is None:
            return problem(
                400,
                "Bad Request",
                f"since: {since!r} is neither ISO-8601 "
                "(2024-01-25T14:06:52Z) nor unix seconds (1706191612)",
            )
    return Filter(type=type_name, ticket_id=ticket_id, verdict=verdict, since=moment)


_MOMENT: Final = re.compile(
    r"(?:(?P<seconds>[0-9]+(?:\.[0-9]+)?)|(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})"
    r"(?:[T ](?P<h>[0-9]{2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2}(?:\.[0-9]+)?))?"
    r"(?P<zone>Z|(?P<sign>[+-])(?P<oh>[0-9]{2}):(?P<om>[0-9]{2}))?)?)\n?"
)


def parse_moment(text: str) -> float | None:
    """Return unix seconds for a `since` value, or None if it is neither form.

    Connexion has already checked the value against the document's pattern (with `re.search`,
    as JSON Schema says, so a final newline passes too); this reads the fields it allows.
    `calendar.timegm` counts a day past the end of a month on into the next, so every string
    the pattern allows has an answer.
    """
    match = _MOMENT.fullmatch(text)
    if match is None:
        return None
    if match["seconds"] is not None:
        return float(match["seconds"])
    whole = calendar.timegm(
        (
            int(match["y"]),
            int(match["mo"]),
            int(match["d"]),
            int(match["h"] or 0),
            int(match["mi"] or 0),
            0,
            0,
            0,
            0,
        )
    )
    seconds = float(match["s"] or 0)
    if match["sign"] is not None:
        offset = int(match["oh"]) * 3600 + int(match["om"]) * 60
        whole -= offset if match["sign"] == "+" else -offset
    return whole + seconds


def record(entry: Entry, scheme: signing.Scheme) -> dict[str, Any]:
    """Render a journal entry as the admin document's `Record`."""
    try:
        text = entry.body.decode("utf-8")
        utf8 = True
    except UnicodeDecodeError:
        text = entry.body.decode("utf-8", errors="replace")
        utf8 = False
    return {
        "id": entry.id,
        "received_at": datetime.fromtimestamp(entry.received_at, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "method": entry.method,
        "path": entry.path,
        "headers": entry.headers,
        "body": text,
        "body_base64": base64.b64encode(entry.body).decode("ascii"),
        "body_is_utf8": utf8,
        "notification": entry.notification,
        "type": entry.type,
        "ticket_id": entry.ticket_id,
        "verdict": entry.verdict,
        "status": entry.status,
        "reasons": entry.reasons,
        "reading": entry.reading,
        "simulated": entry.simulated,
        "answer": None if entry.answer is None else entry.answer.decode("utf-8", errors="replace"),
        "signed_message": _signed_message(entry, scheme),
    }


def _signed_message(entry: Entry, scheme: signing.Scheme) -> str | None:
    """The message a sender signs for this request under the document's scheme."""
    timestamp = entry.headers.get(scheme.timestamp_header)
    if timestamp is None:
        return None
    return signing.message(timestamp, entry.body, scheme).decode("utf-8", errors="replace")


_QUERIES: Final = re.compile(r"/__admin/notifications(?:/count|/[0-9]+)?")


def one_query_at_a_time(app: ASGIApp) -> ASGIApp:
    """Let one journal query at a time through connexion; notifications pass at once.

    An admin request costs the event loop about a millisecond in connexion (routing,
    validation, rendering records) even with the SQL in a thread. Pollers that ask as fast as
    they are answered would fill the loop with that work and queue notifications behind it;
    one at a time, a notification waits behind at most one piece of one query. Long-lived
    admin requests (a live feed, a wait) are not queries of this kind and are not held back.
    """
    gate = asyncio.Lock()

    async def serialized(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _QUERIES.fullmatch(scope["path"]):
            await app(scope, receive, send)
            return
        async with gate:
            await app(scope, receive, send)

    return serialized
