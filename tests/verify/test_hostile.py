"""Nothing a receiver does breaks `verify` or `send`: real processes against hostile receivers.

Each hostile receiver (tests/receivers/hostile.py) is a raw socket server: one that drips its
answer a byte a second, one that answers 100 MB, one that redirects to itself, one that resets
every connection, one that speaks only TLS. `verify` runs as the installed command, in its own
process, whose peak resident memory is read from the kernel (VmHWM); the time limits are
bounds a broken deadline would blow by minutes, not measurements.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.receivers.hostile import hostile
from tests.support.process import run

SECRET = "partner-s3cret"
MINUTE = 60.0
MAX_RSS_MB = 300.0
ENV = {"SMS_HOOK_SECRET": SECRET}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "options", "said"),
    [
        # the drip never finishes an answer: three deadlines in a row end the run
        ("drip", ["--request-timeout", "3"], "3 requests in a row got no answer within 3 s"),
        ("huge", ["--verbose"], "longer than 1024 KiB"),
        ("redirect", [], "the generated cases were not sent: every answer to the battery"),
        ("reset", [], "no request was answered"),
    ],
)
def test_verify_ends_within_a_minute_under_300_mb_against_a_hostile_receiver(
    name: str, options: list[str], said: str
) -> None:
    with hostile(name) as url:
        done = run("verify", url, *options, limit=2 * MINUTE, env=ENV)
    report = done.stdout.decode()
    assert not done.killed, report[-2000:]
    assert done.seconds < MINUTE, (done.seconds, report[-2000:])
    assert done.peak_rss_mb < MAX_RSS_MB, done.peak_rss_mb
    assert done.code == 1, done.err
    assert "Traceback" not in done.err
    assert said in report, report[-3000:]
    assert "replay protection is in place" not in report


def test_verify_against_a_reset_receiver_claims_no_advisory(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    with hostile("reset") as url:
        done = run(
            "verify",
            url,
            "--max-examples",
            "0",
            "--report-json",
            str(report),
            limit=MINUTE,
            env=ENV,
        )
    assert "no request was answered" in done.stdout.decode()
    advisories = json.loads(report.read_text())["advisories"]
    assert advisories, "the advisory probes were sent"
    assert all(a["message"].startswith("not assessed: ") for a in advisories), advisories
    assert not any(a["notable"] for a in advisories)


@pytest.mark.parametrize("name", ["drip", "huge", "redirect", "reset"])
def test_send_with_timeout_2_returns_within_the_deadline(name: str) -> None:
    with hostile(name) as url:
        done = run("send", "otp", url, "--timeout", "2", limit=MINUTE, env=ENV)
    assert not done.killed
    # 2 s for the exchange, the rest is the interpreter starting and importing
    assert done.seconds < 2 + 8, done.seconds
    assert done.code == 1, done.err
    assert len(done.stdout) < 10_000  # a 100 MB answer is not printed
    assert len(done.err.splitlines()) == 1, done.err
    assert "Traceback" not in done.err


def test_send_to_a_huge_answer_says_the_rest_was_discarded() -> None:
    with hostile("huge") as url:
        done = run("send", "otp", url, limit=MINUTE, env=ENV)
    assert "longer than 1024 KiB; it was not read further" in done.err
    assert done.peak_rss_mb < 100, done.peak_rss_mb


def test_send_to_a_redirect_exits_1_saying_redirects_are_not_followed() -> None:
    with hostile("redirect") as url:
        done = run("send", "otp", url, limit=MINUTE, env=ENV)
    assert done.code == 1
    assert "status 302: the receiver redirects" in done.err
    assert "redirects are not followed" in done.err


@pytest.mark.parametrize("command", [["send", "otp"], ["verify"]])
def test_http_given_to_a_tls_receiver_is_one_line_exit_2(command: list[str]) -> None:
    with hostile("tls") as url:
        plain = url.replace("https://", "http://")
        done = run(*command, plain, limit=MINUTE, env=ENV)
    assert done.code == 2, done.err
    assert done.err.splitlines() == [
        f"sms-hook: receiver unreachable: {plain}: the receiver speaks TLS, not plain HTTP: "
        "use https://"
    ]
