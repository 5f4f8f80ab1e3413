"""tests/support/tools.py: a missing tool skips a test on a developer machine and fails it in CI."""

from __future__ import annotations

import pytest

from tests.support.tools import require


def test_a_tool_that_is_there_is_found() -> None:
    assert require("sh", "it is POSIX").endswith("/sh")


def test_a_missing_tool_skips_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)

    with pytest.raises(pytest.skip.Exception, match="sms-hook-no-such-tool is not installed"):
        require("sms-hook-no-such-tool", "apt-get install it")


def test_a_missing_tool_fails_the_test_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")

    with pytest.raises(pytest.fail.Exception, match="CI must have it"):
        require("sms-hook-no-such-tool", "apt-get install it")
