"""Sending the failing requests of one cause again (`verify URL --rerun REPORT.json#CAUSE`).

Each request of the cause is rebuilt and signed with a fresh timestamp, so that a receiver with
replay protection judges it as new: a battery probe is made again from its recipe (found by type
and title; a probe meant to be wrongly signed stays wrongly signed), a generated case is sent
with the headers and body of the report, its timestamp made current and, if it was correctly
signed, signed again. Each answer is judged as in a full run, and the outcome says whether the
request still fails.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract_tests.battery import battery
from contract_tests.exchange import Sender, Stopped, Unsendable
from contract_tests.probe import Probe
from contract_tests.result import Failure
from contract_tests.verdict import Assessor
from sms_hook import signing
from sms_hook.contract import Contract
from sms_hook.delivery import SignedRequest
from sms_hook.errors import SmsHookError
from sms_hook.judge import Judge
from sms_hook.wire import mask

MASKED = "<as given with --header>"


@dataclass(frozen=True, slots=True)
class Outcome:
    """One request of the cause, sent again: its title and the failure it still is (if any)."""

    title: str
    type: str
    failure: Failure | None

    @property
    def fixed(self) -> bool:
        return self.failure is None


def select(reference: str) -> tuple[Path, str | None]:
    """Split `REPORT.json#CAUSE` into the report's path and the cause (its id or number)."""
    path, _, cause = reference.partition("#")
    return Path(path), cause or None


def load(path: Path, cause: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Return the cause's title and its failures from a JSON report (every failure if None)."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SmsHookError(f"{path}: cannot be read ({exc.strerror})") from exc
    except ValueError as exc:
        raise SmsHookError(f"{path}: is not a JSON report of sms-hook verify") from exc
    if not isinstance(report, dict) or report.get("format") != 2:
        raise SmsHookError(f"{path}: not a report of this sms-hook (format 2 expected)")
    failures: list[dict[str, Any]] = report["failures"]
    if cause is None:
        return "every failure of the report", failures
    for entry in report["causes"]:
        if cause in (entry["id"], str(entry["number"])):
            return entry["title"], [failures[n] for n in entry["failures"]]
    known = ", ".join(f"{c['number']} ({c['id']})" for c in report["causes"]) or "none"
    raise SmsHookError(f"{path}#{cause}: no such cause; the report's causes: {known}")


def rerun(
    failures: list[dict[str, Any]],
    *,
    contract: Contract,
    sender: Sender,
    secret: str,
    operator_name: str,
    headers: Mapping[str, str],
) -> list[Outcome]:
    """Send each failure's request again, freshly signed, and judge the answers."""
    judge = Judge(contract, secret, tolerance=contract.tolerance)
    assessor = Assessor(contract, judge, mask(sender.url), headers)
    probes = {(p.type, p.title): p for p in battery(contract, secret)}
    outcomes = []
    for entry in failures:
        now = int(time.time())
        probe = (
            probes.get((entry["type"], entry["title"])) if entry["origin"] == "battery" else None
        )
        request = (
            probe.request(now, secret, operator_name, headers, scheme=contract.signature)
            if probe is not None
            else _resigned(entry, contract, secret, headers, now)
        )
        try:
            exchange = sender.send(request)
        except Unsendable:
            continue
        except Stopped as exc:  # the receiver went away: this one fails, the rest are not sent
            gone = assessor.unanswered(
                request,
                type_name=entry["type"],
                title=entry["title"],
                origin=entry["origin"],
                reason=str(exc),
            )
            outcomes.append(Outcome(entry["title"], entry["type"], gone))
            break
        failure = assessor.assess(
            exchange,
            intended=_intended(probe),
            type_name=entry["type"],
            title=entry["title"],
            origin=entry["origin"],
        )
        outcomes.append(Outcome(entry["title"], entry["type"], failure))
    return outcomes


def _intended(probe: Probe | None) -> str | None:
    return None if probe is None else probe.rule


def _resigned(
    entry: Mapping[str, Any],
    contract: Contract,
    secret: str,
    extra: Mapping[str, str],
    now: int,
) -> SignedRequest:
    """The report's request with a current timestamp, signed again if it was signed right."""
    scheme = contract.signature
    body = base64.b64decode(entry["body_base64"])
    headers = {
        name: extra.get(name, value) if value == MASKED else value
        for name, value in entry["headers"]
    }
    lowered = {name.lower(): name for name in headers}
    ts_name = lowered.get(scheme.timestamp_header)
    sig_name = lowered.get(scheme.signature_header)
    if ts_name is None or signing.parse_timestamp(headers[ts_name]) is None:
        return SignedRequest(headers, body)
    old = headers[ts_name]
    headers[ts_name] = str(now)
    if sig_name is not None and headers[sig_name] == signing.sign(secret, old, body, scheme):
        headers[sig_name] = signing.sign(secret, str(now), body, scheme)
    return SignedRequest(headers, body)
