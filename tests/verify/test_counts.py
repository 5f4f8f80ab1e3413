"""The terminal table, the JSON report and JUnit count the same requests, from one real run."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from contract_tests import json_report, junit
from contract_tests.report import table
from tests.receivers import RECEIVER_PATH
from tests.receivers.faulty_crash import MalformedJson500
from tests.support.server import serve
from tests.verify.conftest import SECRET, quick

_CELL = re.compile(r"(?:FAIL (\d+)/(\d+)|ok (\d+)|-)")


def test_table_json_and_junit_agree_cell_by_cell_with_generated_cases(tmp_path: Path) -> None:
    with serve(MalformedJson500(SECRET)) as base:
        result = quick(base + RECEIVER_PATH, max_examples=6)
    lines = [line.text for line in table(result)]
    columns = lines[0].split()[1:]
    shown: dict[tuple[str, str], tuple[int, int]] = {}
    for line in lines[1:]:
        rule, rest = line.split(maxsplit=1)
        for column, cell in zip(columns, _CELL.finditer(rest), strict=True):
            failed, total, ok = cell.groups()
            if ok is not None:
                shown[(rule, column)] = (0, int(ok))
            elif failed is not None:
                shown[(rule, column)] = (int(failed), int(total))
    report = json_report.as_dict(result)
    from_json = {
        (rule, t): (cell["failures"], cell["checked"])
        for rule, entry in report["rules"].items()
        for t, cell in entry["types"].items()
        if not entry["advisory"]
    }
    assert shown == from_json
    assert any(failed for failed, _ in shown.values())
    path = tmp_path / "j.xml"
    junit.write(result, path)
    for case in ET.parse(path).getroot().iter("testcase"):
        failure = case.find("failure")
        rule, _, column = (case.get("name") or "").rstrip("]").partition("[")
        if failure is None:
            assert shown.get((rule, column), (0, 0))[0] == 0
        else:
            failed, total = shown[(rule, column)]
            assert (failure.get("message") or "").startswith(f"{failed} of {total} failing")
    assert sum(c["requests"] for c in report["causes"]) == sum(f for f, _ in shown.values())
