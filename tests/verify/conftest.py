"""Fixtures of the verifier's tests: a correct receiver over real HTTP, a quick run of verify."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from contract_tests.result import Result
from contract_tests.runner import Settings, verify
from tests.support.server import serve
from tests.verify.receivers import PATH, judge_receiver

SECRET = "partner-s3cret"
"""Not the documentation's test key, so that the battery's "signed with the test key" probe runs."""
QUICK = 4
"""Generated cases per type and stream in these tests: enough to exercise the machinery."""


def quick(url: str, **settings: object) -> Result:
    """Run verify with few generated cases and a fixed seed."""
    options: dict[str, object] = {"seed": 1, "max_examples": QUICK, **settings}
    return verify(Settings(url, SECRET, **options))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def correct_url() -> Iterator[str]:
    """A correct receiver (the judge answering; open cases accepted) at PATH."""
    with serve(judge_receiver(SECRET)) as base:
        yield base + PATH
