"""Every request is recorded, exactly, before it is answered — also under concurrent load."""

from __future__ import annotations

import base64
import hashlib
import hmac
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from mock_server.app import create_app
from mock_server.journal import PRUNE_EVERY, Entry, Filter, Journal
from mock_server.settings import Settings
from sms_hook import delivery, signing
from sms_hook.errors import SmsHookError
from tests.mock.conftest import TEST_SECRET, Running, Start, send_concurrently
from tests.support.server import serve


def test_accepted_notification_is_recorded_with_everything_the_sender_sent(
    receiver: Running,
) -> None:
    notification = receiver.example(ticket_id="T-accepted")
    body = delivery.encode(receiver.contract, notification)
    signed = delivery.signed_request(body, TEST_SECRET)

    assert receiver.send(body, timestamp=signed.headers["timestamp"]).status_code == 200
    record = receiver.last()

    assert (record["verdict"], record["status"], record["reasons"]) == ("accepted", 200, [])
    assert (record["method"], record["path"]) == ("POST", "/notifications")
    assert record["notification"] == notification
    assert (record["type"], record["ticket_id"]) == ("bet_result", "T-accepted")
    assert base64.b64decode(record["body_base64"]) == body
    assert record["body"] == body.decode()
    assert record["headers"]["signature"] == signed.headers["signature"]
    assert record["headers"]["timestamp"] == signed.headers["timestamp"]
    assert record["reading"] == "compact"
    assert record["simulated"] is None


def test_rejected_request_is_recorded_with_its_reasons_in_order(receiver: Running) -> None:
    notification = receiver.example(event_id=True, ticket_id="T-rejected")
    del notification["data"]["bet_id"]

    response = receiver.notify(notification)
    record = receiver.last()

    assert (record["verdict"], record["status"]) == ("rejected", 400)
    assert record["reasons"] == [f"{e['field']}: {e['reason']}" for e in response.json()["errors"]]
    assert record["ticket_id"] == "T-rejected"


def test_body_that_is_not_utf8_is_recorded_exactly_and_shown_safely(receiver: Running) -> None:
    body = b'{"type":"otp","data":{"code":"\xff\xfe\x00","msisdn":"1"}}'

    receiver.send(body)
    record = receiver.last()

    assert base64.b64decode(record["body_base64"]) == body
    assert record["body_is_utf8"] is False
    assert "\ufffd" in record["body"]
    assert record["notification"] is None


def _sign_all_whitespace_reading(body: bytes, timestamp: str) -> str:
    message = timestamp.encode() + signing.strip_all_whitespace(body)
    return hmac.new(TEST_SECRET.encode(), message, hashlib.sha256).hexdigest()


def test_both_readings_of_all_spaces_removed_are_accepted_and_recorded(receiver: Running) -> None:
    body = delivery.encode(receiver.contract, receiver.example("otp", code="12 34"))
    timestamp = str(int(time.time()))

    tokens = receiver.send(body, timestamp=timestamp)
    tokens_reading = receiver.last()["reading"]
    everything = receiver.send(
        body,
        timestamp=timestamp,
        headers={"signature": _sign_all_whitespace_reading(body, timestamp)},
    )
    everything_reading = receiver.last()["reading"]

    assert (tokens.status_code, tokens_reading) == (200, "tokens")
    assert (everything.status_code, everything_reading) == (200, "all-whitespace")


def test_the_secret_is_never_recorded(start: Start) -> None:
    running = start(secret="s3cret-never-shown")

    running.notify(running.example(), secret="s3cret-never-shown")
    running.notify(running.example(), secret="another")
    page = running.client.get(running.base + "/__admin/notifications")

    assert page.status_code == 200
    assert len(page.json()["items"]) == 2
    assert "s3cret-never-shown" not in page.text


