"""The journal: every request to the notification endpoint, kept in SQLite.

One writing connection per process, WAL mode, `synchronous=OFF`: a commit is in the WAL file
(the operating system has it) before the mock answers, so nothing it accepted is lost if the
process dies, kill -9 included; an operating-system crash or a power cut can lose the last
commits or damage the file (the mock then says so at start). NORMAL's checkpoints synced inside
a commit and held the event loop 7-18 ms once per ~600 rows: the mock's p99 (bench/README.md).

Several worker processes may share one file; a writer that finds it locked waits
(`busy_timeout`) instead of failing. Admin queries run in other threads, each on a connection
of its own (WAL lets them read while the writer writes), so that a slow query never holds up a
notification; a journal in memory has one connection only.

Retention: once the journal holds more than `max_rows` rows, the oldest are deleted (checked
every `PRUNE_EVERY` inserts), so a long-running shared mock does not grow without bound.

Rows are never updated. Ids keep growing after the journal is cleared (AUTOINCREMENT), so a page
that polls for "ids above the last one I saw" never mistakes a new record for an old one.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from mock_server.settings import DEFAULT_MAX_ROWS
from mock_server.text import json_text, utf8_safe
from sms_hook.errors import SmsHookError

Verdict = Literal["accepted", "rejected", "simulated"]

SCHEMA_VERSION: Final = 2
"""2 added `answer` (the body the mock answered); a version-1 file is upgraded in place."""
BUSY_TIMEOUT_MS: Final = 30_000
"""How long a writer waits for another worker's lock; long, because failing would mean a 5xx."""
PRUNE_EVERY: Final = 500

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS notifications (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at  REAL    NOT NULL,  -- unix seconds
    method       TEXT    NOT NULL,
    path         TEXT    NOT NULL,
    headers      TEXT    NOT NULL,  -- JSON object, lower-case names
    body         BLOB    NOT NULL,  -- exactly the bytes received
    notification TEXT,              -- JSON, when the body is a JSON object
    type         TEXT,
    ticket_id    TEXT,
    verdict      TEXT    NOT NULL,
    status       INTEGER NOT NULL,
    reasons      TEXT    NOT NULL,  -- JSON list of "field: reason"
    reading      TEXT,
    simulated    TEXT,
    answer       BLOB               -- the body the mock answered (NULL: journaled by schema 1)
)
"""
# Indexes for the admin API's filters; they leave the table (and SCHEMA_VERSION) as it is.
_INDEXES: Final = (
    "CREATE INDEX IF NOT EXISTS notifications_ticket_id ON notifications (ticket_id)",
    "CREATE INDEX IF NOT EXISTS notifications_received_at ON notifications (received_at)",
)
_COLUMNS: Final = (
    "received_at, method, path, headers, body, notification, type, ticket_id, verdict, status, "
    "reasons, reading, simulated, answer"
)
# SQL text is put together only from these constants and fixed column names (S608 below); every
# value a sender or an admin query supplies goes through a `?` parameter.
_INSERT: Final = f"INSERT INTO notifications ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"  # noqa: S608
_SELECT: Final = f"SELECT id, {_COLUMNS} FROM notifications"  # noqa: S608


@dataclass(slots=True)
class Entry:
    """One request as received and as answered; `id` is 0 until it is recorded."""

    received_at: float
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    notification: dict[str, Any] | None
    type: str | None
    ticket_id: str | None
    verdict: Verdict
    status: int
    reasons: list[str] = field(default_factory=list)
    reading: str | None = None
    simulated: str | None = None
    answer: bytes | None = None
    """The body of the mock's answer, exactly as sent."""
    id: int = 0


@dataclass(frozen=True, slots=True)
class Filter:
    """Which entries to list or count; None matches everything."""

    type: str | None = None
    ticket_id: str | None = None
    verdict: Verdict | None = None
    since: float | None = None

    def where(self) -> tuple[str, tuple[Any, ...]]:
        clauses: list[str] = []
        params: list[Any] = []
        for column in ("type", "ticket_id", "verdict"):
            value = getattr(self, column)
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if self.since is not None:
            clauses.append("received_at >= ?")
            params.append(self.since)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(params)


