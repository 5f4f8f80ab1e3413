"""The notification endpoint: a lean ASGI layer in front of connexion.

Stock connexion spends about 700 µs of CPU per request on routing, middleware and `oneOf`
validation; the judge needs about 10 µs. So `POST <contract path>` is answered here, outside
connexion's middleware stack, and every other request (admin API, admin page, Swagger UI, other
methods on the notification path) passes through to the connexion app. The operation is still
declared in the contract document connexion serves, so Swagger UI's "try it out" lands here.

Per request: read the body (stopping as soon as it passes the limit), let the judge decide, apply
a simulated fault if asked, commit the journal entry, then answer. The mock is strict: any
finding, binding or open, is a rejection with the status of the first finding.

Headers: ASGI gives names in lower case. A header sent more than once is joined with ", " as HTTP
defines for repeated fields (RFC 9110, section 5.3); for `signature` or `timestamp` that value can
never match, so a request that carries two signatures is rejected with both shown.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import Any, Final

from mock_server.faults import NO_FAULT, Fault, Faults, PreferError
from mock_server.journal import Entry, Verdict
from mock_server.recorder import JournalUnavailable, Recorder
from mock_server.text import json_text
from sms_hook import signing
from sms_hook.contract import Contract, resolve
from sms_hook.judge import Finding, Judge, Judgement

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_JSON: Final = (b"content-type", b"application/json")
_PROBLEM: Final = (b"content-type", b"application/problem+json")


class Receiver:
    """ASGI app that answers `POST <path>` itself and passes everything else to `fallback`."""

    def __init__(
        self,
        fallback: ASGIApp,
        *,
        contract: Contract,
        judge: Judge,
        recorder: Recorder,
        faults: Faults,
        max_body: int,
    ) -> None:
        self.fallback = fallback
        self.recorder = recorder
        self._path = contract.path
        self._method = contract.method
        self._judge = judge.judge
        self._faults = faults
        self._max_body = max_body
        self._titles = _problem_titles(contract)
        self._challenge = _challenge(contract.signature)
        self.acknowledgement = json.dumps(
            _acknowledgement(contract), separators=(",", ":")
        ).encode()
        self._accepted_headers = [
            _JSON,
            (b"content-length", str(len(self.acknowledgement)).encode()),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != self._path
            or scope["method"] != self._method
        ):
            await self.fallback(scope, receive, send)
            return
        received_at = time.time()
        headers = _headers(scope["headers"])
        body, too_large = await self._read(headers, receive)
        if body is None:
            return  # the client went away before sending its body: nobody to answer
        if too_large is not None:
            judgement = Judgement()
            judgement.add(
                "body",
                f"{too_large} is more than the limit of {self._max_body} bytes",
                413,
                "body-too-large",
                binding=False,
            )
        else:
            judgement = self._judge(headers, body)
        fault = NO_FAULT
        prefer = headers.get("prefer")
        if prefer is not None or self._faults.active:
            try:
                fault = self._faults.decide(prefer)
            except PreferError as exc:
                judgement.findings.insert(
                    0, Finding("header prefer", str(exc), 400, binding=False, rule="prefer")
                )
        verdict: Verdict
        if fault.status is not None:
            verdict, status = "simulated", fault.status
        elif judgement.findings:
            verdict, status = "rejected", judgement.status
        else:
            verdict, status = "accepted", 200
        if verdict == "accepted":
            answer_headers, payload = self._accepted_headers, self.acknowledgement
        else:
            answer_headers, payload = self._problem(status, judgement, fault)
        entry = _entry(scope, received_at, headers, body, judgement, verdict, status, fault)
        entry.answer = payload
        try:
            await self.recorder.record(entry)
        except JournalUnavailable as exc:
            await _unavailable(send, exc)
            return
        if fault.delay:
            await asyncio.sleep(fault.delay)
        await _answer(send, status, answer_headers, payload)

    async def _read(
        self, headers: dict[str, str], receive: Receive
    ) -> tuple[bytes | None, str | None]:
        """Return (body, None), (partial body, how large) past the limit, or (None, None) if the
        client disconnected. Reading stops at the limit; uvicorn discards the rest after the
        answer, so the connection stays usable."""
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._max_body:
            return b"", f"{int(declared)} bytes (Content-Length)"
        message = await receive()
        if message["type"] != "http.request":
            return None, None
        body: bytes = message.get("body", b"")
        if not message.get("more_body", False):
            return (body, None) if len(body) <= self._max_body else (body, f"{len(body)} bytes")
        buffer = bytearray(body)
        while True:
            if len(buffer) > self._max_body:
                return bytes(buffer), f"at least {len(buffer)} bytes"
            message = await receive()
            if message["type"] != "http.request":
                return None, None
            buffer += message.get("body", b"")
            if not message.get("more_body", False):
                break
        if len(buffer) > self._max_body:
            return bytes(buffer), f"{len(buffer)} bytes"
        return bytes(buffer), None

    def _problem(
        self, status: int, judgement: Judgement, fault: Fault
    ) -> tuple[list[tuple[bytes, bytes]], bytes]:
        """The headers and body of a rejection or a simulated fault."""
        findings = judgement.findings
        if fault.status is not None:
            real = f"{findings[0]} ({judgement.status})" if findings else "200 (accepted)"
            detail = f"simulated by {fault.cause}; the real answer would have been {real}"
            title = f"{HTTPStatus(status).phrase} (simulated)" if status in _KNOWN else "Simulated"
        else:
            detail = str(findings[0])
            title = self._titles.get(status) or HTTPStatus(status).phrase
        problem = {
            "title": title,
            "status": status,
            "detail": detail,
            "errors": [{"field": f.field, "reason": f.reason} for f in findings],
        }
        # json_text: a finding may quote a lone surrogate the sender escaped in its JSON.
        payload = json_text(problem).encode()
        headers = [_PROBLEM, (b"content-length", str(len(payload)).encode())]
        if status == 401:
            headers.append(self._challenge)
        return headers, payload


def _challenge(scheme: signing.Scheme) -> tuple[bytes, bytes]:
    """RFC 9110 requires a challenge on every 401; this one names the headers the HMAC covers."""
    covered = f"{scheme.timestamp_header} {scheme.signature_header}"
    return b"www-authenticate", f'{scheme.hmac_name} headers="{covered}"'.encode()


_KNOWN: Final = frozenset(s.value for s in HTTPStatus)
RETRY_AFTER_SECONDS: Final = 5
"""What a 503 for a journal that cannot be written asks the sender to wait."""


async def _unavailable(send: Send, exc: JournalUnavailable) -> None:
    """503: the mock cannot record the request, so it does not judge it either."""
    payload = json_text(
        {
            "title": "Service Unavailable",
            "status": 503,
            "detail": f"{exc}; the request was not recorded, send it again later",
        }
    ).encode()
    headers = [
        _PROBLEM,
        (b"content-length", str(len(payload)).encode()),
        (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
    ]
    await _answer(send, 503, headers, payload)


async def _answer(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1")
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


def _entry(
    scope: Scope,
    received_at: float,
    headers: dict[str, str],
    body: bytes,
    judgement: Judgement,
    verdict: Verdict,
    status: int,
    fault: Fault,
) -> Entry:
    notification = judgement.notification
    type_name: str | None = None
    ticket_id: str | None = None
    if notification is not None:
        value = notification.get("type")
        type_name = value if isinstance(value, str) else None
        data = notification.get("data")
        if isinstance(data, dict):
            value = data.get("ticket_id")
            ticket_id = value if isinstance(value, str) else None
    return Entry(
        received_at=received_at,
        method=scope["method"],
        path=scope["path"],
        headers=headers,
        body=body,
        notification=notification,
        type=type_name,
        ticket_id=ticket_id,
        verdict=verdict,
        status=status,
        reasons=[str(f) for f in judgement.findings],
        reading=judgement.reading,
        simulated=fault.cause,
    )


def _acknowledgement(contract: Contract) -> Any:
    """The example of the document's success response (the answer to a valid notification)."""
    response = _responses(contract)[str(contract.success_status)]
    (media,) = response["content"].values()
    return media["example"]


def _problem_titles(contract: Contract) -> dict[int, str]:
    """Titles from the document's problem examples, by status (e.g. 400 "Invalid notification")."""
    titles: dict[int, str] = {}
    for code, response in _responses(contract).items():
        for media in response.get("content", {}).values():
            title = media.get("example", {}).get("title")
            if isinstance(title, str) and code.isdigit():
                titles[int(code)] = title
    return titles


def _responses(contract: Contract) -> dict[str, Any]:
    document = contract.document
    operation = document["paths"][contract.path][contract.method.lower()]
    return {str(code): resolve(document, r) for code, r in operation["responses"].items()}
