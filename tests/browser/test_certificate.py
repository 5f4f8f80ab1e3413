"""The certificate (`verify --report-html`) of real runs, opened in headless Chromium at a
desktop and a phone width: self-contained, escaped, nothing wider than the screen.

Screenshots of every width are kept in `$SMS_HOOK_ARTIFACTS` (or the test's tmp dir).
"""

from __future__ import annotations

import base64
import dataclasses
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract_tests import certificate, json_report
from contract_tests.result import Result
from tests.receivers import CORRECT, RECEIVER_PATH
from tests.receivers.faulty_answer import AsciiOnly
from tests.receivers.faulty_crash import MalformedJson500
from tests.receivers.faulty_validation import BooleanEventId
from tests.support.browser import Page
from tests.support.server import serve
from tests.verify.conftest import SECRET, quick

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)
OVERFLOWING = """
[...document.querySelectorAll('body *')].filter(e => {
  const r = e.getBoundingClientRect();
  return r.width > 0 && (r.right > window.innerWidth + 0.5 || r.left < -0.5);
}).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + e.className)
"""
SCORES = """
[...document.querySelectorAll('#scores tbody tr')].map(tr => [
  tr.querySelector('th').textContent,
  [...tr.querySelectorAll('td')].map(td => td.textContent)])
"""


class _ThreeBugs(MalformedJson500, BooleanEventId, AsciiOnly):
    """500 on malformed JSON, `true` taken for an integer, non-ASCII text refused."""


@pytest.fixture(scope="module")
def broken() -> Iterator[Result]:
    with serve(_ThreeBugs(SECRET)) as base:
        yield quick(base + RECEIVER_PATH, max_examples=3)


@pytest.fixture(scope="module")
def conforming() -> Iterator[Result]:
    with serve(CORRECT["raw_bytes"](SECRET)) as base:
        yield quick(base.replace("http://", "http://partner:pw@") + RECEIVER_PATH, max_examples=2)


def artifacts(tmp_path: Path) -> Path:
    configured = os.environ.get("SMS_HOOK_ARTIFACTS")
    where = Path(configured) if configured else tmp_path
    where.mkdir(parents=True, exist_ok=True)
    return where


def open_at(page: Page, path: Path, width: int) -> None:
    page.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    page.navigate(path.as_uri())


def full_page(page: Page, path: Path, width: int) -> Path:
    """A PNG of the whole page (not only the first screen), for a person to look at."""
    height = page.evaluate("document.documentElement.scrollHeight")
    shot = page.call(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        },
    )
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


@pytest.mark.parametrize("width", WIDTHS)
def test_the_certificate_of_a_broken_receiver_fits_the_screen_and_leads_with_its_causes(
    page: Page, broken: Result, tmp_path: Path, width: int
) -> None:
    html = tmp_path / "certificate.html"
    certificate.write(broken, html)
    open_at(page, html, width)
    assert page.evaluate(OVERFLOWING) == []
    assert page.evaluate("document.getElementById('verdict').textContent") == "Broken"
    ids = page.evaluate("[...document.querySelectorAll('article.cause')].map(a => a.dataset.cause)")
    assert ids == [
        "server-error.body",
        "accepts.field-type.data.event_id+data.bet_id",
        "refuses.accept-non-ascii",
    ]
    report = json_report.as_dict(broken)
    rows = dict(page.evaluate(SCORES))
    for type_name, row in report["scores"]["types"].items():
        shown = rows[type_name]
        for text, score in zip(shown, row.values(), strict=True):
            if score["percent"] is None:
                assert text == "—"
            else:
                passed = score["checked"] - score["failed"]
                assert text == f"{score['percent']}%{passed}/{score['checked']}"
    assert page.errors == []
    shot = full_page(page, artifacts(tmp_path) / f"certificate-broken-{width}.png", width)
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_certificate_of_a_conforming_receiver_masks_the_url_credentials(
    page: Page, conforming: Result, tmp_path: Path, width: int
) -> None:
    html = tmp_path / "certificate.html"
    certificate.write(conforming, html)
    text = html.read_text()
    assert "partner:pw" not in text
    open_at(page, html, width)
    assert page.evaluate(OVERFLOWING) == []
    assert page.evaluate("document.getElementById('verdict').textContent") == "Conforms"
    assert page.evaluate("document.getElementById('overall').dataset.percent") == "100"
    provenance = page.evaluate("document.getElementById('provenance').innerText")
    assert "***@127.0.0.1" in provenance
    assert certificate.contract_digest() in provenance
    full_page(page, artifacts(tmp_path) / f"certificate-conforming-{width}.png", width)


def test_the_certificate_is_self_contained_and_shows_markup_as_text(
    page: Page, broken: Result, tmp_path: Path
) -> None:
    markup = '<img src=x onerror="window.injected=1"><b id="injected">x</b>'
    failures = [dataclasses.replace(f, title=markup, got=markup) for f in broken.failures]
    hostile = dataclasses.replace(broken, failures=failures)
    html = tmp_path / "certificate.html"
    certificate.write(hostile, html)
    text = html.read_text()
    assert "<script" not in text
    assert not re.search(r"""(src|href)=["']?(https?:)?//|@import|url\(""", text)
    open_at(page, html, 1280)
    assert page.evaluate("document.getElementById('injected')") is None
    assert page.evaluate("window.injected === undefined") is True
    assert f"Reproduce — {markup}" in page.evaluate("document.body.textContent")
