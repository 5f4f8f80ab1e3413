"""Fixtures for tests that drive a real headless Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture
def artifacts(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """Where a test keeps its screenshots: `$SMS_HOOK_ARTIFACTS/browser/<test>` when set (CI
    uploads it), else a pytest temporary directory."""
    root = os.environ.get("SMS_HOOK_ARTIFACTS")
    name = request.node.name.replace("[", "-").replace("]", "")
    if root:
        folder = Path(root) / "browser" / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp(name[:40])
