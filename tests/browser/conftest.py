"""Fixtures for tests that drive a real headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.browser import Page, browser


@pytest.fixture
def page() -> Iterator[Page]:
    """A tab of a fresh headless Chromium; skipped (or failed, in CI) when there is none."""
    with browser() as tab:
        yield tab
