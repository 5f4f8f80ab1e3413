"""The mock's journal page at /__admin/, in a real headless Chromium, fed over real HTTP.

The page's element hooks are documented at the top of mock_server/static/admin.html. Every
control is used here; layouts are checked at a laptop's and a phone's width, with screenshots
kept in the `artifacts` folder.
"""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server.app import create_app
from mock_server.settings import MEMORY, Settings
from sms_hook import signing
from sms_hook.contract import Contract
from sms_hook.delivery import encode, signed_request
from tests.browser.layout import WIDTHS, assert_inside_viewport, set_width
from tests.support.browser import Page
from tests.support.server import serve
from tests.support.tools import require

pytestmark = pytest.mark.browser

# Every row as the page shows it: visible text of each cell, plus the data attributes.
ROWS = """
[...document.querySelectorAll("#notifications tbody tr.notification")].map(tr => ({
  id: Number(tr.dataset.id),
  verdict: tr.dataset.verdict,
  status: tr.dataset.status,
  verdictText: tr.querySelector("td.verdict").textContent,
  type: tr.querySelector("td.type").textContent,
  ticketId: tr.querySelector("td.ticket-id").textContent,
  reasons: [...tr.querySelectorAll("td.reasons li.reason")].map(li => li.textContent),
  cause: tr.querySelector("td.reasons li.cause")?.textContent ?? null,
}))
"""
COUNTS = """Object.fromEntries([...document.querySelectorAll('.count')].map(
  b => [b.dataset.verdict || 'all', Number(b.querySelector('.n').textContent)]))"""
LIVE = "document.getElementById('state').dataset.state === 'live'"


@dataclass
class Admin:
    """A mock being served and a tab showing its admin page."""

    base: str
    contract: Contract
    secret: str
    page: Page
    client: httpx.Client

    def send(self, notification: dict[str, Any], **headers: str) -> int:
        request = signed_request(encode(self.contract, notification), self.secret)
        response = self.client.post(
            self.base + self.contract.path,
            content=request.body,
            headers={**request.headers, **headers},
        )
        return response.status_code

    def send_bytes(self, body: bytes) -> int:
        request = signed_request(body, self.secret)
        response = self.client.post(
            self.base + self.contract.path, content=body, headers=dict(request.headers)
        )
        return response.status_code

    def example(self, type_name: str = "bet_result", **data: Any) -> dict[str, Any]:
        notification = self.contract.example(type_name)
        notification["data"].update(data)
        return notification

    def open(self, width: int = 1280) -> None:
        set_width(self.page, width)
        self.page.navigate(self.base + "/__admin/")
        self.page.wait_for(f"document.body.dataset.ready === '1' && {LIVE}")

    def rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.page.evaluate(ROWS)
        return rows

    def wait_column(self, column: str, values: list[str]) -> None:
        """Wait until the rows' `column` (a key of ROWS) reads `values`, top to bottom."""
        expected = json.dumps(json.dumps(values, separators=(",", ":")))
        self.page.wait_for(f"JSON.stringify(({ROWS}).map(r => r[{column!r}])) === {expected}")

    def wait_rows(self, n: int) -> list[dict[str, Any]]:
        self.page.wait_for(f"document.querySelectorAll('tr.notification').length === {n}")
        return self.rows()

    def click(self, selector: str) -> None:
        self.page.evaluate(f"document.querySelector({selector!r}).click()")

    def choose(self, selector: str, value: str) -> None:
        """Set a select or input as a person would, firing the events the page listens to."""
        self.page.evaluate(
            f"(() => {{ const e = document.querySelector({selector!r}); e.value = {value!r};"
            " e.dispatchEvent(new Event('input', {bubbles: true}));"
            " e.dispatchEvent(new Event('change', {bubbles: true})); })()"
        )

    def text(self, selector: str) -> str:
        value: str = self.page.evaluate(f"document.querySelector({selector!r}).textContent")
        return value

    def open_row(self, record_id: int) -> None:
        self.click(f"tr.notification[data-id='{record_id}']")
        self.page.wait_for(
            "!document.getElementById('detail').hidden && document.getElementById("
            f"'detail-title').textContent.startsWith('#{record_id} ')"
        )


