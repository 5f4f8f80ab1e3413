"""Command-line tools a test runs: skipped on a developer machine without them, failed in CI."""

from __future__ import annotations

import os
import shutil

import pytest


def require(tool: str, install: str) -> str:
    """Return the path of `tool`; skip the test without it, or fail when CI (`CI=true`) runs."""
    found = shutil.which(tool)
    if found is not None:
        return found
    message = f"{tool} is not installed ({install})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI must have it", pytrace=False)
    pytest.skip(message)
