"""The reports of a run: terminal summary, JUnit XML and JSON, from a result built by hand."""

from __future__ import annotations

import base64
import dataclasses
import json
from collections import Counter
from pathlib import Path

from contract_tests import json_report, junit
from contract_tests.report import AGES, summary, verdict
from contract_tests.result import Advisory, Failure, Result

BODY = b'{"type":"bet_result","data":{"event_id":true}}'


def failure(
    rule: str = "reject-invalid-data",
    type_name: str = "bet_result",
    status: int | None = 200,
    title: str = "data.event_id is true",
    *,
    cause: str = "accepts.field-type.data.event_id",
    value: str | None = "true",
    body: bytes = BODY,
) -> Failure:
    return Failure(
        rule,
        type_name,
        title,
        "battery",
        "a 4xx",
        f"status {status}, application/json, body '{{}}'",
        (f"status {status}; must get a 4xx",),
        status,
        "curl -sS -i -X POST http://r/x --data-binary '{}'",
        "1800000000",
        expect="reject",
        cause=cause,
        value=value,
        headers=(("content-type", "application/json"), ("timestamp", "1800000000")),
        body=body,
    )


def result(*failures: Failure, stopped: str | None = None, failed: int = 0) -> Result:
    checked = Counter(
        {
            ("accept-valid", "otp"): 3,
            ("reject-invalid-data", "bet_result"): 5,
            ("no-server-error", "otp"): 3,
            ("no-server-error", "bet_result"): 5,
        }
    )
    counted = Counter({("reject-invalid-data", "bet_result"): failed or len(failures)})
    by_cause = Counter(f.cause for f in failures)
    return Result(
        "http://r/x",
        7,
        2,
        ("otp", "ticket_status", "bet_result"),
        seconds=1.5,
        requests=8,
        checked=checked,
        failed=counted if failures else Counter(),
        by_cause=by_cause,
        statuses=Counter({200: 5, 400: 3}),
        failures=list(failures),
        stopped=stopped,
    )


def text(r: Result, **options: object) -> str:
    return "\n".join(line.text for line in summary(r, **options))  # type: ignore[arg-type]


def test_a_clean_run_says_it_conforms() -> None:
    out = text(result())
    assert "seed 7 · 8 requests · 1.5 s" in out
    assert "accept-valid           ok 3" in out
    assert all(line == line.rstrip() for line in out.splitlines())
    assert out.splitlines()[3] == "CONFORMS: no failures in 8 requests"


def test_the_report_opens_with_the_verdict_and_one_cause_for_one_unchecked_field() -> None:
    r = result(
        failure(title="data.event_id is true", value="true"),
        failure(title='data.event_id is "100001"', value='"100001"'),
        failure(title="data.event_id is 1.5", value="1.5"),
    )
    lines = text(r).splitlines()
    title = "data.event_id is not checked to be an integer"
    assert lines[3] == f"BROKEN: {title} (3 failing requests of 8)"
    assert lines[5] == "1. data.event_id is not checked to be an integer"
    assert '   values: true, "100001", 1.5' in lines
    assert sum(line.startswith("1. ") or line.startswith("2. ") for line in lines) == 1


def test_a_cell_counts_every_failing_request_not_only_those_kept() -> None:
    r = result(failure(), failed=4)  # three more failed while a generated case was shrunk
    lines = text(r).splitlines()
    rows = {line.split()[0]: line.split()[1:] for line in lines if line[:1].isalpha()}
    assert rows["rule"] == ["otp", "bet_result"]  # ticket_status had nothing checked
    assert rows["reject-invalid-data"] == ["-", "FAIL", "4/5"]


def test_verbose_says_once_that_timestamps_age_and_drops_problems_that_repeat_got() -> None:
    r = result(failure(title="case 1"), failure(title="case 2"))
    out = text(r, verbose=True)
    assert out.count(AGES) == 1
    assert "which ages" not in out
    assert "problem:" not in out  # "status 200; must get a 4xx" only restates `got: status 200`
    assert "case 1" in out
    assert "case 2" in out
    assert "case 2" not in text(r)  # by default only the cause's smallest request


def test_a_huge_curl_is_left_to_the_json_report() -> None:
    huge = dataclasses.replace(failure(), curl="curl " + "[" * 20_000)
    out = text(result(huge))
    assert "(a curl command of 19 KiB; --report-json writes its body to a file" in out
    assert "[[[[" not in out


def test_the_gate_summary_leaves_the_repro_to_the_failing_tests() -> None:
    out = text(result(failure()), details=0)
    assert "curl" not in out
    assert "BROKEN" in out


def test_a_run_that_stopped_is_not_a_conforming_one() -> None:
    r = result(stopped="3 requests in a row got no answer within 1 s")
    assert not r.conforms
    assert verdict(r).text == "STOPPED: 3 requests in a row got no answer within 1 s"


def test_junit_counts_every_failing_request_as_the_table_does(tmp_path: Path) -> None:
    path = tmp_path / "j.xml"
    r = result(failure(), stopped="gone", failed=4)
    junit.write(r, path)
    suite = junit.document(r).find("testsuite")
    assert suite is not None
    names = [c.get("name") for c in suite.iter("testcase")]
    assert names == [
        "accept-valid[otp]",
        "reject-invalid-data[bet_result]",
        "no-server-error[otp]",
        "no-server-error[bet_result]",
        "run",
    ]
    failing = next(c for c in suite.iter("failure"))
    assert failing.get("message", "").startswith("4 of 5 failing: data.event_id is true")
    assert suite.get("failures") == "1"
    assert suite.get("errors") == "1"
    assert path.read_text().startswith("<?xml version='1.0' encoding='utf-8'?>")


def test_the_json_report_carries_causes_scores_and_the_exact_requests(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    binary = failure(title="other", value="1.5", body=b"\xff\x00{")
    json_report.write(result(failure(), binary, failed=4), path)
    report = json.loads(path.read_text())
    assert report["format"] == 2
    assert report["rules"]["reject-invalid-data"]["types"]["bet_result"] == {
        "checked": 5,
        "failures": 4,
    }
    assert report["rules"]["reject-invalid-data"]["category"] == "schema validation"
    (cause,) = report["causes"]
    assert cause["id"] == "accepts.field-type.data.event_id"
    assert cause["values"] == ["true", "1.5"]
    assert cause["failures"] == [0, 1]
    assert report["scores"]["types"]["bet_result"]["schema validation"] == {
        "checked": 5,
        "failed": 4,
        "percent": 20,
    }
    first, second = report["failures"]
    assert first["headers"] == [["content-type", "application/json"], ["timestamp", "1800000000"]]
    assert first["body"] == BODY.decode()
    assert second["body"] is None
    assert base64.b64decode(second["body_base64"]) == b"\xff\x00{"
    written = Path(second["body_file"])
    assert written.parent == tmp_path / "r.bodies"
    assert written.read_bytes() == b"\xff\x00{"
    assert second["curl"].endswith(f"--data-binary @{written}")
    assert report["conforms"] is False


def test_a_compact_report_says_advisories_are_there_when_it_hides_every_one() -> None:
    r = result(failure())
    r.advisories = [
        Advisory("advisory-framing", "every framing was answered alike", notable=False),
        Advisory("advisory-timing", "answers within 50 ms", notable=False),
    ]
    compact = text(r)
    assert "2 advisories, none notable: --verbose shows them" in compact
    assert "every framing was answered alike" not in compact
    assert "every framing was answered alike" in text(r, verbose=True)
