"""The DevTools driver in tests/support/browser.py, proved on a tiny page served over real HTTP."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.support import browser as browser_module
from tests.support.browser import BrowserError, Chromium, JavaScriptError, Page, browser
from tests.support.server import free_port, serve

# `arm(ms)` starts a timer that changes the DOM; nothing changes it before the test arms it, so
# the "before" reading is deterministic and the "after" one can only come from waiting.
TIMER_PAGE = """<!doctype html>
<html><head><title>timer</title></head>
<body>
<p id="status">waiting</p>
<script>
  window.arm = (ms) => {
    setTimeout(() => { document.getElementById("status").textContent = "ready"; }, ms);
    return true;
  };
</script>
</body></html>
"""

BROKEN_PAGE = """<!doctype html>
<html><body><script>
  console.error("something", "went wrong");
  undefinedFunction();
</script></body></html>
"""


async def _timer(_request: object) -> HTMLResponse:
    return HTMLResponse(TIMER_PAGE)


async def _broken(_request: object) -> HTMLResponse:
    return HTMLResponse(BROKEN_PAGE)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    app = Starlette(routes=[Route("/", _timer), Route("/broken", _broken)])
    with serve(app) as base:
        yield base


@pytest.mark.browser
def test_wait_for_returns_once_a_timer_has_changed_the_dom(page: Page, site: str) -> None:
    page.navigate(site + "/")
    status = "document.getElementById('status').textContent"
    assert page.evaluate(status) == "waiting"

    started = time.monotonic()
    assert page.evaluate("arm(300)") is True
    assert page.wait_for(f"{status} === 'ready' && {status}", timeout=5) == "ready"

    assert time.monotonic() - started >= 0.3
    assert page.errors == []


@pytest.mark.browser
def test_evaluate_returns_values_and_awaits_promises(page: Page, site: str) -> None:
    page.navigate(site + "/")

    assert page.evaluate("document.title") == "timer"
    assert page.evaluate("({a: [1, 2], b: null})") == {"a": [1, 2], "b": None}
    assert page.evaluate("new Promise(r => setTimeout(() => r(42), 50))") == 42
    assert page.evaluate("undefined") is None


@pytest.mark.browser
def test_an_expression_that_throws_raises_with_the_javascript_message(
    page: Page, site: str
) -> None:
    page.navigate(site + "/")

    with pytest.raises(JavaScriptError, match="nope"):
        page.evaluate("(() => { throw new Error('nope'); })()")


@pytest.mark.browser
def test_wait_for_gives_up_after_its_timeout_and_quotes_the_expression(
    page: Page, site: str
) -> None:
    page.navigate(site + "/")

    started = time.monotonic()
    with pytest.raises(BrowserError, match=r"'1 === 2' not true within 0.3 s"):
        page.wait_for("1 === 2", timeout=0.3)
    assert time.monotonic() - started < 2


@pytest.mark.browser
def test_uncaught_errors_and_console_errors_of_the_page_are_collected(
    page: Page, site: str
) -> None:
    page.navigate(site + "/broken")
    page.evaluate("1")  # let the driver read the events that arrived with the page

    assert any("undefinedFunction is not defined" in e for e in page.errors), page.errors
    assert "console.error: something went wrong" in page.errors


@pytest.mark.browser
def test_navigating_to_a_closed_port_fails_with_the_network_error(page: Page) -> None:
    with pytest.raises(BrowserError, match="ERR_CONNECTION_REFUSED"):
        page.navigate(f"http://127.0.0.1:{free_port()}/")


@pytest.mark.browser
def test_each_page_has_its_own_storage(browser_process: Chromium, site: str) -> None:
    with browser_process.page() as first:
        first.navigate(site + "/")
        first.evaluate("localStorage.setItem('who', 'first')")
        with browser_process.page() as second:
            second.navigate(site + "/")

            assert second.evaluate("localStorage.getItem('who')") is None
            assert first.evaluate("localStorage.getItem('who')") == "first"


@pytest.mark.browser
def test_screenshot_is_a_png(page: Page, site: str, tmp_path: Path) -> None:
    page.navigate(site + "/")

    shot = page.screenshot(tmp_path / "timer.png")

    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 1000


@pytest.mark.browser
def test_leaving_the_block_stops_every_chromium_process_and_deletes_the_profile() -> None:
    with browser() as tab:
        pid, profile = tab.browser.pid, tab.browser.profile
        assert profile.is_dir()

    # Chromium ran in its own session; what is left of it may only be zombies awaiting PID 1.
    states = subprocess.run(
        ["ps", "-o", "stat=", "--sid", str(pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    assert all(state.startswith("Z") for state in states), states
    assert not profile.parent.exists()


def test_without_chromium_the_test_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser_module, "CANDIDATES", ("sms-hook-no-such-browser",))
    monkeypatch.delenv(browser_module.BINARY_ENV, raising=False)
    monkeypatch.delenv(browser_module.REQUIRE_ENV, raising=False)

    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"), browser():
        pass


def test_without_chromium_the_test_fails_when_a_browser_is_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(browser_module, "CANDIDATES", ("sms-hook-no-such-browser",))
    monkeypatch.delenv(browser_module.BINARY_ENV, raising=False)
    monkeypatch.setenv(browser_module.REQUIRE_ENV, "1")

    with pytest.raises(pytest.fail.Exception, match="SMS_HOOK_REQUIRE_BROWSER=1"), browser():
        pass


def test_a_configured_path_that_is_not_executable_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(browser_module.BINARY_ENV, str(tmp_path / "chromium"))

    with pytest.raises(BrowserError, match=r"SMS_HOOK_CHROMIUM=.* is not an executable"):
        browser_module.find_chromium()
