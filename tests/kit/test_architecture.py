"""docs/architecture.md names only modules that exist."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[2]
PACKAGES: Final = ("sms_hook", "mock_server", "contract_tests", "sms_hook_load")
TEXT: Final = (ROOT / "docs" / "architecture.md").read_text("utf-8")


def test_every_module_path_named_exists() -> None:
    paths = set(re.findall(r"\b((?:[a-z_]+/)+[a-z_]+\.py)\b", TEXT))
    assert paths, "the document names no module path"
    assert not {path for path in paths if not (ROOT / path).is_file()}


def test_every_module_file_named_exists_in_one_of_the_packages() -> None:
    names = set(re.findall(r"(?<![/\w])([a-z_]+\.py)\b", TEXT))
    existing = {path.name for package in PACKAGES for path in (ROOT / package).rglob("*.py")}
    assert not names - existing, f"named but not found: {sorted(names - existing)}"


def test_every_package_named_exists() -> None:
    packages = set(re.findall(r"`((?:[a-z_]+/)+)`", TEXT))
    assert packages
    assert not {package for package in packages if not (ROOT / package).is_dir()}
