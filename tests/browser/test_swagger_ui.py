"""Swagger UI at /ui/, in a real headless Chromium: "Try it out" → "Execute" is answered 200.

The page signs in the browser (WebCrypto) with a fresh timestamp; see static/swagger.html.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mock_server.app import create_app
from mock_server.settings import MEMORY, Settings
from tests.browser.layout import assert_inside_viewport, set_width
from tests.support.browser import Page
from tests.support.server import serve

pytestmark = pytest.mark.browser

OPERATION = '[id$="-receiveNotification"]'  # Swagger UI's id: operations-<tag>-<operationId>
STATUS = f"{OPERATION} .live-responses-table tbody .response-col_status"


@pytest.fixture
def mock_on(request: pytest.FixtureRequest) -> Iterator[str]:
    secret = getattr(request, "param", None)
    built = create_app(Settings(secret=secret, journal=MEMORY))
    with serve(built.app, ready_path="/__admin/health", timeout_graceful_shutdown=1) as base:
        yield base


def _execute(page: Page) -> str:
    page.wait_for("document.body.dataset.ready === '1'", timeout=15)
    page.wait_for(f"!!document.querySelector('{OPERATION} .opblock-summary')")
    page.evaluate(
        f"(document.querySelector('{OPERATION} .opblock-summary-control')"
        f" || document.querySelector('{OPERATION} .opblock-summary')).click()"
    )
    page.wait_for(f"!!document.querySelector('{OPERATION} .try-out__btn')")
    page.evaluate(f"document.querySelector('{OPERATION} .try-out__btn').click()")
    page.wait_for(f"!!document.querySelector('{OPERATION} .execute')")
    page.evaluate(f"document.querySelector('{OPERATION} .execute').click()")
    status: str = page.wait_for(
        f"document.querySelector('{STATUS}')?.textContent.trim()",
        timeout=10,
    )
    page.evaluate(f"document.querySelector('{STATUS}').scrollIntoView({{block: 'center'}})")
    return status


def _journaled(base: str) -> dict[str, object]:
    items = httpx.get(base + "/__admin/notifications", timeout=5).json()["items"]
    assert len(items) == 1, items
    record: dict[str, object] = items[0]
    return record


def test_execute_on_the_test_key_is_answered_200_from_the_first_click(
    page: Page, mock_on: str, artifacts: Path
) -> None:
    set_width(page, 1280)
    page.navigate(mock_on + "/ui/")

    assert _execute(page) == "200"

    assert page.evaluate("document.getElementById('signing-state').dataset.state") == "test-key"
    assert page.evaluate("document.body.dataset.signed") == "1"
    servers = page.evaluate("[...document.querySelectorAll('.servers option')].map(o => o.value)")
    assert servers == [mock_on]
    record = _journaled(mock_on)
    assert record["verdict"] == "accepted"
    page.screenshot(artifacts / "swagger-1280.png")
    assert page.errors == []


@pytest.mark.parametrize("mock_on", ["s3cret-of-the-mock"], indirect=True)
def test_execute_with_the_secret_typed_into_the_page_is_answered_200(
    page: Page, mock_on: str, artifacts: Path
) -> None:
    set_width(page, 390)
    page.navigate(mock_on + "/ui/")
    page.wait_for("document.getElementById('signing-state').dataset.state === 'no-secret'")
    assert page.evaluate("document.getElementById('secret-form').hidden") is False
    page.evaluate(
        "document.getElementById('secret').value = 's3cret-of-the-mock';"
        "document.getElementById('secret-form').requestSubmit()"
    )
    assert page.evaluate("document.getElementById('signing-state').dataset.state") == "secret"
    assert page.evaluate("document.getElementById('secret').value") == ""

    assert _execute(page) == "200"

    assert _journaled(mock_on)["verdict"] == "accepted"
    page.screenshot(artifacts / "swagger-390.png")
    assert_inside_viewport(page, "#signing, #signing *")
    assert page.errors == []


@pytest.mark.parametrize("mock_on", ["s3cret-of-the-mock"], indirect=True)
def test_without_the_secret_execute_gets_the_mocks_401(page: Page, mock_on: str) -> None:
    page.navigate(mock_on + "/ui/")

    assert _execute(page) == "401"

    assert page.evaluate("document.body.dataset.signed") == "0"


def test_the_mock_hands_out_no_secret_and_no_signature(mock_on: str) -> None:
    info = httpx.get(mock_on + "/__admin/mock", timeout=5).json()
    page_text = httpx.get(mock_on + "/ui/", timeout=5).text

    assert info["test_key"] is True
    assert "12345ABCDE" not in page_text
    assert "signature" not in {k.lower() for k in info}
