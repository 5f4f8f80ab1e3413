"""Resending a record and writing it as curl, over real HTTP (mock_server/replay.py); the
answer the mock gave is journaled with it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest

from mock_server.journal import Journal
from tests.mock.conftest import Running, Start
from tests.support.tools import require


def test_the_answer_is_journaled_byte_for_byte(start: Start) -> None:
    running = start()
    accepted = running.notify(running.example())
    accepted_record = running.last()
    rejected = running.notify(running.example(event_id=True))
    rejected_record = running.last()

    assert accepted_record["answer"] == accepted.text
    assert rejected_record["answer"] == rejected.text
    assert json.loads(rejected_record["answer"])["status"] == 400


def test_a_schema_1_journal_is_upgraded_and_keeps_its_records(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE notifications (id INTEGER PRIMARY KEY AUTOINCREMENT, received_at REAL NOT"
        " NULL, method TEXT NOT NULL, path TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT"
        " NULL, notification TEXT, type TEXT, ticket_id TEXT, verdict TEXT NOT NULL, status"
        " INTEGER NOT NULL, reasons TEXT NOT NULL, reading TEXT, simulated TEXT)"
    )
    db.execute(
        "INSERT INTO notifications (received_at, method, path, headers, body, verdict, status,"
        " reasons) VALUES (1, 'POST', '/notifications', '{}', x'7b7d', 'rejected', 400, '[]')"
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()

    journal = Journal(str(path))
    (entry,) = journal.after(0, limit=10)

    assert (entry.body, entry.answer) == (b"{}", None)
    assert journal.latest_id() == 1
    journal.close()


def test_resend_replays_the_journaled_bytes_and_returns_the_mocks_answer(start: Start) -> None:
    running = start()
    body = json.dumps(running.example(), indent=2).encode()  # indented, signed compact
    assert running.send(body, headers={"prefer": "code=503"}).status_code == 503
    original = running.last()

    response = running.client.post(f"{running.base}/__admin/notifications/{original['id']}/resend")

    assert response.status_code == 200
    answer = response.json()
    assert (answer["resent"], answer["status"]) == (original["id"], 503)
    assert json.loads(answer["body"])["status"] == 503
    replay = running.last()
    assert replay["id"] > original["id"]
    assert replay["body_base64"] == original["body_base64"]
    for name in ("timestamp", "signature", "operator-name", "prefer"):
        assert replay["headers"][name] == original["headers"][name]
    assert replay["simulated"] == original["simulated"]


def test_a_resent_bad_signature_is_rejected_again(start: Start) -> None:
    running = start()
    assert running.notify(running.example(), secret="not-the-key").status_code == 401
    original = running.last()

    answer = running.client.post(f"{running.base}/__admin/notifications/{original['id']}/resend")

    assert answer.json()["status"] == 401
    assert running.last()["reasons"] == original["reasons"]


def _act(receiver: Running, action: str, record_id: str) -> httpx.Response:
    method = "POST" if action == "resend" else "GET"
    url = f"{receiver.base}/__admin/notifications/{record_id}/{action}"
    return receiver.client.request(method, url)


@pytest.mark.parametrize("action", ["resend", "curl"])
def test_an_unknown_record_is_a_404_naming_the_id(receiver: Running, action: str) -> None:
    response = _act(receiver, action, "987654")

    assert response.status_code == 404
    assert response.json()["detail"].startswith("id: no notification 987654")


@pytest.mark.parametrize("action", ["resend", "curl"])
def test_an_id_too_long_to_be_one_is_a_400(receiver: Running, action: str) -> None:
    assert _act(receiver, action, "9" * 5000).status_code == 400


@pytest.mark.parametrize(
    "body", [b'{"type":"otp","data":{"code":"1 2","msisdn":"+1"}}', b"\xff\x00'"]
)
def test_the_curl_command_sends_the_same_bytes_again(start: Start, body: bytes) -> None:
    require("curl", "apt-get install curl")
    running = start()
    running.send(body)
    original = running.last()

    command = running.client.get(f"{running.base}/__admin/notifications/{original['id']}/curl")

    assert command.headers["content-type"].startswith("text/plain")
    assert "host:" not in command.text
    result = subprocess.run(
        ["bash", "-c", command.text], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.stdout.startswith("HTTP/1.1 "), result.stderr
    replay = running.last()
    assert replay["id"] > original["id"]
    assert replay["body_base64"] == original["body_base64"]
    assert replay["headers"]["signature"] == original["headers"]["signature"]
