"""The certificate's field map, replay window and answer times, in headless Chromium at a
desktop and a phone width: where a receiver's validation differs stands out, nothing overflows.

Screenshots of every width are kept in `$SMS_HOOK_ARTIFACTS` (or the test's tmp dir).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from contract_tests import certificate
from contract_tests.result import Result
from tests.browser.test_certificate import OVERFLOWING, WIDTHS, artifacts, full_page, open_at
from tests.receivers import FAULTY, RECEIVER_PATH
from tests.support.browser import Page
from tests.support.server import serve
from tests.verify.conftest import SECRET, quick

pytestmark = pytest.mark.browser

CELLS = """
Object.fromEntries([...document.querySelectorAll('#field-map table.fmap')].map(t => [
  t.dataset.type,
  Object.fromEntries([...t.querySelectorAll('tbody tr')].map(tr => [
    tr.querySelector('th').textContent,
    Object.fromEntries([...tr.querySelectorAll('td')].map(td => [td.dataset.label, td.className]))
  ]))
]))
"""


@pytest.fixture(scope="module")
def lax() -> Iterator[Result]:
    """A receiver that takes any word for a bet's result (looser than the contract)."""
    with serve(FAULTY["bet_result_no_result_enum"][0](SECRET)) as base:
        yield quick(base + RECEIVER_PATH, max_examples=0)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_field_map_marks_where_validation_is_looser_and_fits_the_screen(
    page: Page, lax: Result, tmp_path: Path, width: int
) -> None:
    html = tmp_path / "certificate.html"
    certificate.write(lax, html)
    open_at(page, html, width)
    assert page.evaluate(OVERFLOWING) == []
    cells = page.evaluate(CELLS)
    assert cells["bet_result"]["result"]["enum"] == "looser"
    assert cells["bet_result"]["ticket_id"]["missing"] == "matches"
    assert cells["ticket_status"]["status"]["enum"] == "matches"
    lead = page.evaluate("document.querySelector('#field-map .fm-lead').textContent")
    assert "bet_result.result enum: accepted (looser)" in lead
    profile = page.evaluate("document.getElementById('profile').innerText")
    assert "accepts −" in profile
    assert "answer times" in profile
    assert page.errors == []
    full_page(page, artifacts(tmp_path) / f"certificate-field-map-{width}.png", width)