@pytest.fixture
def admin(page: Page, secret: str) -> Iterator[Admin]:
    """A mock with a fresh in-memory journal, and the page's tab; the tab leaves the page
    before the server stops, so that no event stream holds the shutdown up."""
    built = create_app(Settings(secret=secret, journal=MEMORY))
    with (
        serve(built.app, ready_path="/__admin/health", timeout_graceful_shutdown=2) as base,
        httpx.Client(timeout=10) as client,
    ):
        # The clipboard, as a focused tab of a person's browser has it.
        context = page.call("Target.getTargetInfo")["targetInfo"]["browserContextId"]
        page.browser.call(
            "Browser.grantPermissions",
            {
                "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
                "origin": base,
                "browserContextId": context,
            },
        )
        page.call("Emulation.setFocusEmulationEnabled", {"enabled": True})
        yield Admin(base, built.contract, secret, page, client)
        page.navigate("about:blank")


def test_page_shows_new_notifications_pushed_by_the_server_without_polling(
    admin: Admin, artifacts: Path
) -> None:
    admin.open()
    admin.page.evaluate("window.loadedOnce = 'still the same document'")
    assert admin.rows() == []
    assert admin.page.evaluate("document.getElementById('empty').hidden") is False

    valid = admin.example()
    invalid = copy.deepcopy(valid)
    invalid["data"]["event_id"] = True  # `--set data.event_id:=true`
    assert admin.send(valid) == 200
    assert admin.send(invalid) == 400
    assert admin.send(admin.example("otp"), prefer="code=503") == 503

    newest, middle, oldest = admin.wait_rows(3)
    assert newest["id"] > middle["id"] > oldest["id"]
    assert (newest["verdict"], newest["status"], newest["type"]) == ("simulated", "503", "otp")
    assert "Prefer" in (newest["cause"] or "")
    assert (middle["verdict"], middle["verdictText"]) == ("rejected", "rejected 400")
    assert any(r.startswith("data.event_id") for r in middle["reasons"]), middle["reasons"]
    assert (oldest["verdict"], oldest["verdictText"], oldest["reasons"]) == (
        "accepted",
        "accepted 200",
        [],
    )
    assert oldest["ticketId"] == valid["data"]["ticket_id"]
    assert admin.page.evaluate(COUNTS) == {"all": 3, "accepted": 1, "rejected": 1, "simulated": 1}
    assert admin.text("#total") == "3 recorded"
    assert admin.page.evaluate("document.body.dataset.events") == "3"
    # Pushed: the list was fetched once, at load, and never again.
    fetched = admin.page.evaluate(
        "performance.getEntriesByType('resource').filter("
        "e => new URL(e.name).pathname === '/__admin/notifications').length"
    )
    assert fetched == 1
    assert admin.page.evaluate("window.loadedOnce") == "still the same document"
    assert admin.page.errors == []
    shot = admin.page.screenshot(artifacts / "list-1280.png").read_bytes()
    assert shot.startswith(b"\x89PNG\r\n\x1a\n")


def test_markup_sent_by_a_sender_is_shown_as_text_not_run(admin: Admin) -> None:
    admin.open()
    markup = '<img src=x onerror="window.injected=1"><b id="injected">x</b>'
    hostile = admin.example(ticket_id=markup, bet_id=markup)  # rejected: the reason quotes it

    assert admin.send(hostile) == 400
    (row,) = admin.wait_rows(1)
    admin.open_row(row["id"])

    assert row["ticketId"] == markup
    assert any('data.bet_id: "<img src=x' in r for r in row["reasons"]), row["reasons"]
    assert json.loads(admin.text("#detail-body"))["data"]["ticket_id"] == markup
    assert admin.page.evaluate("document.getElementById('injected') === null") is True
    assert admin.page.evaluate("document.querySelector('main img') === null") is True
    assert admin.page.evaluate("window.injected === undefined") is True


