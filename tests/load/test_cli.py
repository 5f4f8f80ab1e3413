"""`sms-hook load`'s own answers: one line and exit 2 for usage problems and an unreachable
receiver, the secret never printed, URL credentials masked, every request signed and judged."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path

import pytest

from sms_hook import signing
from sms_hook.cli.load import mask_url
from tests.load.conftest import load
from tests.receivers.asgi import PlainApp, Response
from tests.support.server import free_port, serve


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if "using the documentation's test key" not in line]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--rate=abc", "--duration=1"], "'--rate'"),
        (["--rate=0", "--duration=1"], "'--rate'"),
        (["--duration=1"], "Missing option '--rate'"),
        (["--rate=5", "--duration=1", "--types=otp,sms"], "--types: 'sms'"),
        (["--rate=5", "--duration=1", "--report-html=/nonexistent/dir/r.html"], "--report-html"),
        (["--rate=5", "--duration=1", "--workers=-1"], "'--workers'"),
        (["--rate=5", "--duration=1", "--bogus"], "--bogus"),
        # not a number at all: nan and inf are refused where they are parsed, never a traceback
        (["--rate=nan", "--duration=1"], "'--rate': 'nan': give a number of notifications"),
        (["--rate=inf", "--duration=1"], "'--rate': 'inf'"),
        (["--rate=5", "--duration=nan"], "'--duration': 'nan'"),
        (["--rate=5", "--duration=1", "--timeout=nan"], "'--timeout': 'nan'"),
        (["--rate=5", "--duration=1", "--expect-p99=inf"], "'--expect-p99': 'inf'"),
    ],
)
def test_a_usage_problem_is_one_line_and_exit_2(args: list[str], says: str, tmp_path: Path) -> None:
    run = load("http://127.0.0.1:9/notifications", *args, tmp_path=tmp_path, report=False)
    assert run.code == 2, run.err
    assert says in _one_line(run.err)


def test_a_url_with_a_port_out_of_range_is_a_usage_error_that_says_so(tmp_path: Path) -> None:
    run = load(
        "http://127.0.0.1:65536/x", "--rate=1", "--duration=1", tmp_path=tmp_path, report=False
    )
    assert run.code == 2
    assert "(Port out of range 0-65535)" in _one_line(run.err)


def test_a_secret_that_is_not_utf8_is_refused_without_showing_it(tmp_path: Path) -> None:
    env = {"SMS_HOOK_SECRET": "ab\udcff"}  # the bytes a, b, 0xff in the environment
    run = load("http://127.0.0.1:9/x", "--rate=1", "--duration=1", tmp_path=tmp_path, env=env)
    assert run.code == 2
    line = _one_line(run.err)
    assert "--secret / SMS_HOOK_SECRET: not valid UTF-8 text" in line
    assert "ab" not in line.split("SMS_HOOK_SECRET", 1)[1]


def test_a_url_that_is_not_http_is_a_usage_error(tmp_path: Path) -> None:
    run = load("ftp://example.org/x", "--rate=1", "--duration=1", tmp_path=tmp_path, report=False)
    assert run.code == 2
    assert "URL" in _one_line(run.err)


def test_an_unreachable_receiver_is_one_line_and_exit_2_with_credentials_masked(
    tmp_path: Path,
) -> None:
    url = f"http://partner:hunter2@127.0.0.1:{free_port()}/notifications"
    run = load(
        url,
        "--rate=5",
        "--duration=1",
        tmp_path=tmp_path,
        env={"SMS_HOOK_SECRET": "s3cret-xyz"},
        report=False,
    )
    assert run.code == 2
    line = _one_line(run.err)
    assert "connection refused" in line
    assert "***@127.0.0.1" in line
    assert "hunter2" not in run.err + run.out
    assert "s3cret-xyz" not in run.err + run.out


def test_mask_url_hides_user_and_password_only() -> None:
    assert mask_url("https://u:p@h.example:8443/a?b=1") == "https://***@h.example:8443/a?b=1"
    assert mask_url("http://127.0.0.1:8080/n") == "http://127.0.0.1:8080/n"


class _Recording:
    """Checks every request's signature with the run's secret and keeps what arrived."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.seen: list[tuple[dict[str, str], bytes]] = []

    async def __call__(self, headers: Mapping[str, str], body: bytes) -> Response:
        self.seen.append((dict(headers), body))
        signing.verify(self.secret, headers, body)  # raises: a 500, which would be a break
        return Response.json(200, {"message": "ok"})


@pytest.mark.slow
def test_every_request_is_fresh_and_signed_the_secret_never_printed_credentials_sent_as_basic_auth(
    tmp_path: Path,
) -> None:
    receiver = _Recording("s3cret-xyz")
    with serve(PlainApp(receiver)) as base:
        url = base.replace("http://", "http://partner:hunter2@") + "/hooks/sms"
        run = load(
            url,
            "--rate=30",
            "--duration=1",
            "--types=bet_result",
            f"--report-html={tmp_path / 'r.html'}",
            tmp_path=tmp_path,
            env={"SMS_HOOK_SECRET": "s3cret-xyz"},
        )

    assert run.code == 0, run.err + run.out
    assert run.report["requests"]["ok"] == len(receiver.seen) > 0
    everything = run.err + run.out + (tmp_path / "load.json").read_text()
    everything += (tmp_path / "r.html").read_text()
    assert "s3cret-xyz" not in everything
    assert "hunter2" not in everything
    assert "***@127.0.0.1" in run.report["url"]
    expected_auth = "Basic " + base64.b64encode(b"partner:hunter2").decode()
    bodies = set()
    for headers, body in receiver.seen:
        assert headers["authorization"] == expected_auth
        assert headers["content-type"] == "application/json"
        assert body.startswith(b'{"type":"bet_result","data":{"ticket_id":')
        bodies.add(body)
    assert len(bodies) == len(receiver.seen)  # a fresh notification every time


def test_more_senders_than_open_files_allow_is_refused_not_reported_as_receiver_drops(
    tmp_path: Path, secret: str
) -> None:
    import os
    import resource
    import subprocess

    from tests.load.conftest import COMMAND

    def low_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (100, 100))

    receiver = _Recording(secret)
    with serve(PlainApp(receiver)) as base:
        finished = subprocess.run(
            [*COMMAND, base + "/hooks/sms", "--rate=10", "--duration=1", "--users=80"],
            env={k: v for k, v in os.environ.items() if not k.startswith("SMS_HOOK_")},
            preexec_fn=low_limit,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert finished.returncode == 2, finished.stderr
    line = _one_line(finished.stderr)
    assert "--users: 80 senders in one process need 144 open files" in line
    assert receiver.seen == []
