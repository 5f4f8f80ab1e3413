"""JUnit XML for CI: one test case per rule × notification type, failing with its failures.

A case's message counts every failing request of its cell, as the terminal table and the JSON
report do; its text holds the failures kept (the battery's, the smallest generated ones).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from contract_tests.report import failure_lines
from contract_tests.result import Result

SUITE: str = "sms-hook verify"


def document(result: Result) -> ET.Element:
    """Return the JUnit XML of a run: a `testsuites` element."""
    cells = result.cells()
    failing = [c for c in cells if result.failures_in(*c)]
    suites = ET.Element("testsuites", name=SUITE)
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=SUITE,
        tests=str(len(cells)),
        failures=str(len(failing)),
        errors="0" if result.stopped is None else "1",
        skipped="0",
        time=f"{result.seconds:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("url", result.url),
        ("seed", str(result.seed)),
        ("max-examples", str(result.max_examples)),
        ("requests", str(result.requests)),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    for rule, type_name in cells:
        case = ET.SubElement(
            suite, "testcase", classname=f"verify.{rule}", name=f"{rule}[{type_name}]", time="0"
        )
        found = result.failures_in(rule, type_name)
        if found:
            first = found[0]
            count = result.failing(rule, type_name)
            total = max(result.checked[(rule, type_name)], count)
            element = ET.SubElement(
                case,
                "failure",
                type=rule,
                message=f"{count} of {total} failing: {first.title}: " + "; ".join(first.problems),
            )
            element.text = "\n".join(line.text for f in found for line in failure_lines(f))
    if result.stopped is not None:
        case = ET.SubElement(suite, "testcase", classname="verify", name="run", time="0")
        ET.SubElement(case, "error", type="stopped", message=result.stopped)
    out = ET.SubElement(suite, "system-out")
    out.text = "\n".join(f"{a.rule}: {a.message}" for a in result.advisories)
    ET.indent(suites)
    return suites


def write(result: Result, path: Path) -> None:
    """Write the JUnit XML of a run to `path`."""
    ET.ElementTree(document(result)).write(path, encoding="utf-8", xml_declaration=True)