def test_detail_shows_headers_indented_body_answer_reasons_and_signed_message(
    admin: Admin, artifacts: Path
) -> None:
    invalid = admin.example(event_id=True)
    assert admin.send(invalid) == 400
    admin.open()
    (row,) = admin.rows()

    admin.open_row(row["id"])

    record = httpx.get(f"{admin.base}/__admin/notifications/{row['id']}", timeout=5).json()
    assert admin.text("#detail-answer-status") == "status 400"
    answer = json.loads(admin.text("#detail-answer"))
    assert answer == json.loads(record["answer"])
    assert answer["detail"].startswith("data.event_id")
    reasons = admin.page.evaluate(
        "[...document.querySelectorAll('#detail-reasons li')].map(li => li.textContent)"
    )
    assert reasons == record["reasons"]
    body = admin.text("#detail-body")
    assert "\n  " in body  # indented
    assert json.loads(body) == invalid
    assert admin.page.evaluate("document.querySelectorAll('#detail-body span.k').length") >= 4
    headers = admin.page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('#detail-headers tr')]"
        ".map(tr => [tr.cells[0].textContent, tr.cells[1].textContent]))"
    )
    assert headers["signature"] == record["headers"]["signature"]
    timestamp = record["headers"]["timestamp"]
    expected = signing.message(timestamp, encode(admin.contract, invalid)).decode()
    assert admin.text("#detail-signed") == expected

    admin.click("#body-raw")
    assert admin.text("#detail-body") == record["body"]
    admin.click("#body-pretty")
    assert "\n  " in admin.text("#detail-body")
    admin.page.screenshot(artifacts / "detail-1280.png")
    assert_inside_viewport(admin.page)

    admin.click("#close")
    admin.page.wait_for("document.getElementById('detail').hidden")
    assert admin.page.evaluate("location.hash") == ""


def test_a_record_opens_from_its_address(admin: Admin) -> None:
    assert admin.send(admin.example()) == 200
    record_id = httpx.get(admin.base + "/__admin/notifications", timeout=5).json()["items"][0]["id"]

    admin.page.navigate(f"{admin.base}/__admin/#{record_id}")

    admin.page.wait_for("!document.getElementById('detail').hidden")
    assert admin.text("#detail-title").startswith(f"#{record_id} ")
    assert (
        admin.page.evaluate(
            f"document.querySelector(\"tr[data-id='{record_id}']\").getAttribute('aria-selected')"
        )
        == "true"
    )


def test_copy_as_curl_gives_a_command_that_sends_the_same_bytes_again(admin: Admin) -> None:
    require("curl", "apt-get install curl")
    body = json.dumps(admin.example(), indent=2).encode()  # indented, signed compact
    assert admin.send_bytes(body) == 200
    admin.open()
    (row,) = admin.rows()
    admin.open_row(row["id"])

    admin.click("#copy-curl")

    admin.page.wait_for("document.getElementById('action-result').textContent !== ''")
    assert admin.text("#action-result") == "Copied the curl command."
    command = admin.page.wait_for(
        "document.getElementById('detail-curl').textContent.startsWith('curl')"
        " && document.getElementById('detail-curl').textContent"
    )
    result = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.stdout.startswith("HTTP/1.1 200"), result.stdout + result.stderr
    admin.wait_rows(2)
    items = httpx.get(admin.base + "/__admin/notifications", timeout=5).json()["items"]
    assert items[0]["body_base64"] == items[1]["body_base64"]


def test_resend_replays_the_record_and_the_replay_appears_at_the_top(admin: Admin) -> None:
    assert admin.send(admin.example("ticket_status")) == 200
    admin.open()
    (row,) = admin.rows()
    admin.open_row(row["id"])

    admin.click("#resend")

    admin.page.wait_for("document.getElementById('action-result').textContent.includes('answered')")
    assert admin.text("#action-result").startswith(f"Resent #{row['id']}: the mock answered 200")
    newest, original = admin.wait_rows(2)
    assert newest["id"] > original["id"]
    assert (newest["type"], newest["verdict"]) == ("ticket_status", "accepted")
    assert admin.page.evaluate(COUNTS)["accepted"] == 2


