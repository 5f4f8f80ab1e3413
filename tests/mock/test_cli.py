"""`sms-hook mock` as a user runs it: a real process on a free port, stopped by the test."""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from mock_server.settings import PARSERS, Settings
from sms_hook import contract as contract_module
from sms_hook import delivery
from sms_hook.cli import cli
from sms_hook.errors import SmsHookError
from tests.mock.conftest import COMMAND, TEST_SECRET, cli_env, running, send_concurrently


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args],
        cwd=cwd,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def _send_valid(base: str, client: httpx.Client | None = None) -> int:
    contract = contract_module.load()
    body = delivery.encode(contract, contract.example("bet_result"))
    signed = delivery.signed_request(body, TEST_SECRET)
    post = client.post if client is not None else httpx.post
    return post(base + contract.path, content=body, headers=dict(signed.headers)).status_code


def test_start_up_says_once_that_the_test_key_is_used_and_where_the_journal_is(
    tmp_path: Path,
) -> None:
    with running(cwd=tmp_path) as process:
        assert _send_valid(process.base) == 200
        output = process.output()

    assert output.count("using the documentation's test key") == 1
    assert f"journal: {tmp_path / 'sms-hook-journal.db'} (kept across restarts)" in output
    assert f"listening on {process.base}" in output
    assert (tmp_path / "sms-hook-journal.db").is_file()
    assert "Traceback" not in output


def test_a_secret_from_the_environment_is_used_and_never_printed(tmp_path: Path) -> None:
    with running(cwd=tmp_path, env=cli_env(SMS_HOOK_SECRET="s3cret-xyz")) as process:
        assert _send_valid(process.base) == 401  # signed with the test key, not the secret
        output = process.output()

    assert "s3cret-xyz" not in output
    assert "test key" not in output


def test_the_default_journal_file_survives_a_restart(tmp_path: Path) -> None:
    with running(cwd=tmp_path) as process:
        assert _send_valid(process.base) == 200
    with running(cwd=tmp_path) as process:
        count = httpx.get(process.base + "/__admin/notifications/count").json()["count"]

    assert count == 1


def test_a_port_in_use_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = _run("--port", str(port), "--journal", ":memory:", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"sms-hook: --port {port}: already in use on 127.0.0.1 (another mock running? "
        "give another --port)"
    ]


def test_a_memory_journal_with_several_workers_is_a_usage_error(tmp_path: Path) -> None:
    result = _run("--journal", ":memory:", "--workers", "2", cwd=tmp_path)

    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "--journal :memory: cannot be shared by --workers 2" in result.stderr


def test_an_unusable_journal_path_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    result = _run("--journal", str(tmp_path / "missing" / "dir" / "j.db"), cwd=tmp_path)

    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "cannot be used (unable to open database file)" in result.stderr


@pytest.mark.slow
def test_two_workers_share_one_journal_and_lose_nothing(tmp_path: Path) -> None:
    contract = contract_module.load()
    with running("--workers", "2", "--journal", str(tmp_path / "j.db"), cwd=tmp_path) as process:
        statuses = send_concurrently(process.base + contract.path, contract, senders=8, each=25)
        counts = {
            verdict: httpx.get(
                process.base + "/__admin/notifications/count", params={"verdict": verdict}
            ).json()["count"]
            for verdict in ("accepted", "rejected")
        }
        output = process.output()

    assert "(2 workers)" in output
    assert sorted(set(statuses)) == [200, 400]
    assert counts == {"accepted": statuses.count(200), "rejected": statuses.count(400)}
    assert len(statuses) == 200


def test_help_shows_the_options_and_examples() -> None:
    result = CliRunner().invoke(cli, ["mock", "--help"])

    assert result.exit_code == 0
    for text in (
        "--journal",
        "--tolerance",
        "--max-body",
        "--fail-rate",
        "--delay",
        "--workers",
        "SMS_HOOK_SECRET",
        "Examples:",
        "Prefer: code=503",
    ):
        assert text in result.output


def _post_raw(base: str, extra_headers: bytes) -> bytes:
    contract = contract_module.load()
    body = delivery.encode(contract, contract.example("bet_result"))
    signed = delivery.signed_request(body, TEST_SECRET)
    head = b"".join(f"{k}: {v}\r\n".encode() for k, v in signed.headers.items())
    request = (
        f"POST {contract.path} HTTP/1.1\r\nhost: mock\r\ncontent-length: {len(body)}\r\n".encode()
        + head
        + extra_headers
        + b"connection: close\r\n\r\n"
        + body
    )
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


H2C = (
    b"connection: Upgrade, HTTP2-Settings\r\nupgrade: h2c\r\n"
    b"http2-settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"
)


