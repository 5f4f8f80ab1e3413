"""A journal on a disk that fills up: 503 with Retry-After, health degraded, and recovery.

The disk is real: a 512 KB tmpfs mounted for the test (it needs root and permission to mount;
elsewhere the test is skipped and says why), filled with a file that is removed afterwards.
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sms_hook import contract as contract_module
from sms_hook import delivery
from tests.mock.conftest import TEST_SECRET, running


@contextlib.contextmanager
def small_disk(where: Path) -> Iterator[Path]:
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip() or 'not root'}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _send(client: httpx.Client, url: str, number: int) -> httpx.Response:
    contract = contract_module.load()
    notification = contract.example("bet_result")
    notification["data"]["bet_id"] = number
    notification["data"]["ticket_id"] = f"t{number:06d}" + "x" * 400  # about 1 KB a row
    body = delivery.encode(contract, notification)
    headers = dict(delivery.signed_request(body, TEST_SECRET).headers)
    return client.post(url, content=body, headers=headers)


def test_a_full_disk_gets_503_with_retry_after_and_the_mock_recovers_when_space_is_back(
    tmp_path: Path,
) -> None:
    with small_disk(tmp_path / "disk") as disk:
        filler = disk / "filler"
        filler.write_bytes(b"\0" * 300_000)
        journal = disk / "journal.db"
        with running("--journal", str(journal), cwd=tmp_path) as process, httpx.Client() as client:
            url = process.base + "/notifications"
            answered_200 = 0
            first_503: httpx.Response | None = None
            for number in range(2000):  # bounded; a 512 KB disk is full long before
                response = _send(client, url, number)
                if response.status_code == 200:
                    answered_200 += 1
                    continue
                first_503 = response
                break
            assert first_503 is not None, "the disk never filled"
            more = [_send(client, url, 5000 + n).status_code for n in range(20)]
            degraded = client.get(process.base + "/__admin/health").json()
            filler.unlink()
            after = _send(client, url, 9000)
            healthy = client.get(process.base + "/__admin/health").json()
            answered_200 += after.status_code == 200
            log = process.output()
        with contextlib.closing(sqlite3.connect(journal)) as db:
            rows = db.execute("SELECT count(*) FROM notifications WHERE status = 200").fetchone()

    assert first_503.status_code == 503
    assert first_503.headers["content-type"] == "application/problem+json"
    assert first_503.headers["retry-after"].isdigit()
    assert first_503.json()["detail"].startswith("journal unavailable: disk full")
    assert set(more) == {503}
    assert degraded["status"] == "degraded"
    assert degraded["problem"] == "journal unavailable: disk full"
    assert after.status_code == 200
    assert healthy["status"] == "ok"
    assert "Traceback" not in log
    assert log.count("cannot be written (disk full)") == 1  # one line per change of state
    assert log.count("writable again") == 1
    assert rows[0] == answered_200  # every 200 is in the journal