def test_copy_body_puts_the_body_as_received_on_the_clipboard(admin: Admin) -> None:
    assert admin.send(admin.example()) == 200
    admin.open()
    (row,) = admin.rows()
    admin.open_row(row["id"])

    admin.click("#copy-body")

    admin.page.wait_for("document.getElementById('action-result').textContent !== ''")
    assert admin.text("#action-result") == "Copied the body as received."
    record = httpx.get(f"{admin.base}/__admin/notifications/{row['id']}", timeout=5).json()
    assert admin.page.evaluate("navigator.clipboard.readText()") == record["body"]


def test_filters_type_verdict_ticket_and_time_query_the_admin_api(admin: Admin) -> None:
    assert admin.send(admin.example("otp")) == 200
    assert admin.send(admin.example(ticket_id="ticket-A")) == 200
    assert admin.send(admin.example(ticket_id="ticket-B", event_id=True)) == 400
    admin.open()
    assert len(admin.rows()) == 3
    types = admin.page.evaluate(
        "[...document.querySelectorAll('#filter-type option')].map(o => o.value)"
    )
    assert types == ["", "otp", "ticket_status", "bet_result"]

    admin.choose("#filter-type", "otp")
    admin.wait_column("type", ["otp"])
    assert admin.page.evaluate(COUNTS) == {"all": 1, "accepted": 1, "rejected": 0, "simulated": 0}

    admin.click("#reset")
    admin.wait_rows(3)
    admin.click(".count[data-verdict='rejected']")
    admin.wait_column("ticketId", ["ticket-B"])
    assert admin.page.evaluate("document.getElementById('filter-verdict').value") == "rejected"
    assert (
        admin.page.evaluate(
            "document.querySelector(\".count[data-verdict='rejected']\").getAttribute('aria-pressed')"
        )
        == "true"
    )

    admin.choose("#filter-verdict", "")
    admin.choose("#filter-ticket", "ticket-A")
    admin.wait_column("ticketId", ["ticket-A"])
    assert admin.text("#total") == "1 matching"
    # New records that match the filters arrive; others only count where they belong.
    assert admin.send(admin.example(ticket_id="ticket-A", result="won")) == 200
    assert admin.send(admin.example(ticket_id="ticket-C")) == 200
    admin.wait_column("ticketId", ["ticket-A", "ticket-A"])
    assert admin.page.evaluate("document.body.dataset.events") == "1"

    admin.choose("#filter-ticket", "")
    admin.wait_rows(5)
    admin.choose("#filter-since", "now")
    admin.wait_rows(0)
    assert admin.page.evaluate("document.getElementById('empty').hidden") is False
    assert admin.send(admin.example("otp")) == 200
    admin.wait_column("type", ["otp"])
    admin.choose("#filter-since", "3600")
    admin.wait_rows(6)
    assert admin.page.errors == []


def test_load_older_fetches_the_next_page(admin: Admin) -> None:
    for bet_id in range(105):
        assert admin.send(admin.example(bet_id=bet_id)) == 200
    admin.open()
    assert len(admin.rows()) == 100
    assert admin.text("#total") == "105 recorded · newest 100 shown"

    admin.click("#more")

    assert len(admin.wait_rows(105)) == 105
    assert admin.page.evaluate("document.getElementById('more-row').hidden") is True


def test_clear_journal_takes_two_clicks_and_empties_the_list(admin: Admin) -> None:
    assert admin.send(admin.example()) == 200
    admin.open()
    admin.wait_rows(1)

    admin.click("#clear")
    assert admin.text("#clear").startswith("Click again")
    assert len(admin.rows()) == 1
    admin.click("#clear")

    admin.wait_rows(0)
    assert admin.page.evaluate(COUNTS)["all"] == 0
    assert httpx.get(admin.base + "/__admin/notifications/count", timeout=5).json() == {"count": 0}


