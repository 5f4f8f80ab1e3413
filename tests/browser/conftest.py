"""Fixtures for tests that drive a real headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.browser import Chromium, Page, chromium


@pytest.fixture(scope="session")
def browser_process() -> Iterator[Chromium]:
    """One headless Chromium for the whole run; skipped (or failed, in CI) when there is none."""
    with chromium() as running:
        yield running


@pytest.fixture
def page(browser_process: Chromium) -> Iterator[Page]:
    """A fresh tab, in its own browser context, of the shared Chromium."""
    with browser_process.page() as tab:
        yield tab
