"""The verdict on one exchange: the judge's expectation of the bytes sent, then the answer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contract_tests.exchange import Exchange
from contract_tests.result import Failure
from contract_tests.rules import NO_SERVER_ERROR
from contract_tests.verdict import Assessor, describe_answer, expectation, reading_matters
from sms_hook import signing
from sms_hook.contract import Contract
from sms_hook.delivery import Answer, SignedRequest, signed_request
from sms_hook.judge import Expect, Judge

SECRET = "partner-s3cret"
OTP = b'{"type":"otp","data":{"code":"1234","msisdn":"+260977223120"}}'
OK = Answer(200, {"content-type": "application/json"}, b'{"message":"ok"}')


@pytest.fixture
def assessor(contract: Contract) -> Assessor:
    return Assessor(contract, Judge(contract, SECRET), "http://r/x", {"Authorization": "t0ken"})


def assess(
    assessor: Assessor,
    request: SignedRequest,
    answer: Answer | None,
    error: str | None = None,
    intended: str | None = "accept-valid",
) -> Failure | None:
    return assessor.assess(
        Exchange(request, answer, error),
        intended=intended,
        type_name="otp",
        title="t",
        origin="battery",
    )


def failed(*args: Any, **kwargs: Any) -> Failure:
    failure = assess(*args, **kwargs)
    assert failure is not None
    return failure


def test_whitespace_inside_a_string_makes_the_reading_matter() -> None:
    assert not reading_matters(OTP)
    assert not reading_matters(json.dumps(json.loads(OTP), indent=2).encode())
    assert reading_matters(b'{"type":"otp","data":{"code":"12 34","msisdn":"1"}}')
    assert reading_matters('{"type":"otp","data":{"code":"12\u00a034","msisdn":"1"}}'.encode())


@pytest.mark.parametrize(
    ("char", "language"),
    [("\ufeff", "JavaScript's \\s"), ("\u180e", "Java 8's Character.isWhitespace")],
)
def test_what_a_language_calls_whitespace_inside_a_string_makes_the_reading_matter(
    char: str, language: str
) -> None:
    assert not char.isspace(), f"{char!r} is whitespace to Python too; only {language} counts"
    body = f'{{"type":"otp","data":{{"code":"12{char}34","msisdn":"1"}}}}'.encode()
    assert reading_matters(body)


def test_a_valid_request_whose_reading_matters_may_be_rejected(contract: Contract) -> None:
    body = b'{"type":"otp","data":{"code":"12 34","msisdn":"1"}}'
    judge = Judge(contract, SECRET)
    assert judge.judge(dict(signed_request(body, SECRET).headers), body).expect is Expect.ACCEPT
    assert expectation(judge, signed_request(body, SECRET))[0] is Expect.EITHER


def test_header_names_are_judged_in_any_letter_case(contract: Contract) -> None:
    request = signed_request(OTP, SECRET)
    upper = SignedRequest({k.upper(): v for k, v in request.headers.items()}, OTP)
    assert expectation(Judge(contract, SECRET), upper)[0] is Expect.ACCEPT


def test_a_good_answer_is_no_failure(assessor: Assessor) -> None:
    assert assess(assessor, signed_request(OTP, SECRET), OK) is None


def test_a_server_error_on_any_probe_is_reported_as_no_server_error(assessor: Assessor) -> None:
    answer = Answer(503, {"content-type": "text/plain"}, b"busy")
    failure = failed(
        assessor, signed_request(OTP, SECRET, timestamp="1"), answer, intended="advisory-replay"
    )
    assert failure.rule == NO_SERVER_ERROR
    assert failure.got == "status 503, text/plain, body 'busy'"


def test_no_answer_is_reported_as_no_server_error(assessor: Assessor) -> None:
    failure = failed(assessor, signed_request(OTP, SECRET), None, "no answer within 10 s")
    assert failure.rule == NO_SERVER_ERROR
    assert failure.problems == ("no answer within 10 s",)


def test_a_rejected_valid_notification_fails_its_rule_with_both_sides_said(
    assessor: Assessor,
) -> None:
    answer = Answer(401, {"content-type": "application/json"}, b'{"title":"bad signature"}')
    failure = failed(assessor, signed_request(OTP, SECRET), answer)
    assert failure.rule == "accept-valid"
    assert failure.expected.startswith("200 with")
    assert failure.status == 401
    assert "status 401" in failure.problems[0]


def test_a_wrong_answer_to_an_advisory_probe_fails_open_policy(assessor: Assessor) -> None:
    answer = Answer(201, {"content-type": "application/json"}, b'{"message":"ok"}')
    stale = signed_request(OTP, SECRET, timestamp="1000")
    failure = failed(assessor, stale, answer, intended="advisory-replay")
    assert failure.rule == "open-policy"


def test_headers_given_with_header_are_masked_in_the_curl(assessor: Assessor) -> None:
    request = signed_request(OTP, SECRET, extra_headers={"Authorization": "t0ken"})
    failure = failed(assessor, request, Answer(400, {}, b""))
    assert "t0ken" not in failure.curl
    assert "Authorization: <as given with --header>" in failure.curl
    assert request.headers["signature"] in failure.curl
    assert signing.sign(SECRET, request.headers["timestamp"], OTP) in failure.curl


def test_an_answer_is_described_with_status_type_and_the_start_of_its_body() -> None:
    request = signed_request(OTP, SECRET)
    long = Answer(400, {"content-type": "text/html"}, b"x" * 500)
    assert describe_answer(Exchange(request, long)).endswith("…'")
    assert describe_answer(Exchange(request, Answer(204, {}, b""))) == (
        "status 204, no content-type, empty body"
    )
