"""The reports of a run: terminal summary, JUnit XML and JSON, from a result built by hand."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

from contract_tests import json_report, junit
from contract_tests.report import hints, summary, verdict
from contract_tests.result import Failure, Result


def failure(
    rule: str = "reject-invalid-data",
    type_name: str = "bet_result",
    status: int | None = 200,
    title: str = "data.event_id is true",
) -> Failure:
    return Failure(
        rule,
        type_name,
        title,
        "battery",
        "a 4xx",
        f"status {status}",
        (f"status {status}; must get a 4xx",),
        status,
        "curl -sS -i -X POST http://r/x --data-binary '{}'",
        "1800000000",
    )


def result(*failures: Failure, stopped: str | None = None) -> Result:
    checked = Counter(
        {
            ("accept-valid", "otp"): 3,
            ("reject-invalid-data", "bet_result"): 5,
            ("no-server-error", "otp"): 3,
            ("no-server-error", "bet_result"): 5,
        }
    )
    return Result(
        "http://r/x",
        7,
        2,
        ("otp", "ticket_status", "bet_result"),
        seconds=1.5,
        requests=8,
        checked=checked,
        failures=list(failures),
        stopped=stopped,
    )


def text(r: Result, details: int = 2) -> str:
    return "\n".join(line.text for line in summary(r, details=details))


def test_a_clean_run_says_it_conforms() -> None:
    out = text(result())
    assert "seed 7 · 8 requests · 1.5 s" in out
    assert "accept-valid           ok 3" in out
    assert all(line == line.rstrip() for line in out.splitlines())
    assert out.endswith("CONFORMS: no failures in 8 requests")


def test_failures_are_grouped_by_rule_and_type_and_counted_beyond_the_details() -> None:
    r = result(*(failure(title=f"case {n}") for n in range(4)))
    out = text(r)
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line[:1].isalpha()}
    assert rows["rule"] == ["otp", "bet_result"]  # ticket_status had nothing checked
    assert rows["reject-invalid-data"] == ["-", "FAIL", "4/5"]
    assert "✗ reject-invalid-data · bet_result: 4 failing requests" in out
    assert "case 1" in out
    assert "case 2" not in out
    assert "… and 2 more under reject-invalid-data · bet_result" in out
    assert "signed with timestamp 1800000000, which ages" in out
    assert verdict(r).text == "BROKEN: 4 failures under 1 rule: reject-invalid-data"


def test_a_huge_curl_is_left_to_the_json_report() -> None:
    huge = dataclasses.replace(failure(), curl="curl " + "[" * 20_000)
    out = text(result(huge))
    assert "(a curl command of 19 KiB; --report-json holds it in full)" in out
    assert "[[[[" not in out


def test_the_gate_summary_leaves_the_failures_to_the_failing_tests() -> None:
    out = text(result(failure()), details=0)
    assert "Failures" not in out
    assert "BROKEN" in out


def test_a_run_that_stopped_is_not_a_conforming_one() -> None:
    r = result(stopped="3 requests in a row got no answer within 1 s")
    assert not r.conforms
    assert verdict(r).text == "STOPPED: 3 requests in a row got no answer within 1 s"


def test_every_valid_notification_refused_with_401_hints_at_the_secret() -> None:
    r = result(*(failure("accept-valid", "otp", 401, f"valid {n}") for n in range(3)))
    assert "is the secret" in hints(r)[0]
    assert hints(result(failure("accept-valid", "otp", 401))) == []  # not every one


def test_every_valid_notification_answered_404_hints_at_the_path() -> None:
    r = result(*(failure("accept-valid", "otp", 404, f"valid {n}") for n in range(3)))
    assert "path" in hints(r)[0]


def test_junit_has_a_case_per_checked_rule_and_type_and_an_error_when_stopped(
    tmp_path: Path,
) -> None:
    path = tmp_path / "j.xml"
    junit.write(result(failure(), stopped="gone"), path)
    root = junit.document(result(failure(), stopped="gone"))
    suite = root.find("testsuite")
    assert suite is not None
    names = [c.get("name") for c in suite.iter("testcase")]
    assert names == [
        "accept-valid[otp]",
        "reject-invalid-data[bet_result]",
        "no-server-error[otp]",
        "no-server-error[bet_result]",
        "run",
    ]
    assert suite.get("failures") == "1"
    assert suite.get("errors") == "1"
    assert path.read_text().startswith("<?xml version='1.0' encoding='utf-8'?>")


def test_the_json_report_counts_and_lists_every_failure(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    json_report.write(result(failure(), failure(title="other")), path)
    report = json.loads(path.read_text())
    assert report["format"] == 1
    assert report["rules"]["reject-invalid-data"]["types"]["bet_result"] == {
        "checked": 5,
        "failures": 2,
    }
    assert [f["title"] for f in report["failures"]] == ["data.event_id is true", "other"]
    assert report["conforms"] is False
    assert report["broken_rules"] == ["reject-invalid-data"]