@pytest.mark.parametrize("parser", PARSERS)
def test_a_notification_that_offers_an_h2c_upgrade_is_accepted(tmp_path: Path, parser: str) -> None:
    # curl --http2 and Java's HttpClient offer HTTP/2 on http:// URLs; the server ignores the
    # offer and must still read the body (stock uvicorn with httptools drops it, issue 2722).
    with running("--journal", ":memory:", "--http-parser", parser, cwd=tmp_path) as process:
        answer = _post_raw(process.base, H2C)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
    assert b"Notification received" in answer


@pytest.mark.skipif(
    shutil.which("curl") is None and os.environ.get("CI") != "true",
    reason="curl is not installed (in CI the test runs, and fails without it)",
)
@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_curl_http2_to_the_default_mock_is_answered_200_and_its_body_journaled(
    tmp_path: Path, framing: str
) -> None:
    contract = contract_module.load()
    body = delivery.encode(contract, contract.example("bet_result"))
    signed = delivery.signed_request(body, TEST_SECRET)
    (tmp_path / "body.json").write_bytes(body)
    command = ["curl", "-sS", "--http2", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}"]
    for name, value in signed.headers.items():
        command += ["-H", f"{name}: {value}"]
    if framing == "chunked":
        command += ["-H", "transfer-encoding: chunked"]
    with running("--journal", ":memory:", cwd=tmp_path) as process:
        command += ["--data-binary", "@body.json", process.base + contract.path]
        done = subprocess.run(command, cwd=tmp_path, capture_output=True, check=True, timeout=20)
        record = httpx.get(process.base + "/__admin/notifications?limit=1").json()["items"][0]
    assert done.stdout.decode().endswith("\n200"), done.stdout
    assert record["headers"]["upgrade"] == "h2c"
    assert base64.b64decode(record["body_base64"]) == body
    assert record["verdict"] == "accepted"


def test_a_secret_that_is_not_utf8_is_refused_at_start_with_one_line_and_exit_2(
    tmp_path: Path,
) -> None:
    # $'\xff\xfe' in a shell: Python sees the bytes as surrogate escapes, which have no UTF-8.
    command = [*COMMAND, "--port", "0", "--journal", ":memory:", "--secret", "\udcff\udcfe"]
    done = subprocess.run(
        command, cwd=tmp_path, env=cli_env(), capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 2
    lines = done.stderr.decode(errors="replace").strip().splitlines()
    assert len(lines) == 1, lines
    assert "not valid UTF-8" in lines[0] or "not UTF-8" in lines[0], lines
    assert "Traceback" not in done.stderr.decode(errors="replace")


def test_settings_refuse_a_secret_that_is_not_utf8_text() -> None:
    # The workers read the secret from the environment, past the command line's own check.
    with pytest.raises(SmsHookError, match="secret: is not UTF-8 text"):
        Settings(secret="\udcff\udcfe")


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead but still listed until its (new) parent reaps it.
    return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1] != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")
def test_workers_stop_when_their_supervisor_is_killed_with_sigkill(tmp_path: Path) -> None:
    journal = str(tmp_path / "journal.db")
    with running("--journal", journal, "--workers", "2", cwd=tmp_path) as process:
        workers = _children(process.popen.pid)
        assert len(workers) >= 2, workers
        process.popen.kill()
        process.popen.wait(timeout=10)
        deadline = time.monotonic() + 30  # a bound for a loaded machine, not a speed claim
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)  # polling other processes: there is nothing to wait on
        left = [w for w in workers if _alive(w)]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
    assert left == []


def test_stopping_ends_an_open_event_stream_as_a_complete_answer_not_after_the_grace_period(
    tmp_path: Path,
) -> None:
    # uvicorn logs "timeout graceful shutdown exceeded" when it has to cancel what is still
    # running after the grace period, and the client then reads a broken chunked body; an
    # admin page's stream used to be exactly that (and held a worker orphaned by kill -9 too).
    with running("--journal", ":memory:", cwd=tmp_path) as process:
        url = process.base + "/__admin/notifications/stream"
        with httpx.Client(timeout=10) as client, client.stream("GET", url) as response:
            lines = response.iter_lines()
            assert next(lines).startswith("retry:")
            process.popen.send_signal(signal.SIGTERM)
            rest = list(lines)  # ends when the mock closes the stream
            process.popen.wait(timeout=15)  # raises TimeoutExpired if the mock does not stop
    assert "event: ready" in rest or any(line.startswith("data:") for line in rest)
    assert "graceful shutdown exceeded" not in process.output(), process.output()
    assert "Traceback" not in process.output()
