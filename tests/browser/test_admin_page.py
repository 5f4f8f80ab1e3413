"""The mock's journal page at /__admin/, in a real headless Chromium, fed over real HTTP.

The page's element hooks are documented at the top of mock_server/static/admin.html.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server.app import create_app
from mock_server.settings import MEMORY, Settings
from sms_hook.contract import Contract
from sms_hook.delivery import encode, signed_request
from tests.support.browser import Page
from tests.support.server import serve

pytestmark = pytest.mark.browser

# Every row as the page shows it: visible text of each cell, plus the data attributes.
ROWS = """
[...document.querySelectorAll("#notifications tbody tr.notification")].map(tr => ({
  id: Number(tr.dataset.id),
  verdict: tr.dataset.verdict,
  status: tr.dataset.status,
  verdictText: tr.querySelector("td.verdict").textContent,
  statusText: tr.querySelector("td.status").textContent,
  type: tr.querySelector("td.type").textContent,
  ticketId: tr.querySelector("td.ticket-id").textContent,
  reasons: [...tr.querySelectorAll("td.reasons li.reason")].map(li => li.textContent),
}))
"""
POLLED = "Number(document.body.dataset.polls) >= 1"


@pytest.fixture
def mock(secret: str) -> Iterator[tuple[str, Contract]]:
    """The whole mock app, in-process on 127.0.0.1, with a fresh in-memory journal."""
    built = create_app(Settings(secret=secret, journal=MEMORY))
    with serve(built.app, ready_path="/__admin/health") as base:
        yield base, built.contract


def _send(base: str, contract: Contract, secret: str, notification: dict[str, Any]) -> int:
    request = signed_request(encode(contract, notification), secret)
    response = httpx.post(
        base + contract.path, content=request.body, headers=dict(request.headers), timeout=10
    )
    return response.status_code


def _open_empty_page(page: Page, base: str) -> None:
    page.navigate(base + "/__admin/")
    page.wait_for(POLLED)
    assert page.evaluate("document.getElementById('state').textContent") == "live"
    assert page.evaluate("document.getElementById('empty').hidden") is False
    assert page.evaluate(ROWS) == []


def test_page_lists_new_notifications_newest_first_without_reloading(
    page: Page, mock: tuple[str, Contract], secret: str, tmp_path: Path
) -> None:
    base, contract = mock
    _open_empty_page(page, base)
    # Survives only if the document is never reloaded or replaced.
    page.evaluate("window.loadedOnce = 'still the same document'")

    valid = contract.example("bet_result")
    invalid = copy.deepcopy(valid)
    invalid["data"]["event_id"] = True  # `--set data.event_id:=true`
    assert _send(base, contract, secret, valid) == 200
    assert _send(base, contract, secret, invalid) == 400

    page.wait_for("document.querySelectorAll('tr.notification').length === 2", timeout=5)
    newest, oldest = page.evaluate(ROWS)

    assert newest["id"] > oldest["id"]
    assert (newest["verdict"], newest["verdictText"], newest["statusText"]) == (
        "rejected",
        "rejected",
        "400",
    )
    assert any(r.startswith("data.event_id") for r in newest["reasons"]), newest["reasons"]
    assert (oldest["verdict"], oldest["verdictText"], oldest["statusText"]) == (
        "accepted",
        "accepted",
        "200",
    )
    assert oldest["reasons"] == []
    assert newest["type"] == oldest["type"] == "bet_result"
    assert oldest["ticketId"] == valid["data"]["ticket_id"]
    assert page.evaluate("document.getElementById('empty').hidden") is True
    assert page.evaluate("document.getElementById('total').textContent") == "2 recorded"
    assert page.evaluate("window.loadedOnce") == "still the same document"
    assert page.errors == []

    shot = page.screenshot(tmp_path / "admin.png").read_bytes()
    assert shot.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(shot) > 10_000, len(shot)


def test_markup_sent_by_a_sender_is_shown_as_text_not_run(
    page: Page, mock: tuple[str, Contract], secret: str
) -> None:
    base, contract = mock
    _open_empty_page(page, base)
    markup = '<img src=x onerror="window.injected=1"><b id="injected">x</b>'
    hostile = contract.example("bet_result")
    hostile["data"]["ticket_id"] = markup
    hostile["data"]["bet_id"] = markup  # rejected, so the reason quotes it too

    assert _send(base, contract, secret, hostile) == 400
    page.wait_for("document.querySelectorAll('tr.notification').length === 1", timeout=5)

    (row,) = page.evaluate(ROWS)
    assert row["ticketId"] == markup
    # The reason quotes the value JSON-escaped and shortened, so look for its start.
    assert any('data.bet_id: "<img src=x' in r for r in row["reasons"]), row["reasons"]
    assert page.evaluate("document.getElementById('injected') === null") is True
    assert page.evaluate("document.querySelector('#notifications img') === null") is True
    assert page.evaluate("window.injected === undefined") is True
