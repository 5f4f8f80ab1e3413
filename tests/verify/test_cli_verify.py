"""`sms-hook verify` on the command line: exit codes, reports, reproducibility, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sms_hook import signing
from sms_hook.cli import cli
from tests.support.server import free_port, serve
from tests.verify import curl
from tests.verify.conftest import SECRET
from tests.verify.receivers import PATH, accepting_receiver, judge_receiver


def verify(*args: str, secret: str | None = SECRET) -> Result:
    env = {"SMS_HOOK_SECRET": secret} if secret is not None else {}
    return CliRunner().invoke(cli, ["verify", *args], env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def broken_url() -> Iterator[str]:
    with serve(accepting_receiver()) as base:
        yield base + PATH


def test_a_conforming_receiver_exits_0_with_a_summary(correct_url: str) -> None:
    result = verify(correct_url, "--seed", "3", "--max-examples", "2")
    assert result.exit_code == 0, result.output
    assert "CONFORMS: no failures" in result.output
    assert "seed 3 ·" in result.output
    assert "advisory-replay" in result.output


def test_a_broken_receiver_exits_1_naming_the_broken_rules(broken_url: str) -> None:
    result = verify(broken_url, "--seed", "3", "--max-examples", "0")
    assert result.exit_code == 1
    assert "signatures that do not match are accepted" in result.output
    assert "sms-hook: BROKEN:" in result.output
    assert "signatures that do not match are accepted" in result.output.splitlines()[-1]
    assert SECRET not in result.output


def test_junit_xml_has_one_case_per_rule_and_type(broken_url: str, tmp_path: Path) -> None:
    path = tmp_path / "verify.xml"
    result = verify(broken_url, "--max-examples", "0", "--junit-xml", str(path))
    assert result.exit_code == 1
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None
    names = [case.get("name") for case in suite.iter("testcase")]
    assert len(names) == len(set(names)) == int(suite.get("tests", "0"))
    assert "accept-valid[bet_result]" in names
    assert "reject-malformed-body[any]" in names
    failing = {c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None}
    assert "reject-bad-signature[otp]" in failing
    assert "accept-valid[otp]" not in failing
    assert int(suite.get("failures", "0")) == len(failing)
    assert SECRET not in path.read_text()


def test_report_json_lists_every_failure_with_a_curl_that_reproduces_it(
    broken_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "verify.json"
    verify(broken_url, "--seed", "9", "--max-examples", "1", "--report-json", str(path))
    report = json.loads(path.read_text())
    assert report["seed"] == 9
    assert report["conforms"] is False
    assert "reject-invalid-data" in report["broken_rules"]
    assert report["rules"]["reject-invalid-data"]["types"]["bet_result"]["failures"] > 0
    assert sum(c["requests"] for c in report["causes"]) == sum(
        t["failures"] for r in report["rules"].values() for t in r["types"].values()
    )
    assert SECRET not in path.read_text()
    signed = [
        f
        for f in report["failures"]
        if f["title"] == "data.event_id is true, a boolean (booleans are not integers)"
    ]
    assert len(signed) == 1
    url, headers, body = curl.parse(signed[0]["curl"])
    assert url == broken_url
    assert headers["timestamp"] == signed[0]["timestamp"]
    assert signing.match(SECRET, headers["timestamp"], body, headers["signature"]) == "compact"
    assert json.loads(body)["data"]["event_id"] is True


def test_the_same_seed_sends_the_same_requests() -> None:
    first: list[bytes] = []
    second: list[bytes] = []
    for record in (first, second):
        with serve(judge_receiver(SECRET, record=record)) as base:
            assert verify(base + PATH, "--seed", "11", "--max-examples", "3").exit_code == 0
    # The battery goes out over several connections at once: the same requests, in any order.
    assert sorted(first) == sorted(second)
    third: list[bytes] = []
    with serve(judge_receiver(SECRET, record=third)) as base:
        verify(base + PATH, "--seed", "12", "--max-examples", "3")
    assert sorted(third) != sorted(first)


def test_a_gateway_header_goes_with_every_request_and_is_masked(broken_url: str) -> None:
    result = verify(broken_url, "--max-examples", "0", "--header", "X-Gateway-Key: s3cr3t-key")
    assert "s3cr3t-key" not in result.output
    assert "X-Gateway-Key: <as given with --header>" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://host/x"], "is not an http:// or https:// URL"),
        (["http://h/x", "--header", "no-colon"], "is not 'NAME: VALUE'"),
        (["http://h/x", "--header", "signature: x"], "is set by verify"),
        (["http://h/x", "--insecure", "--ca-bundle", __file__], "contradict"),
        (["http://h/x", "--max-examples", "-1"], "-1 is not in the range"),
        (["http://h/x", "--operator-name", "Bet-Ñ"], "must be printable ASCII"),
        (["http://h/x", "--request-timeout", "nan"], "give a number of seconds above 0"),
        (["http://h/x", "--request-timeout", "inf"], "give a number of seconds above 0"),
        (["http://h/x", "--request-timeout", "1e308"], "at most 86400"),
        (["http://h/x", "--max-time", "0"], "give a number of seconds above 0"),
        (["http://h/x", "--concurrency", "0"], "0 is not in the range 1<=x<=32"),
        (["http://h/x", "--junit-xml", "/nonexistent/x.xml"], "/nonexistent/x.xml: cannot be"),
        (["http://h/x", "--report-json", "/proc/x.json"], "/proc/x.json: cannot be written"),
        (["http://h/x", "--report-json", "/tmp"], "is a directory"),
        (["http://h/x", "--secret", "\udcff\udcfe"], "not valid UTF-8 text"),
        (["http://h/x", "--bogus"], "sms-hook verify: No such option '--bogus'"),
        (["http://u:s3cr3t@[::1/x"], "'http://***@[::1/x' is not an http"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(args: list[str], message: str) -> None:
    result = verify(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.splitlines()) == 1, result.output
    assert "s3cr3t" not in result.output


def test_nothing_listening_exits_2_with_one_line() -> None:
    url = f"http://127.0.0.1:{free_port()}{PATH}"
    result = verify(url)
    assert result.exit_code == 2
    assert result.output == f"sms-hook: receiver unreachable: {url}: connection refused\n"


def test_the_installed_command_exits_2_without_a_traceback_when_refused() -> None:
    url = f"http://127.0.0.1:{free_port()}{PATH}"
    script = Path(sys.executable).parent / "sms-hook"
    command = [str(script)] if script.exists() else ["sms-hook"]
    finished = subprocess.run(
        [*command, "verify", url],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env={"SMS_HOOK_SECRET": SECRET, "PATH": "/usr/bin:/bin"},
    )
    assert finished.returncode == 2
    assert finished.stdout == ""
    assert finished.stderr == f"sms-hook: receiver unreachable: {url}: connection refused\n"


def test_an_unknown_host_exits_2_naming_dns() -> None:
    result = verify("http://no-such-host.invalid/hooks/sms")
    assert result.exit_code == 2
    assert "host name could not be resolved (DNS)" in result.output
    assert len(result.output.splitlines()) == 1


def test_https_to_a_plain_http_receiver_exits_2_naming_tls(correct_url: str) -> None:
    result = verify(correct_url.replace("http://", "https://"))
    assert result.exit_code == 2
    assert "the receiver speaks plain HTTP, not TLS: use http://" in result.output
    assert len(result.output.splitlines()) == 1


def test_credentials_in_the_url_are_masked_everywhere_printed(
    correct_url: str, tmp_path: Path
) -> None:
    url = correct_url.replace("http://", "http://partner:s3cr3t-pw@")
    report = tmp_path / "report.json"
    junit = tmp_path / "report.xml"
    result = verify(
        url, "--max-examples", "0", "--report-json", str(report), "--junit-xml", str(junit)
    )
    assert result.exit_code == 0, result.output
    masked = correct_url.replace("http://", "http://***@")
    assert f"sms-hook verify {masked}" in result.output
    for text in (result.output, report.read_text(), junit.read_text()):
        assert "s3cr3t-pw" not in text
        assert "partner:" not in text
