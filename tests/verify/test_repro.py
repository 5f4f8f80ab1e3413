"""Every reported failure reproduces: its curl, run by /bin/sh (dash on Debian), gets the same
answer from the same receiver, with the same bytes on the wire."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from contract_tests import json_report
from sms_hook import repro
from tests.receivers import FAULTY, RECEIVER_PATH
from tests.support.server import serve
from tests.verify import curl
from tests.verify.conftest import SECRET, quick
from tests.verify.receivers import PATH, judge_receiver

pytestmark = pytest.mark.skipif(
    not curl.available() and not os.environ.get("CI"), reason="curl is not installed"
)

AWKWARD = (
    "timestamp_empty_accepted",  # empty headers
    "signature_over_raw_bytes",  # tabs, CRLF: bodies written beside the report
    "non_utf8_500",  # bytes that are not UTF-8
    "deep_nesting_500",  # 40 KB bodies
    "rejects_non_ascii",  # UTF-8 text
    "unknown_type_202",  # open cases, headers left out
)


@pytest.mark.parametrize("name", AWKWARD)
def test_each_failure_curl_run_by_sh_gets_the_same_status(name: str, tmp_path: Path) -> None:
    factory, _, _ = FAULTY[name]
    path = tmp_path / "report.json"
    with serve(factory(SECRET)) as base:
        result = quick(base + RECEIVER_PATH, max_examples=2)
        json_report.write(result, path)
        failures = json.loads(path.read_text())["failures"]
        answered = [f for f in failures if f["status"] is not None]
        assert answered
        statuses = [curl.run(f["curl"]) for f in answered]
    assert statuses == [f["status"] for f in answered]


def test_empty_and_absent_headers_are_written_so_curl_keeps_them_so() -> None:
    command = repro.curl("http://r/x", [("timestamp", ""), ("signature", "ab")], b"{}")
    assert "-H 'timestamp;'" in command
    assert "-H Content-Type:" in command  # curl would add a form type for a request without one
    _, headers, body = curl.parse(command)
    assert headers == {"timestamp": "", "signature": "ab"}
    assert body == b"{}"


@pytest.mark.parametrize(
    "body",
    [
        b'{"type":"otp","data":{"code":"1234"}}',
        '{"type":"otp","data":{"code":"票据 \'quoted\' %s \\\\ "}}'.encode(),
        b"\xff\xfe\x00{\t}\r\n",
        b"@/etc/passwd",
        b"[" * 5000,
        b"",
    ],
    ids=["json", "quotes-percent-backslash", "binary", "leading-at", "large", "empty"],
)
def test_sh_sends_the_exact_body_inline_piped_or_from_a_file(body: bytes, tmp_path: Path) -> None:
    received: list[bytes] = []
    file = tmp_path / "body.bin"
    file.write_bytes(body)
    with serve(judge_receiver(SECRET, record=received)) as base:
        headers = [("content-type", "application/json"), ("timestamp", "1")]
        commands = [repro.curl(base + PATH, headers, body)]
        if not repro.inline(body):
            commands.append(repro.curl(base + PATH, headers, body, body_file=file))
        for command in commands:
            curl.run(command)
    assert received == [body] * len(commands)
