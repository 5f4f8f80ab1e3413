"""The HTML report in a real headless Chromium, at 1280 and 390 px: nothing overflows, it needs
no JavaScript and no network, and it shows the verdict, rates, latency, breaks and the series.

Screenshots are kept in $SMS_HOOK_ARTIFACTS (or the test's tmp dir) for a human to look at.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sms_hook_load.html import render
from sms_hook_load.settings import LoadSettings
from sms_hook_load.summary import summarise
from tests.support.browser import Chromium, Page, chromium

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)
OVERFLOWING = """
(() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > width + 0.5)
    .map(e => e.tagName + (e.id ? "#" + e.id : "") + "." + e.className.baseVal + e.className);
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 10)};
})()
"""


def _report(*, broken: bool) -> dict[str, Any]:
    from sms_hook_load.tally import Tally

    tally = Tally()
    for second in range(30):
        for i in range(400):
            slow = broken and second >= 12
            latency = 3.0 + (i % 50) * 0.1 + (180.0 if slow and i % 7 == 0 else 0.0)
            kind = None
            if broken and second >= 12 and i % 9 == 0:
                kind = "status 500"
            if broken and second >= 20 and i % 31 == 0:
                kind = "timeout"
            example = {
                "at": second + i / 400,
                "type": "bet_result",
                "key": "6549197db70d9c7f28c2a57e",
                "status": 500 if kind == "status 500" else 0,
                "latency_ms": latency,
                "detail": (
                    "status 500; a valid notification must get 200; body "
                    '\'{"detail":"overloaded: the queue of the partner gateway is full, '
                    'retry later","trace":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}\''
                    if kind == "status 500"
                    else "TimeoutError: timed out"
                ),
            }
            tally.record(second, "bet_result", latency, kind, example if kind else None)
    settings = LoadSettings(
        url="https://***@receiver.partner-operator.example:8443/hooks/betstack/sms/notifications",
        rate=400,
        duration=30,
        types=("ticket_status", "bet_result"),
        expect_p99_ms=100.0,
    )
    return summarise(settings, tally, 30.0, [])


@pytest.fixture(scope="module")
def browser_process() -> Iterator[Chromium]:
    with chromium() as running:
        yield running


@pytest.fixture
def page(browser_process: Chromium) -> Iterator[Page]:
    with browser_process.page() as tab:
        yield tab


def _full_page_screenshot(page: Page, path: Path) -> None:
    shot = page.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    path.write_bytes(base64.b64decode(shot["data"]))


def _artifacts(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SMS_HOOK_ARTIFACTS") or tmp_path) / "load-report"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("broken", [True, False], ids=["broken", "passing"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_report_fits_the_screen_and_shows_the_verdict_rates_latency_and_breaks(
    page: Page, tmp_path: Path, width: int, broken: bool
) -> None:
    report = _report(broken=broken)
    html = render(report)
    assert "<script" not in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    page.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    page.call("Emulation.setScriptExecutionDisabled", {"value": True})
    page.navigate(path.as_uri())
    page.call("Emulation.setScriptExecutionDisabled", {"value": False})

    layout = page.evaluate(OVERFLOWING)
    assert layout["wide"] == [], layout
    assert layout["scroll"] <= layout["width"], layout
    shown = page.evaluate(
        """({
          verdict: document.body.dataset.verdict,
          badge: document.getElementById("verdict").textContent.trim(),
          target: document.getElementById("rate-target").textContent,
          achieved: document.getElementById("rate-achieved").textContent,
          p99: document.getElementById("latency-p99").textContent,
          kinds: [...document.querySelectorAll("tr.break")].map(r => r.dataset.kind),
          bars: document.querySelectorAll("svg#answers rect[data-t]").length,
          redBars: document.querySelectorAll("svg#answers rect.break").length,
          rows: document.querySelectorAll("#series tbody tr").length,
        })"""
    )
    expected = "fail" if broken else "pass"
    assert shown["verdict"] == expected
    assert shown["badge"] == expected.upper()
    assert shown["target"] == "400/s"
    assert shown["achieved"] == "400/s"
    assert shown["p99"] == f"{report['latency_ms']['p99']:g} ms"
    assert shown["kinds"] == ([b["kind"] for b in report["breaks"]] if broken else [])
    assert shown["rows"] == 30
    assert shown["redBars"] == (18 if broken else 0)
    page.evaluate("document.querySelector('details').open = true")
    _full_page_screenshot(page, _artifacts(tmp_path) / f"report-{expected}-{width}.png")
    assert page.errors == []
