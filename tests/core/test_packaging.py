"""A plain (non-editable) install ships the OpenAPI documents and vectors inside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("sms_hook-*.whl")
    return built


def test_the_wheel_ships_the_documents_vectors_and_all_three_packages(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "sms_hook/openapi/sms-notifications.yaml",
        "sms_hook/openapi/signing-vectors.json",
        "sms_hook/py.typed",
        "mock_server/__init__.py",
        "contract_tests/__init__.py",
        "contract_tests/certificate.css",
        "sms_hook/cli/__init__.py",
    ):
        assert required in names, required
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "sms-hook = sms_hook.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_an_installed_wheel_works_from_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from sms_hook import contract; print(contract.document_dir());"
        "from sms_hook.cli import cli;"
        "cli(['sign', '--example', 'otp', '--timestamp', '1706191612', '--secret', '12345ABCDE'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(target)],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == str(target / "sms_hook" / "openapi")
    assert "46b1ec8d2a05129bb57c8256f2cdd3029b2cf72dbed57f0d3eedd6b156573433" in done.stdout
