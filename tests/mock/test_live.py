"""The live feed over real HTTP: the wait endpoint and the event stream (mock_server/live.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server.app import create_app
from mock_server.journal import Entry, Filter
from mock_server.live import QUEUE_LIMIT, Subscription
from mock_server.settings import Settings
from tests.mock.conftest import Running, Start
from tests.support.server import serve


def _wait(running: Running, **params: Any) -> httpx.Response:
    return running.client.get(running.base + "/__admin/notifications/wait", params=params)


def _wait_while(waited_on: Running, send: Callable[[], object], **params: Any) -> httpx.Response:
    """Start a wait on `waited_on`, `send` while it waits, and return the wait's answer."""
    answers: list[httpx.Response] = []
    waiter = threading.Thread(target=lambda: answers.append(_wait(waited_on, **params)))
    waiter.start()
    send()
    waiter.join(timeout=60)
    (response,) = answers
    return response


def _events(response: httpx.Response) -> Iterator[tuple[str, str | None, Any]]:
    """(event, id, data) of a text/event-stream, as EventSource reads it; comments skipped."""
    event, event_id, data = "message", None, []
    for line in response.iter_lines():
        if line == "":
            if data:
                yield event, event_id, json.loads("\n".join(data))
            event, event_id, data = "message", None, []
        elif line.startswith(":"):
            continue
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "event":
                event = value
            elif name == "id":
                event_id = value
            elif name == "data":
                data.append(value)


def test_wait_answers_at_once_with_a_match_already_journaled(start: Start) -> None:
    running = start()
    running.notify(running.example(ticket_id="T-1"))

    response = _wait(running, ticket_id="T-1", timeout=30)

    assert response.status_code == 200
    assert response.json()["ticket_id"] == "T-1"
    assert response.json()["verdict"] == "accepted"


def test_wait_returns_the_notification_journaled_while_it_waits(start: Start) -> None:
    running = start()
    running.notify(running.example(ticket_id="T-2"))
    after = running.last()["id"]

    response = _wait_while(
        running,
        lambda: running.notify(running.example(ticket_id="T-2", result="won")),
        ticket_id="T-2",
        after=after,
        timeout=30,
    )

    assert response.status_code == 200
    assert response.json()["id"] > after
    assert response.json()["notification"]["data"]["result"] == "won"


def test_wait_times_out_with_a_408_problem_that_says_what_it_waited_for(start: Start) -> None:
    running = start()
    running.notify(running.example(ticket_id="other"))

    response = _wait(running, ticket_id="T-3", verdict="accepted", timeout=0)

    assert response.status_code == 408
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert "ticket_id='T-3'" in detail
    assert "verdict='accepted'" in detail
    assert "within 0 s" in detail


def test_wait_skips_matches_up_to_after_and_filters_by_verdict(start: Start) -> None:
    running = start()
    running.notify(running.example(ticket_id="T-4"))
    first = running.last()["id"]
    running.notify(running.example(ticket_id="T-4", event_id=True))  # rejected

    assert _wait(running, ticket_id="T-4", after=first, timeout=0).json()["verdict"] == "rejected"
    assert _wait(running, ticket_id="T-4", verdict="accepted").json()["id"] == first
    assert (
        _wait(running, ticket_id="T-4", verdict="accepted", after=first, timeout=0).status_code
        == 408
    )


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"timeout": 31}, "timeout"),
        ({"timeout": "soon"}, "timeout"),
        ({"after": -1}, "after"),
        ({"since": "yesterday"}, "since"),
        ({"verdict": "maybe"}, "verdict"),
    ],
)
def test_wait_refuses_a_bad_parameter_with_a_400_naming_it(
    receiver: Running, params: dict[str, Any], named: str
) -> None:
    response = _wait(receiver, **params)

    assert response.status_code == 400
    assert response.json()["detail"].startswith(named), response.json()


def test_stream_sends_the_backlog_after_an_id_then_new_records_then_cleared(start: Start) -> None:
    running = start()
    running.notify(running.example(ticket_id="old"))
    old = running.last()["id"]
    running.notify(running.example(ticket_id="backlog"))
    url = running.base + "/__admin/notifications/stream"

    with running.client.stream("GET", url, params={"after": old}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _events(response)
        assert next(events) == ("ready", None, {"after": old})
        name, event_id, record = next(events)
        assert (name, record["ticket_id"]) == ("notification", "backlog")
        assert event_id == str(record["id"])

        running.notify(running.example(ticket_id="new", event_id=True))
        name, _, record = next(events)
        assert (name, record["ticket_id"], record["verdict"]) == ("notification", "new", "rejected")
        assert json.loads(record["answer"])["status"] == 400

        assert running.client.delete(running.base + "/__admin/notifications").status_code == 200
        assert next(events)[0] == "cleared"
        running.notify(running.example(ticket_id="after-clear"))
        assert next(events)[2]["ticket_id"] == "after-clear"


def test_stream_sends_only_what_its_filters_select(start: Start) -> None:
    running = start()
    url = running.base + "/__admin/notifications/stream"

    with running.client.stream("GET", url, params={"type": "otp"}) as response:
        events = _events(response)
        assert next(events)[0] == "ready"
        running.notify(running.example("bet_result"))
        running.notify(running.example("otp"))
        name, _, record = next(events)

    assert (name, record["type"]) == ("notification", "otp")


def test_a_reconnecting_event_source_resumes_after_its_last_event_id(start: Start) -> None:
    running = start()
    running.notify(running.example(ticket_id="seen"))
    seen = running.last()["id"]
    running.notify(running.example(ticket_id="missed"))
    url = running.base + "/__admin/notifications/stream"

    # EventSource repeats the URL it was opened with and adds Last-Event-ID.
    with running.client.stream(
        "GET", url, params={"after": 0}, headers={"last-event-id": str(seen)}
    ) as response:
        events = _events(response)
        assert next(events) == ("ready", None, {"after": seen})
        assert next(events)[2]["ticket_id"] == "missed"


def test_stream_and_wait_see_what_another_worker_journaled(tmp_path: Path) -> None:
    # Two apps on one journal file: the two workers of `--workers 2`.
    journal = str(tmp_path / "journal.db")
    first, second = create_app(Settings(journal=journal)), create_app(Settings(journal=journal))
    with (
        serve(first.app, timeout_graceful_shutdown=1) as base_a,
        serve(second.app, timeout_graceful_shutdown=1) as base_b,
        httpx.Client(timeout=30) as client,
    ):
        a, b = Running(base_a, first, client), Running(base_b, second, client)
        with client.stream("GET", base_a + "/__admin/notifications/stream") as response:
            events = _events(response)
            assert next(events)[0] == "ready"
            b.notify(b.example(ticket_id="via-b"))
            assert next(events)[2]["ticket_id"] == "via-b"

        response = _wait_while(
            a,
            lambda: b.notify(b.example(ticket_id="via-b", result="won")),
            ticket_id="via-b",
            after=a.last()["id"],
            timeout=30,
        )

    assert response.status_code == 200
    assert response.json()["notification"]["data"]["result"] == "won"


def test_a_listener_that_stops_reading_is_dropped_not_buffered_without_bound() -> None:
    subscription = Subscription(Filter())
    entries = [
        Entry(0.0, "POST", "/n", {}, b"{}", None, None, None, "accepted", 200, id=i)
        for i in range(1, QUEUE_LIMIT + 2)
    ]

    for entry in entries:
        subscription.offer(entry)

    assert subscription.queue.qsize() == QUEUE_LIMIT
    assert subscription.behind is True
