"""Deciding whether one answer broke the contract, from the request exactly as it went out.

The expectation comes from the one judge (`sms_hook.judge`) applied to the final headers and
bytes, never from what a probe or a generator meant to test; the answer is then held to
`sms_hook.response`. One guard is added for the verifier: the judge accepts a signature made under
either reading of "all spaces removed", but a receiver may implement only one, so a request whose
string values contain whitespace may be rejected (the readings differ only there).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

from contract_tests import causes
from contract_tests.exchange import Exchange
from contract_tests.result import Failure, Result
from contract_tests.rules import (
    BY_ID,
    NO_SERVER_ERROR,
    REPLAY_PROTECTION,
    classify,
    describe_expectation,
    failing_rule,
)
from contract_tests.signer import whitespace
from sms_hook import repro, response, signing
from sms_hook.contract import Contract
from sms_hook.delivery import Answer, SignedRequest
from sms_hook.judge import Expect, Judge, Judgement
from sms_hook.wire import MAX_ANSWER, UNREAD

_JSON_WHITESPACE = frozenset(" \t\n\r")
_TELLING_HEADERS = ("www-authenticate", "location", "date", "server", "content-type")
"""Answer headers a cause may be explained by (a gateway's challenge, a redirect, a clock)."""


def reading_matters(body: bytes) -> bool:
    r"""Return True if the two readings of "all spaces removed" sign this body differently.

    They differ when a string value holds whitespace; other Unicode spaces (U+00A0, U+2003, ...)
    count too, and so does what some language calls whitespace though Unicode does not
    (U+FEFF in JavaScript's `\s`), since a receiver may strip them with its language's notion.
    """
    tokens = signing.compact(body)
    if signing.strip_all_whitespace(tokens) != tokens:
        return True
    text = body.decode("utf-8", errors="ignore")
    return any(whitespace(c) and c not in _JSON_WHITESPACE for c in text)


def expectation(
    judge: Judge, request: SignedRequest, *, now: float | None = None, repeated: bool = False
) -> tuple[Expect, Judgement]:
    """Return what the receiver must answer to this exact request, and the judge's reasons."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    judgement = judge.judge(headers, request.body, now=now, repeated=repeated)
    expect = judgement.expect
    if expect is Expect.ACCEPT and reading_matters(request.body):
        expect = Expect.EITHER
    return expect, judgement


class Assessor:
    """Judges exchanges, counts what was checked under each (rule, type), and names failures."""

    def __init__(
        self, contract: Contract, judge: Judge, url: str, hidden: Mapping[str, str] | None = None
    ) -> None:
        self.contract = contract
        self.judge = judge
        self.url = url
        self.hidden = {name.lower() for name in hidden or {}}
        self.checked: Counter[tuple[str, str]] = Counter()
        self.failed: Counter[tuple[str, str]] = Counter()
        self.crashed: Counter[tuple[str, str]] = Counter()
        self.by_cause: Counter[str] = Counter()
        self.statuses: Counter[int | None] = Counter()
        self.clock_skew: float | None = None

    def fill(self, result: Result) -> None:
        """Put what was counted into a run's result."""
        result.checked = self.checked
        result.failed = self.failed
        result.crashed = self.crashed
        result.by_cause = self.by_cause
        result.statuses = self.statuses
        result.clock_skew = self.clock_skew

    def assess(
        self,
        exchange: Exchange,
        *,
        intended: str | None,
        type_name: str,
        title: str,
        origin: str,
        now: float | None = None,
        repeated: bool = False,
    ) -> Failure | None:
        """Return the failure this exchange is, or None if the answer meets the contract.

        `intended` is the rule a battery probe was built for (None for a generated case, whose
        rule follows from the judge's findings). `now` is the receiver's clock to judge the
        timestamp by (default: when the answer is back); `repeated` says the exact same request
        was sent before.
        """
        request = exchange.request
        expect, judgement = expectation(
            self.judge, request, now=time.time() if now is None else now, repeated=repeated
        )
        if intended is None:
            rule = classify(judgement, expect, request.body)
        else:
            rule = intended if BY_ID[intended].advisory else failing_rule(intended, expect)
        if expect is Expect.REJECT and judgement.binding[0].rule == "timestamp-stale":
            rule = REPLAY_PROTECTION  # strict replay mode: the window is what is broken
        self.checked[(rule, type_name)] += 1
        self.checked[(NO_SERVER_ERROR, type_name)] += 1
        answer = exchange.answer
        self.statuses[None if answer is None else answer.status] += 1
        if answer is not None:
            self._clock(answer)
        crash = rule if BY_ID[rule].server_errors else NO_SERVER_ERROR
        if answer is None:
            problems = [exchange.error or "no answer"]
        elif answer.status >= 500:
            problems = [f"status {answer.status}: a server error"]
        else:
            problems = self._problems(expect, answer)
            if not problems:
                return None
            rule = failing_rule(rule, expect) if BY_ID[rule].advisory else rule
            return self._failure(
                rule, type_name, title, origin, expect, judgement, exchange, problems
            )
        if crash == NO_SERVER_ERROR:  # scored against the category of its own rule too
            self.crashed[(rule, type_name)] += 1
        return self._failure(crash, type_name, title, origin, expect, judgement, exchange, problems)

    def unanswered(
        self, request: SignedRequest, *, type_name: str, title: str, origin: str, reason: str
    ) -> Failure:
        """Return the failure of a request the receiver was no longer there to answer."""
        expect, judgement = expectation(self.judge, request, now=time.time())
        exchange = Exchange(request, None, reason)
        self.statuses[None] += 1
        return self._failure(
            NO_SERVER_ERROR, type_name, title, origin, expect, judgement, exchange, [reason]
        )

    def _clock(self, answer: Answer) -> None:
        """Remember how far the receiver's clock (its Date header) is from ours."""
        date = answer.headers.get("date")
        if date is None:
            return
        try:
            told = parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return
        self.clock_skew = told - time.time()

    def _problems(self, expect: Expect, answer: Answer) -> list[str]:
        ok = answer.status == self.contract.success_status
        if answer.discarded and ok and expect is not Expect.REJECT:
            return [UNREAD]
        if expect is Expect.ACCEPT:
            return response.acceptance_problems(
                self.contract, answer.status, answer.headers, answer.body
            )
        if expect is Expect.REJECT:
            return response.rejection_problems(answer.status)
        return response.open_problems(self.contract, answer.status, answer.headers, answer.body)

    def _failure(
        self,
        rule: str,
        type_name: str,
        title: str,
        origin: str,
        expect: Expect,
        judgement: Judgement,
        exchange: Exchange,
        problems: list[str],
    ) -> Failure:
        request = exchange.request
        shown = tuple(
            (name, "<as given with --header>" if name.lower() in self.hidden else value)
            for name, value in request.headers.items()
        )
        stamp = self.contract.signature.timestamp_header
        timestamp = next((v for k, v in request.headers.items() if k.lower() == stamp), None)
        answer = exchange.answer
        status = answer.status if answer is not None else None
        cause, value = causes.key(rule, expect, judgement, status, problems, request.body)
        self.failed[(rule, type_name)] += 1
        self.by_cause[cause] += 1
        told = (
            ()
            if answer is None
            else tuple(
                (name, answer.headers[name]) for name in _TELLING_HEADERS if name in answer.headers
            )
        )
        return Failure(
            rule=rule,
            type=type_name,
            title=title,
            origin=origin,
            expected=causes.plain(describe_expectation(expect, judgement)),
            got=describe_answer(exchange),
            problems=tuple(causes.plain(p) for p in problems),
            status=status,
            curl=repro.curl(self.url, shown, request.body),
            timestamp=timestamp,
            expect=expect.value,
            cause=cause,
            value=value,
            headers=shown,
            body=request.body,
            answer_headers=told,
        )


def describe_answer(exchange: Exchange, limit: int = 200) -> str:
    """Say what came back: status, content type and the start of the body, or why nothing did."""
    answer = exchange.answer
    if answer is None:
        return exchange.error or "no answer"
    content_type = answer.headers.get("content-type", "no content-type")
    text = answer.body.decode("utf-8", errors="backslashreplace")
    preview = text if len(text) <= limit else text[: limit - 1] + "…"
    described = (
        f"status {answer.status}, {content_type}, body {preview!r}"
        if text
        else (f"status {answer.status}, {content_type}, empty body")
    )
    if answer.discarded:  # sms_hook.wire kept the first MAX_ANSWER bytes only
        described += f" (longer than {MAX_ANSWER // 1024} KiB: the rest was discarded unread)"
    return described
