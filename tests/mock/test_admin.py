"""The admin API (openapi/admin.yaml) and the page, over real HTTP."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from mock_server.admin import parse_moment
from sms_hook import contract as contract_module
from tests.mock.conftest import Running, Start, problem


@pytest.fixture
def filled(start: Start) -> Running:
    """A mock whose journal holds, oldest first: otp ok, bet_result ok (T1), bet_result bad (T2),
    ticket_status ok (T1), and a simulated 503."""
    running = start()
    running.notify(running.example("otp"))
    running.notify(running.example("bet_result", ticket_id="T1"))
    running.notify(running.example("bet_result", ticket_id="T2", event_id=True))
    running.notify(running.example("ticket_status", ticket_id="T1"))
    running.notify(running.example("otp"), headers={"prefer": "code=503"})
    return running


def _listed(running: Running, **params: object) -> list[tuple[str | None, str | None, str]]:
    items = running.admin("/notifications", **params)["items"]
    return [(i["type"], i["ticket_id"], i["verdict"]) for i in items]


def test_notifications_are_listed_newest_first(filled: Running) -> None:
    page = filled.admin("/notifications")

    ids = [item["id"] for item in page["items"]]
    assert ids == sorted(ids, reverse=True)
    assert _listed(filled)[0] == ("otp", None, "simulated")
    assert _listed(filled)[-1] == ("otp", None, "accepted")
    assert (page["count"], page["limit"], page["offset"]) == (5, 100, 0)


def test_filters_select_by_type_ticket_and_verdict(filled: Running) -> None:
    assert _listed(filled, type="bet_result") == [
        ("bet_result", "T2", "rejected"),
        ("bet_result", "T1", "accepted"),
    ]
    assert _listed(filled, ticket_id="T1") == [
        ("ticket_status", "T1", "accepted"),
        ("bet_result", "T1", "accepted"),
    ]
    assert _listed(filled, verdict="rejected") == [("bet_result", "T2", "rejected")]
    assert _listed(filled, type="bet_result", verdict="accepted", ticket_id="T1") == [
        ("bet_result", "T1", "accepted")
    ]


def test_count_takes_the_same_filters(filled: Running) -> None:
    assert filled.admin("/notifications/count")["count"] == 5
    assert filled.admin("/notifications/count", type="otp")["count"] == 2
    assert filled.admin("/notifications/count", verdict="simulated")["count"] == 1
    assert filled.admin("/notifications/count", ticket_id="nope")["count"] == 0


def test_limit_and_offset_page_through_the_journal(filled: Running) -> None:
    everything = [i["id"] for i in filled.admin("/notifications")["items"]]

    first = filled.admin("/notifications", limit=2)
    second = filled.admin("/notifications", limit=2, offset=2)

    assert [i["id"] for i in first["items"] + second["items"]] == everything[:4]
    assert first["count"] == second["count"] == 5


def test_since_accepts_iso_8601_and_unix_seconds(start: Start) -> None:
    running = start()
    running.notify(running.example("otp"))
    moment = time.time()
    while time.time() == moment:  # a later clock reading, without sleeping
        pass
    running.notify(running.example("bet_result"))
    iso = datetime.fromtimestamp(moment, UTC).isoformat()
    naive_utc = datetime.fromtimestamp(moment, UTC).replace(tzinfo=None).isoformat()

    assert [t for t, _, _ in _listed(running, since=str(moment))] == ["bet_result"]
    assert [t for t, _, _ in _listed(running, since=iso)] == ["bet_result"]
    assert [t for t, _, _ in _listed(running, since=naive_utc)] == ["bet_result"]
    assert len(_listed(running, since="2000-01-01T00:00:00Z")) == 2
    assert running.admin("/notifications/count", since=str(moment))["count"] == 1


def test_one_record_is_read_by_its_id(filled: Running) -> None:
    newest = filled.admin("/notifications", limit=1)["items"][0]

    assert filled.admin(f"/notifications/{newest['id']}") == newest


def test_an_unknown_id_gets_404_problem(filled: Running) -> None:
    response = filled.client.get(filled.base + "/__admin/notifications/999999")

    assert response.status_code == 404
    assert problem(response)["detail"].startswith("id: no notification 999999 in the journal")


def test_clear_empties_the_journal_and_says_how_many_went(filled: Running) -> None:
    response = filled.client.delete(filled.base + "/__admin/notifications")

    assert response.json() == {"deleted": 5}
    assert filled.admin("/notifications/count")["count"] == 0
    assert filled.admin("/notifications")["items"] == []


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("limit=0", "limit: 0 is less than the minimum of 1"),
        ("limit=1001", "limit: 1001 is greater than the maximum of 1000"),
        ("limit=abc", "limit: 'abc' is not of type 'integer'"),
        ("offset=-1", "offset: -1 is less than the minimum of 0"),
        ("verdict=ok", "verdict: 'ok' is not one of ['accepted', 'rejected', 'simulated']"),
        ("since=yesterday", "since: 'yesterday' is neither ISO-8601"),
        ("since=nan", "since: 'nan' is neither ISO-8601"),
        ("bogus=1", "Extra query parameter(s) bogus not in spec"),
    ],
)
def test_bad_filter_values_get_400_naming_the_parameter(
    receiver: Running, query: str, detail: str
) -> None:
    for path in ("/notifications", "/notifications/count"):
        if path.endswith("count") and query.partition("=")[0] in {"limit", "offset"}:
            continue
        response = receiver.client.get(f"{receiver.base}/__admin{path}?{query}")

        assert response.status_code == 400, response.text
        assert problem(response)["detail"].startswith(detail)


def test_a_non_numeric_id_is_not_found_rather_than_an_error(receiver: Running) -> None:
    response = receiver.client.get(receiver.base + "/__admin/notifications/abc")

    assert response.status_code == 404


def test_health_reports_the_journal(filled: Running) -> None:
    assert filled.admin("/health") == {"status": "ok", "notifications": 5, "journal": ":memory:"}


@pytest.mark.parametrize("path", ["/__admin/", "/__admin/index.html"])
def test_the_page_is_served_with_its_documented_hooks(receiver: Running, path: str) -> None:
    response = receiver.client.get(receiver.base + path)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    for hook in ('id="notifications"', "tr.notification[data-id]", "td.reasons", 'id="state"'):
        assert hook in response.text
    assert "<script src" not in response.text  # self-contained


def test_admin_without_the_slash_redirects_to_the_page(receiver: Running) -> None:
    response = receiver.client.get(receiver.base + "/__admin", follow_redirects=True)

    assert response.status_code == 200
    assert str(response.url).endswith("/__admin/")


def test_the_admin_api_document_is_served_with_its_own_swagger_ui(receiver: Running) -> None:
    document = receiver.client.get(receiver.base + "/__admin/openapi.json").json()

    assert "/notifications/count" in document["paths"]
    assert receiver.client.get(receiver.base + "/__admin/ui/").status_code == 200


def test_a_405_on_the_notifications_list_allows_delete_too(receiver: Running) -> None:
    response = receiver.client.put(receiver.base + "/__admin/notifications")

    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, HEAD"


@pytest.mark.parametrize(
    ("since", "seconds"),
    [
        ("1706191612", 1706191612.0),
        ("1706191612.5", 1706191612.5),
        ("2024-01-25", 1706140800.0),
        ("2024-01-25T14:06:52Z", 1706191612.0),
        ("2024-01-25 14:06", 1706191560.0),
        ("2024-01-25T16:06:52.250+02:00", 1706191612.25),
        ("2024-02-30", 1709251200.0),  # a day past the month's end counts on: 1 March
    ],
)
def test_every_form_the_since_pattern_allows_has_a_moment(since: str, seconds: float) -> None:
    pattern = _since_schema()["pattern"]
    assert re.search(pattern, since)
    assert parse_moment(since) == seconds


def test_a_since_value_outside_the_pattern_is_refused_in_words(receiver: Running) -> None:
    response = receiver.client.get(receiver.base + "/__admin/notifications?since=1706191612Z")

    assert response.status_code == 400
    assert problem(response)["detail"] == (
        "since: '1706191612Z' is neither ISO-8601 (2024-01-25T14:06:52Z) "
        "nor unix seconds (1706191612)"
    )


def _since_schema() -> dict[str, Any]:
    path = contract_module.document_path(contract_module.ADMIN_FILE)
    document = yaml.safe_load(path.read_bytes())
    schema: dict[str, Any] = document["components"]["parameters"]["Since"]["schema"]
    return schema