def test_file_journal_survives_a_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "journal.db")
    first = create_app(Settings(journal=path))
    with serve(first.app) as base:
        example = first.contract.example("otp")
        body = delivery.encode(first.contract, example)
        signed = delivery.signed_request(body, TEST_SECRET)
        assert (
            httpx.post(
                base + "/notifications", content=body, headers=dict(signed.headers)
            ).status_code
            == 200
        )

    second = create_app(Settings(journal=path))
    with serve(second.app) as base:
        items = httpx.get(base + "/__admin/notifications").json()["items"]

    assert [(i["verdict"], i["notification"]) for i in items] == [("accepted", example)]


def test_memory_journals_start_empty_and_are_not_shared(start: Start) -> None:
    one = start()
    one.notify(one.example())
    other = start()

    assert one.admin("/notifications/count")["count"] == 1
    assert other.admin("/notifications/count")["count"] == 0
    assert other.admin("/health")["journal"] == ":memory:"


def test_concurrent_senders_lose_nothing(start: Start, tmp_path: Path) -> None:
    running = start(journal=str(tmp_path / "journal.db"))

    statuses = send_concurrently(running.endpoint, running.contract, senders=8, each=50)

    assert sorted(set(statuses)) == [200, 400]
    assert running.admin("/notifications/count", verdict="accepted")["count"] == statuses.count(200)
    assert running.admin("/notifications/count")["count"] == len(statuses) == 400


def _entry(**changes: object) -> Entry:
    entry = Entry(
        received_at=1706191612.5,
        method="POST",
        path="/notifications",
        headers={"a": "b"},
        body=b"\x00\xff",
        notification=None,
        type=None,
        ticket_id=None,
        verdict="rejected",
        status=400,
        reasons=["body: x"],
    )
    for name, value in changes.items():
        setattr(entry, name, value)
    return entry


def test_ids_keep_growing_after_the_journal_is_cleared() -> None:
    journal = Journal(":memory:")
    first = journal.record(_entry())
    assert journal.clear() == 1

    assert journal.record(_entry()) > first


def test_entries_read_back_equal_what_was_recorded() -> None:
    journal = Journal(":memory:")
    entry = _entry(notification={"type": "otp", "data": {"code": "é"}}, reading="tokens")

    journal.record(entry)

    assert journal.get(entry.id) == entry


def test_a_sqlite_file_of_something_else_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (id INTEGER)")

    with pytest.raises(SmsHookError, match="is a SQLite database of something else"):
        Journal(str(path))


def test_a_journal_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")

    with pytest.raises(SmsHookError, match="schema 99"):
        Journal(str(path))


def test_a_file_journal_uses_write_ahead_logging(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    Journal(str(path)).record(_entry())

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_journal_keeps_at_most_max_rows_deleting_the_oldest(tmp_path: Path) -> None:
    journal = Journal(str(tmp_path / "journal.db"), max_rows=300)
    try:
        for start in range(0, 2000, 100):
            journal.record_many([_entry(ticket_id=f"t{n}") for n in range(start, start + 100)])
        count = journal.count()
        newest = journal.entries(Filter(), limit=1)[0]
        oldest_kept = journal.entries(Filter(), limit=1, offset=count - 1)[0]
    finally:
        journal.close()
    assert 300 <= count < 300 + PRUNE_EVERY  # pruned every PRUNE_EVERY inserts
    assert newest.ticket_id == "t1999"
    assert oldest_kept.id == newest.id - count + 1  # the oldest went, none in between


def test_a_journal_with_max_rows_0_keeps_every_row(tmp_path: Path) -> None:
    journal = Journal(str(tmp_path / "journal.db"), max_rows=0)
    try:
        for start in range(0, 1500, 100):
            journal.record_many([_entry(ticket_id=f"t{n}") for n in range(start, start + 100)])
        assert journal.count() == 1500
    finally:
        journal.close()


def test_queries_from_other_threads_read_the_same_journal_file(tmp_path: Path) -> None:
    journal = Journal(str(tmp_path / "journal.db"))
    try:
        journal.record_many([_entry(ticket_id=f"t{n}") for n in range(10)])
        with ThreadPoolExecutor(2) as pool:
            counts = list(pool.map(lambda _: journal.count(Filter(ticket_id="t3")), range(4)))
    finally:
        journal.close()
    assert counts == [1, 1, 1, 1]