@pytest.mark.parametrize("width", WIDTHS)
def test_layout_holds_any_body_at_laptop_and_phone_width(
    admin: Admin, artifacts: Path, width: int
) -> None:
    assert admin.send_bytes(b"[" * 40_000) == 400
    assert admin.send(admin.example(ticket_id="t" * 300, bet_id="x" * 2000)) == 400
    assert admin.send(admin.example("otp")) == 200
    admin.open(width)
    rows = admin.wait_rows(3)

    admin.page.screenshot(artifacts / f"list-{width}.png")
    assert_inside_viewport(admin.page)

    for row in rows:
        admin.open_row(row["id"])
        assert_inside_viewport(admin.page)
    admin.open_row(rows[2]["id"])  # the 40 kB of "[": shown as received, wrapped
    assert admin.page.evaluate("document.querySelectorAll('#detail-body span').length") == 0
    assert admin.text("#detail-body") == "[" * 40_000
    admin.page.screenshot(artifacts / f"detail-{width}.png")
    if width < 600:
        # On a phone the detail covers the list, and "← List" brings the list back.
        assert (
            admin.page.evaluate("document.getElementById('detail').getBoundingClientRect().width")
            == width
        )
        admin.click("#close")
        admin.page.wait_for("document.getElementById('detail').hidden")
    assert admin.page.errors == []


def test_rows_open_with_the_keyboard_and_escape_closes(admin: Admin) -> None:
    assert admin.send(admin.example()) == 200
    assert admin.send(admin.example("otp")) == 200
    admin.open()
    newest, oldest = admin.rows()

    admin.page.evaluate(
        "document.querySelector('tr.notification').focus();"
        "document.activeElement.dispatchEvent(new KeyboardEvent('keydown',"
        " {key: 'ArrowDown', bubbles: true}));"
        "document.activeElement.dispatchEvent(new KeyboardEvent('keydown',"
        " {key: 'Enter', bubbles: true}))"
    )

    admin.page.wait_for(f"location.hash === '#{oldest['id']}'")
    assert admin.text("#detail-title").startswith(f"#{oldest['id']} ")
    admin.page.evaluate(
        "document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}))"
    )
    admin.page.wait_for("document.getElementById('detail').hidden")
    assert newest["id"] > oldest["id"]


def test_the_pages_links_lead_to_pages_that_answer(admin: Admin) -> None:
    admin.open()

    statuses = admin.page.evaluate(
        "Promise.all([...document.querySelectorAll('a[href]')].map("
        "a => fetch(a.href).then(r => [a.getAttribute('href'), r.status])))"
    )

    assert dict(statuses) == {"/ui/": 200, "/__admin/ui/": 200}


def test_the_page_says_offline_when_the_mock_stops(page: Page, secret: str) -> None:
    built = create_app(Settings(secret=secret, journal=MEMORY))
    with serve(built.app, ready_path="/__admin/health", timeout_graceful_shutdown=1) as base:
        page.navigate(base + "/__admin/")
        page.wait_for(LIVE)

    page.wait_for("document.getElementById('state').dataset.state === 'offline'", timeout=15)
    assert page.evaluate("document.getElementById('state').textContent").startswith("offline")


def test_the_page_follows_the_systems_dark_mode(admin: Admin, artifacts: Path) -> None:
    assert admin.send(admin.example(event_id=True)) == 400
    admin.page.call(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
    )
    admin.open()
    (row,) = admin.rows()
    admin.open_row(row["id"])

    background = admin.page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    text = admin.page.evaluate("getComputedStyle(document.body).color")
    assert background == "rgb(13, 17, 23)", background
    assert text == "rgb(230, 237, 243)", text
    assert_inside_viewport(admin.page)
    admin.page.screenshot(artifacts / "dark-1280.png")


def test_counts_stay_exact_under_a_verdict_filter_while_records_arrive(admin: Admin) -> None:
    assert admin.send(admin.example(event_id=True)) == 400
    assert admin.send(admin.example()) == 200  # newer than the newest rejected one
    admin.open()
    admin.click(".count[data-verdict='rejected']")
    admin.wait_column("verdict", ["rejected"])

    assert admin.send(admin.example("otp")) == 200
    assert admin.send(admin.example(bet_id="x")) == 400
    admin.wait_rows(2)  # the stream is in order: everything before the last one was counted

    assert admin.page.evaluate(COUNTS) == {"all": 4, "accepted": 2, "rejected": 2, "simulated": 0}
    assert admin.page.evaluate("document.body.dataset.events") == "2"
