"""The admin API's handlers (`openapi/admin.yaml`): read and clear the journal, serve the page.

Handlers are plain async functions returning `(body, status[, headers])`, resolved from the
document's operationIds by `Admin.handlers()`. They are async so that they run on the event loop,
the one place that touches the journal's connection.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from typing import Any, Final

from mock_server.journal import Entry, Filter, Journal, Verdict
from sms_hook import signing

_PROBLEM: Final = {"Content-Type": "application/problem+json"}
_JSON: Final = {"Content-Type": "application/json"}
# The page declares its charset itself; connexion compares this header to the document's media
# type literally, so it carries no parameter.
_PAGE_HEADERS: Final = {"Content-Type": "text/html", "Cache-Control": "no-store"}

Answer = tuple[Any, int] | tuple[Any, int, dict[str, str]]


def page() -> str:
    """The admin page: one self-contained HTML file shipped beside this module."""
    return resources.files("mock_server").joinpath("static/admin.html").read_text(encoding="utf-8")


class Admin:
    """The admin API over one journal."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._page = page()

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
        return (
            {
                "status": "ok",
                "notifications": self.journal.count(),
                "journal": self.journal.location,
            },
            200,
            _JSON,
        )

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
        items = [record(e) for e in self.journal.entries(where, limit=limit, offset=offset)]
        return (
            {"items": items, "count": self.journal.count(where), "limit": limit, "offset": offset},
            200,
            _JSON,
        )

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
        return {"count": self.journal.count(where)}, 200, _JSON

    async def get_notification(self, id: int) -> Answer:
        entry = self.journal.get(id)
        if entry is None:
            return problem(
                404,
                "Not found",
                f"id: no notification {id} in the journal (never recorded, or cleared)",
            )
        return record(entry), 200, _JSON

    async def clear_notifications(self) -> Answer:
        return {"deleted": self.journal.clear()}, 200, _JSON


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


def parse_moment(text: str) -> float | None:
    """Return unix seconds for ISO-8601 (no offset means UTC) or unix seconds; None if neither."""
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) else None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def record(entry: Entry) -> dict[str, Any]:
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
        "signed_message": _signed_message(entry),
    }


def _signed_message(entry: Entry) -> str | None:
    timestamp = entry.headers.get("timestamp")
    if timestamp is None:
        return None
    return signing.message(timestamp, entry.body).decode("utf-8", errors="replace")
