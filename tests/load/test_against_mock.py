"""`sms-hook load` against `sms-hook mock`, both real processes: the mock keeps up at this rate,
so nothing breaks, and its journal holds every notification, each one accepted."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.load.conftest import load
from tests.mock.conftest import running

pytestmark = pytest.mark.slow


def _journal(base: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    with httpx.Client(base_url=base, timeout=10) as client:
        while True:
            page = client.get(
                "/__admin/notifications", params={"limit": 1000, "offset": len(records)}
            ).json()
            records += page["items"]
            if not page["items"]:
                return records


def test_against_the_mock_nothing_breaks_and_the_journal_holds_every_answered_notification(
    tmp_path: Path,
) -> None:
    with running(cwd=tmp_path) as mock:
        run = load(
            mock.base + "/notifications",
            "--rate=80",
            "--duration=2",
            tmp_path=tmp_path,
        )
        journal = _journal(mock.base)

    assert run.code == 0, run.err + run.out
    report = run.report
    assert report["verdict"] == "pass"
    assert report["breaks"] == []
    answered = report["requests"]["answered"]
    assert answered == report["requests"]["ok"] > 0
    assert len(journal) == answered
    assert {r["verdict"] for r in journal} == {"accepted"}
    assert {r["status"] for r in journal} == {200}
    sent_types = {json.loads(r["body"])["type"] for r in journal}
    assert sent_types == {"otp", "ticket_status", "bet_result"}

    # Realistic: each ticket is opened before its bets are resulted, and resulted after them.
    by_ticket: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in sorted(journal, key=lambda r: r["id"]):
        body = json.loads(record["body"])
        if "ticket_id" in body["data"]:
            by_ticket[body["data"]["ticket_id"]].append(body)
    complete = 0
    for notifications in by_ticket.values():
        first = notifications[0]
        assert first["type"] == "ticket_status"
        assert first["data"]["status"] == "open"
        if notifications[-1]["data"].get("status") == "resulted":
            complete += 1
            assert all(n["type"] == "bet_result" for n in notifications[1:-1])
    assert complete > 0
    assert "ok: every notification was answered 200" in run.out
