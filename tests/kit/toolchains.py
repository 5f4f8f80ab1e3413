"""Which language toolchains the partner-kit tests can use, and what to do when one is missing.

A developer without Go, PHP or Java gets those tests skipped; CI (`CI=true`, or
`SMS_HOOK_REQUIRE_TOOLCHAINS=1`) installs them with `.ci/install-toolchains.sh`, so there a
missing toolchain fails the test instead of hiding it.
"""

from __future__ import annotations

import os
import shutil
from typing import Final

import pytest

REQUIRE_ENV: Final = "SMS_HOOK_REQUIRE_TOOLCHAINS"


def required() -> bool:
    """True where a missing toolchain is a failure (CI), not a skip."""
    return os.environ.get(REQUIRE_ENV) == "1" or os.environ.get("CI") == "true"


def need(*programs: str, install: str) -> None:
    """Skip (or fail, in CI) the calling test unless every program is on PATH."""
    missing = [program for program in programs if shutil.which(program) is None]
    if not missing:
        return
    message = f"{', '.join(missing)} not found; install it with `{install}`"
    if required():
        pytest.fail(f"{message} — CI requires it (.ci/install-toolchains.sh)", pytrace=False)
    pytest.skip(message)