class Journal:
    """The record of requests, in a SQLite file or in memory (`:memory:`)."""

    def __init__(self, location: str, *, max_rows: int = DEFAULT_MAX_ROWS) -> None:
        self.location = location
        self.max_rows = max_rows
        """Rows kept at most; 0 keeps every row."""
        self._inserted = 0
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        try:
            # The connection is used from one event loop at a time, but uvicorn may run that loop
            # in another thread than the one that built the app.
            self._db = _connect(location)
            self._prepare()
        except sqlite3.DatabaseError as exc:
            raise SmsHookError(f"journal {location}: cannot be used ({exc})") from exc

    @property
    def shared(self) -> bool:
        """Whether other connections (threads, processes) can open this journal."""
        return self.location != ":memory:"

    def _reader(self) -> sqlite3.Connection:
        """This thread's connection for admin queries (the writer's own for a memory journal)."""
        if not self.shared:
            return self._db
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = _connect(self.location)
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._local.db = db
            with self._readers_lock:
                self._readers.append(db)
        return db

    def _prepare(self) -> None:
        db = self._db
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = OFF")  # see the module's text
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, 1, SCHEMA_VERSION):
            raise SmsHookError(
                f"journal {self.location}: written by another version of sms-hook (schema "
                f"{version}, this one writes {SCHEMA_VERSION}); give another --journal path"
            )
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if version == 0 and tables - {"sqlite_sequence"}:
            raise SmsHookError(
                f"journal {self.location}: is a SQLite database of something else; "
                "give another --journal path"
            )
        db.execute(_SCHEMA)
        if version == 1:
            db.execute("ALTER TABLE notifications ADD COLUMN answer BLOB")
        for index in _INDEXES:
            db.execute(index)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def path(self) -> Path | None:
        """The file the journal lives in, or None when it is in memory."""
        return None if self.location == ":memory:" else Path(self.location).resolve()

    def record(self, entry: Entry) -> int:
        """Store one entry and commit before returning its id (as `record_many` does: the
        mock's requests are written in groups by `mock_server.recorder`)."""
        self.record_many([entry])
        return entry.id

    def record_many(self, entries: list[Entry]) -> None:
        """Store several entries in one transaction (one commit for all), or none of them."""
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            for entry in entries:
                entry.id = int(db.execute(_INSERT, _row(entry)).lastrowid or 0)
            self._inserted += len(entries)
            if self.max_rows and self._inserted >= PRUNE_EVERY:
                self._inserted = 0
                oldest_kept = entries[-1].id - self.max_rows + 1
                db.execute("DELETE FROM notifications WHERE id < ?", (oldest_kept,))
            db.execute("COMMIT")
        except BaseException:
            # SQLite may have rolled back by itself already (a full disk does that).
            if db.in_transaction:
                db.execute("ROLLBACK")
            for entry in entries:
                entry.id = 0
            raise

    def entries(self, where: Filter, *, limit: int, offset: int = 0) -> list[Entry]:
        """Return matching entries, newest first."""
        clause, params = where.where()
        rows = self._reader().execute(
            f"{_SELECT}{clause} ORDER BY id DESC LIMIT ? OFFSET ?", (*params, limit, offset)
        )
        return [_entry(row) for row in rows]

    def get(self, entry_id: int) -> Entry | None:
        row = self._reader().execute(f"{_SELECT} WHERE id = ?", (entry_id,)).fetchone()
        return None if row is None else _entry(row)

    def count(self, where: Filter = Filter()) -> int:
        clause, params = where.where()
        return int(
            self._reader()
            .execute(f"SELECT count(*) FROM notifications{clause}", params)  # noqa: S608
            .fetchone()[0]
        )

    def clear(self) -> int:
        """Delete every entry; return how many there were."""
        return int(self._reader().execute("DELETE FROM notifications").rowcount)

    def latest_id(self) -> int:
        """The id of the newest entry, 0 when the journal is empty (see `latest_id`)."""
        return latest_id(self._db)

    def after(self, entry_id: int, where: Filter = Filter(), *, limit: int) -> list[Entry]:
        """Matching entries with an id above `entry_id`, oldest first (see `entries_after`)."""
        return entries_after(self._db, entry_id, where, limit=limit)

    def close(self) -> None:
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for db in readers:
            db.close()
        self._db.close()


def _connect(location: str) -> sqlite3.Connection:
    # isolation_level=None: each statement outside BEGIN is its own transaction.
    return sqlite3.connect(
        location, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )


def latest_id(db: sqlite3.Connection) -> int:
    """The id of the newest entry, 0 when empty; through any connection to a journal file (the
    live feed reads with its own read-only one, so it sees every worker's writes)."""
    return int(db.execute("SELECT max(id) FROM notifications").fetchone()[0] or 0)


def entries_after(
    db: sqlite3.Connection, entry_id: int, where: Filter = Filter(), *, limit: int
) -> list[Entry]:
    """Matching entries with an id above `entry_id`, oldest first, through any connection."""
    clause, params = where.where()
    clause = f"{clause} AND id > ?" if clause else " WHERE id > ?"
    rows = db.execute(f"{_SELECT}{clause} ORDER BY id LIMIT ?", (*params, entry_id, limit))
    return [_entry(row) for row in rows]


def _row(e: Entry) -> tuple[Any, ...]:
    # Text columns go through json_text/utf8_safe: a body's lone surrogate escape ("\ud800")
    # becomes a str that SQLite cannot store as UTF-8.
    return (
        e.received_at,
        e.method,
        e.path,
        json_text(e.headers),
        e.body,
        None if e.notification is None else json_text(e.notification),
        None if e.type is None else utf8_safe(e.type),
        None if e.ticket_id is None else utf8_safe(e.ticket_id),
        e.verdict,
        e.status,
        json_text(e.reasons) if e.reasons else "[]",  # an accepted request has none
        e.reading,
        e.simulated,
        e.answer,
    )


def _entry(row: tuple[Any, ...]) -> Entry:
    (
        entry_id,
        received_at,
        method,
        path,
        headers,
        body,
        notification,
        type_,
        ticket_id,
        verdict,
        status,
        reasons,
        reading,
        simulated,
        answer,
    ) = row
    return Entry(
        received_at=received_at,
        method=method,
        path=path,
        headers=json.loads(headers),
        body=bytes(body),
        notification=None if notification is None else json.loads(notification),
        type=type_,
        ticket_id=ticket_id,
        verdict=verdict,
        status=status,
        reasons=json.loads(reasons),
        reading=reading,
        simulated=simulated,
        answer=None if answer is None else bytes(answer),
        id=entry_id,
    )
