"""The receiver corpus over real HTTP: the correct receivers take what they must and refuse what
they must, and each faulty receiver has its one defect and nothing else wrong.

What a receiver "must" answer is asked of `sms_hook.judge` here, in the tests, never in the
receivers: a faulty receiver's probe must break the judge's expectation, and the same probe sent
to `raw_bytes` (the correct receiver each faulty one is built from) must meet it.
"""

from __future__ import annotations

import ast
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Final

import httpx
import pytest

from sms_hook import signing
from sms_hook.contract import Contract
from sms_hook.delivery import SignedRequest, encode, signed_request
from sms_hook.judge import Expect, Judge
from sms_hook.response import acceptance_problems, open_problems, rejection_problems
from tests.receivers import CORRECT, CRASH_RULES, FAULTY, RECEIVER_PATH, RULES
from tests.receivers.raw_bytes import FIELDS
from tests.receivers.reserialise import SCHEMAS
from tests.receivers.starlette_table import TABLE
from tests.support.server import serve

Build = Callable[[Contract], SignedRequest]
_DROP: Final = object()
_DEEP: Final = 100_000  # far beyond Python's recursion limit, as a hostile sender would nest
_HANG_TIMEOUT: Final = 1.0  # enough for a prompt answer; the hanging receiver takes 30 s


# --- building requests ----------------------------------------------------------------------


def note(contract: Contract, type_name: str = "bet_result", **changes: Any) -> dict[str, Any]:
    """The contract's example of `type_name` with data fields changed (`_DROP` removes one)."""
    notification = contract.example(type_name)
    for name, value in changes.items():
        if value is _DROP:
            del notification["data"][name]
        else:
            notification["data"][name] = value
    return notification


def sign(contract: Contract, body: bytes, *, secret: str | None = None) -> SignedRequest:
    return signed_request(body, secret or contract.test_key)


def valid(type_name: str = "bet_result", *, pretty: bool = False, **changes: Any) -> Build:
    """A correctly signed notification (changed as asked), compact or indented."""
    return lambda c: sign(c, encode(c, note(c, type_name, **changes), pretty=pretty))


def raw(body: bytes) -> Build:
    """Exactly `body`, correctly signed over it."""
    return lambda c: sign(c, body)


def edit(build: Build, **headers: str | None) -> Build:
    """`build`'s request with headers set (None removes one); `_` in a name stands for `-`."""

    def edited(c: Contract) -> SignedRequest:
        request = build(c)
        new = dict(request.headers)
        for name, value in headers.items():
            new.pop(name.replace("_", "-"), None)
            if value is not None:
                new[name.replace("_", "-")] = value
        return SignedRequest(new, request.body)

    return edited


def resign(build: Build, sign_with: Callable[[Contract, SignedRequest], str]) -> Build:
    """`build`'s request with the signature replaced by `sign_with(contract, request)`."""

    def resigned(c: Contract) -> SignedRequest:
        request = build(c)
        return SignedRequest({**request.headers, "signature": sign_with(c, request)}, request.body)

    return resigned


def body_alone(c: Contract, r: SignedRequest) -> str:
    """The HMAC of the compact body with no timestamp in front."""
    return signing.sign(c.test_key, "", r.body)


def another_timestamp(c: Contract, r: SignedRequest) -> str:
    return signing.sign(c.test_key, str(int(r.headers["timestamp"]) - 1), r.body)


def another_body(c: Contract, r: SignedRequest) -> str:
    return signing.sign(c.test_key, r.headers["timestamp"], r.body.replace(b"lost", b"won"))


def stale(build: Build) -> Build:
    def aged(c: Contract) -> SignedRequest:
        ts = str(int(time.time()) - 3600)
        return signed_request(build(c).body, c.test_key, timestamp=ts)

    return aged


# --- running receivers ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def url(contract: Contract) -> Iterator[Callable[[str], str]]:
    """Start each receiver on first use, on its own port; stop them all at the end."""
    assert not set(CORRECT) & set(FAULTY)
    servers: list[AbstractContextManager[str]] = []
    started: dict[str, str] = {}

    def receiver_url(name: str) -> str:
        if name not in started:
            factory = CORRECT[name] if name in CORRECT else FAULTY[name][0]
            server = serve(factory(contract.test_key))
            started[name] = server.__enter__() + RECEIVER_PATH
            servers.append(server)
        return started[name]

    yield receiver_url
    # Each server takes ~0.2 s to notice it should stop; stopping them side by side saves seconds.
    with ThreadPoolExecutor(max_workers=max(len(servers), 1)) as pool:
        list(pool.map(lambda server: server.__exit__(None, None, None), servers))


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as c:
        yield c


@pytest.fixture(scope="module")
def judge(contract: Contract) -> Judge:
    return Judge(contract, contract.test_key)


def send(client: httpx.Client, url: str, request: SignedRequest, **kw: Any) -> httpx.Response:
    return client.post(url, content=request.body, headers=dict(request.headers), **kw)


def expectation(judge: Judge, request: SignedRequest) -> Expect:
    return judge.judge({k.lower(): v for k, v in request.headers.items()}, request.body).expect


def problems(contract: Contract, expect: Expect, answer: httpx.Response | None) -> list[str]:
    """What is wrong with `answer` (None: no answer in time) where the judge expects `expect`."""
    if answer is None:
        return ["no answer in time"]
    if answer.status_code >= 500:
        return [f"status {answer.status_code}"]
    headers = {k.lower(): v for k, v in answer.headers.items()}
    if expect is Expect.ACCEPT:
        return acceptance_problems(contract, answer.status_code, headers, answer.content)
    if expect is Expect.REJECT:
        return rejection_problems(answer.status_code)
    return open_problems(contract, answer.status_code, headers, answer.content)


def assert_accepted(contract: Contract, answer: httpx.Response) -> None:
    assert problems(contract, Expect.ACCEPT, answer) == [], answer.text


# --- the corpus itself ----------------------------------------------------------------------


def test_corpus_has_three_correct_receivers_and_at_least_22_faulty_ones() -> None:
    assert len(CORRECT) >= 3
    assert len(FAULTY) >= 22


def test_every_faulty_receiver_is_labelled_with_a_rule_verify_names_and_a_defect() -> None:
    for name, (_, rule, defect) in FAULTY.items():
        assert rule in RULES, name
        assert defect, name


def test_every_faulty_receiver_has_a_probe_that_shows_its_defect() -> None:
    assert set(PROBES) == set(FAULTY)


def test_the_field_tables_the_receivers_transcribed_match_the_openapi_document(
    contract: Contract,
) -> None:
    for name, t in contract.types.items():
        documented = [(f.name, f.schema["type"], tuple(f.schema.get("enum", ()))) for f in t.fields]
        assert [(f.name, f.kind, f.enum) for f in FIELDS[name]] == documented
        reserialised = [(k, s["type"], tuple(s.get("enum", ()))) for k, s in SCHEMAS[name].items()]
        assert reserialised == documented
        assert list(TABLE[name]) == list(t.field_names)
    assert set(FIELDS) == set(SCHEMAS) == set(TABLE) == set(contract.types)


def test_receivers_import_neither_the_judge_nor_the_response_rules_and_one_uses_signing() -> None:
    here = Path(__file__).parent
    users: dict[str, set[str]] = {}
    for path in here.glob("*.py"):
        if path.name.startswith("test_"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            else:
                continue
            for module in modules:
                users.setdefault(module, set()).add(path.name)
    assert not {m for m in users if m.startswith(("sms_hook.judge", "sms_hook.response"))}
    assert users.get("sms_hook.signing") == {"starlette_table.py"}
    assert "connexion" not in users


# --- correct receivers: what they must accept -----------------------------------------------


@pytest.mark.parametrize("pretty", [False, True], ids=["compact", "indented"])
@pytest.mark.parametrize("type_name", ["otp", "ticket_status", "bet_result"])
@pytest.mark.parametrize("receiver", sorted(CORRECT))
def test_correct_receiver_accepts_each_types_signed_example(
    contract: Contract,
    url: Callable[[str], str],
    client: httpx.Client,
    receiver: str,
    type_name: str,
    pretty: bool,
) -> None:
    request = valid(type_name, pretty=pretty)(contract)
    assert_accepted(contract, send(client, url(receiver), request))


@pytest.mark.parametrize("receiver", sorted(CORRECT))
def test_correct_receiver_accepts_every_enum_value(
    contract: Contract, url: Callable[[str], str], client: httpx.Client, receiver: str
) -> None:
    for type_name, t in contract.types.items():
        for field in t.fields:
            for value in field.schema.get("enum", ()):
                request = valid(type_name, **{field.name: value})(contract)
                assert_accepted(contract, send(client, url(receiver), request))


@pytest.mark.parametrize("receiver", sorted(CORRECT))
def test_correct_receiver_accepts_non_ascii_text_and_integers_up_to_2_53(
    contract: Contract, url: Callable[[str], str], client: httpx.Client, receiver: str
) -> None:
    for build in (
        valid(ticket_id="Zürich-€-日本-🎲", event_id=2**53 - 1, bet_id=-(2**53 - 1)),
        valid("otp", code="½¾", msisdn="+260977223120"),
        valid("ticket_status", pretty=True, ticket_id="ñandú"),
    ):
        assert_accepted(contract, send(client, url(receiver), build(contract)))


@pytest.mark.parametrize("receiver", sorted(CORRECT))
def test_correct_receiver_accepts_header_names_in_any_letter_case(
    contract: Contract, url: Callable[[str], str], client: httpx.Client, receiver: str
) -> None:
    request = valid()(contract)
    shouted = SignedRequest(
        {k.upper() if i % 2 else k.title(): v for i, (k, v) in enumerate(request.headers.items())},
        request.body,
    )
    assert_accepted(contract, send(client, url(receiver), shouted))


# --- correct receivers: what they must reject, and where the contract is open ---------------

_OTHER_TYPE = {"type": "sms_promo", "data": {"text": "hi"}}

INVALID: Final[dict[str, Build]] = {
    "boolean event_id": valid(event_id=True),
    "decimal bet_id": valid(bet_id=1.5),
    "numeric-string event_id": valid(event_id="100001"),
    "null ticket_id": valid(ticket_id=None),
    "numeric ticket_id": valid(ticket_id=6549197),
    "object bet_id": valid(bet_id={"id": 11}),
    "array event_id": valid(event_id=[100001]),
    "upper-case result": valid(result="WON"),
    "result of another type": valid(result="pending"),
    "bet_id missing": valid(bet_id=_DROP),
    "otp msisdn missing": valid("otp", msisdn=_DROP),
    "otp numeric code": valid("otp", code=1234),
    "ticket_status status outside its enum": valid("ticket_status", status="closed"),
    "ticket_status null result": valid("ticket_status", result=None),
    "data missing": raw(b'{"type":"bet_result"}'),
    "data an array": raw(b'{"type":"otp","data":["1234","+260977223120"]}'),
    "body an array": raw(b"[]"),
    "body a string": raw(b'"bet_result"'),
    "malformed JSON": raw(b'{"type":"otp","data":{"code":"1234",'),
    "non-UTF-8 bytes": raw(b'{"type":"otp","data":{"code":"\xff\xfe","msisdn":"1"}}'),
    "empty body": raw(b""),
    "NaN": raw(
        b'{"type":"bet_result","data":{"ticket_id":"t","result":"won","event_id":NaN,"bet_id":1}}'
    ),
    "deep nesting": raw(b"[" * _DEEP + b"]" * _DEEP),
    "signature missing": edit(valid(), signature=None),
    "signature empty": edit(valid(), signature=""),
    "timestamp missing": resign(edit(valid(), timestamp=None), body_alone),
    "timestamp empty": resign(edit(valid(), timestamp=""), body_alone),
    "wrong secret": lambda c: sign(c, encode(c, note(c)), secret="not-the-secret"),
    "signed for another body": resign(valid(), another_body),
    "signed for another timestamp": resign(valid(), another_timestamp),
    "signed without the timestamp": resign(valid(), body_alone),
    "truncated signature": resign(valid(), lambda c, r: r.headers["signature"][:32]),
    "non-hex signature": resign(valid(), lambda c, r: "z" * 64),
}

OPEN: Final[dict[str, Build]] = {
    "unknown type": raw(json.dumps(_OTHER_TYPE).encode()),
    "extra data field": valid(promo="x"),
    "extra top-level key nested deeply": raw(
        b'{"type":"otp","data":{"code":"1","msisdn":"2"},"x":' + b"[" * 900 + b"]" * 900 + b"}"
    ),
    "operator-name missing": edit(valid(), operator_name=None),
    "text/plain content type": edit(valid(), content_type="text/plain"),
    "content type missing": edit(valid(), content_type=None),
    "upper-case hex signature": resign(valid(), lambda c, r: r.headers["signature"].upper()),
    "data before type": raw(b'{"data":{"code":"1","msisdn":"2"},"type":"otp"}'),
    "duplicate keys": raw(b'{"type":"otp","type":"otp","data":{"code":"1","msisdn":"2"}}'),
    "stale timestamp": stale(valid()),
    "timestamp of 5000 digits": lambda c: signed_request(
        encode(c, note(c)), c.test_key, timestamp="9" * 5000
    ),
    "integer beyond 2^53": valid(event_id=2**64),
    "integer of 5000 digits": raw(
        b'{"type":"bet_result","data":{"ticket_id":"t","result":"won",'
        b'"event_id":' + b"9" * 5000 + b',"bet_id":1}}'
    ),
}


CASES: Final[dict[str, tuple[Build, Expect]]] = {
    **{case: (build, Expect.REJECT) for case, build in INVALID.items()},
    **{case: (build, Expect.EITHER) for case, build in OPEN.items()},
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_judge_expects_of_each_case_what_this_table_says(judge: Judge, case: str) -> None:
    build, expect = CASES[case]
    assert expectation(judge, build(judge.contract)) is expect


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("receiver", sorted(CORRECT))
def test_correct_receiver_answers_4xx_to_invalid_requests_and_200_or_4xx_to_open_ones(
    contract: Contract, url: Callable[[str], str], client: httpx.Client, receiver: str, case: str
) -> None:
    build, expect = CASES[case]
    answer = send(client, url(receiver), build(contract))
    assert problems(contract, expect, answer) == [], answer.text


@pytest.mark.parametrize("receiver", sorted(CORRECT))
def test_correct_receiver_answers_404_off_its_path_and_405_to_get(
    contract: Contract, url: Callable[[str], str], client: httpx.Client, receiver: str
) -> None:
    other = url(receiver).replace(RECEIVER_PATH, "/notifications")
    assert send(client, other, valid()(contract)).status_code == 404
    assert client.get(url(receiver)).status_code == 405


# --- correct receivers: the policies that set them apart ------------------------------------


def test_raw_bytes_answers_415_401_and_400_and_refuses_stale_timestamps(
    contract: Contract, url: Callable[[str], str], client: httpx.Client
) -> None:
    target = url("raw_bytes")
    assert (
        send(client, target, edit(valid(), content_type="text/plain")(contract)).status_code == 415
    )
    assert send(client, target, stale(valid())(contract)).status_code == 401
    assert send(client, target, INVALID["wrong secret"](contract)).status_code == 401
    assert send(client, target, valid(promo="x")(contract)).status_code == 400
    assert send(client, target, OPEN["unknown type"](contract)).status_code == 400


def test_reserialise_answers_403_to_bad_signatures_and_422_to_invalid_bodies(
    contract: Contract, url: Callable[[str], str], client: httpx.Client
) -> None:
    target = url("reserialise")
    for case in ("wrong secret", "truncated signature", "timestamp empty", "signature missing"):
        assert send(client, target, INVALID[case](contract)).status_code == 403, case
    for case in ("boolean event_id", "non-UTF-8 bytes", "deep nesting", "empty body", "NaN"):
        assert send(client, target, INVALID[case](contract)).status_code == 422, case


def test_reserialise_ignores_extra_fields_and_unknown_types_but_only_when_signed(
    contract: Contract, url: Callable[[str], str], client: httpx.Client
) -> None:
    target = url("reserialise")
    assert_accepted(contract, send(client, target, valid(promo="x")(contract)))
    unknown = send(client, target, OPEN["unknown type"](contract))
    assert (unknown.status_code, unknown.json()) == (200, {"message": "ignored", "ok": True})
    unsigned = edit(OPEN["unknown type"], signature=None)(contract)
    assert send(client, target, unsigned).status_code == 403
    assert_accepted(contract, send(client, target, stale(valid())(contract)))


def _spaced(c: Contract) -> SignedRequest:
    """An otp whose code holds a space, signed under the "tokens" reading (as sms-hook signs)."""
    return sign(c, encode(c, note(c, "otp", code="12 34")))


_SPACED_EVERY = resign(
    _spaced,
    lambda c, r: signing.sign(
        c.test_key, r.headers["timestamp"], signing.strip_all_whitespace(r.body)
    ),
)
"""The same, signed under the "all-whitespace" reading (the space inside the string removed)."""


@pytest.mark.parametrize(
    ("receiver", "accepted", "refused"),
    [
        ("raw_bytes", [_spaced], {_SPACED_EVERY: 401}),
        ("reserialise", [_SPACED_EVERY], {_spaced: 403}),
        ("starlette_table", [_spaced, _SPACED_EVERY], {}),
    ],
    ids=["raw_bytes-tokens", "reserialise-all-whitespace", "starlette_table-either"],
)
def test_receiver_implements_its_reading_of_all_spaces_removed(
    contract: Contract,
    url: Callable[[str], str],
    client: httpx.Client,
    receiver: str,
    accepted: list[Build],
    refused: dict[Build, int],
) -> None:
    for build in accepted:
        assert_accepted(contract, send(client, url(receiver), build(contract)))
    for build, status in refused.items():
        assert send(client, url(receiver), build(contract)).status_code == status


def test_starlette_table_validates_before_the_signature_and_answers_with_a_charset(
    contract: Contract, url: Callable[[str], str], client: httpx.Client
) -> None:
    target = url("starlette_table")
    unsigned_invalid = edit(valid(event_id=True), signature=None)(contract)
    assert send(client, target, unsigned_invalid).status_code == 400
    assert send(client, target, INVALID["signature missing"](contract)).status_code == 401
    answer = send(client, target, valid()(contract))
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    upper = OPEN["upper-case hex signature"](contract)
    assert_accepted(contract, send(client, target, upper))


# --- faulty receivers -----------------------------------------------------------------------

PROBES: Final[dict[str, Build]] = {
    "bet_result_boolean_event_id": INVALID["boolean event_id"],
    "bet_result_float_bet_id_coerced": INVALID["decimal bet_id"],
    "bet_result_string_event_id": INVALID["numeric-string event_id"],
    "bet_result_no_result_enum": valid(result="cancelled"),
    "bet_result_case_insensitive_enum": INVALID["upper-case result"],
    "bet_result_accepts_pending": INVALID["result of another type"],
    "bet_result_bet_id_optional": INVALID["bet_id missing"],
    "bet_result_null_ticket_id": INVALID["null ticket_id"],
    "bet_result_numeric_ticket_id": INVALID["numeric ticket_id"],
    "otp_msisdn_optional": INVALID["otp msisdn missing"],
    "ticket_status_any_status": INVALID["ticket_status status outside its enum"],
    "empty_body_ping": INVALID["empty body"],
    "non_object_body_ignored": INVALID["body an array"],
    "signature_not_checked": INVALID["wrong secret"],
    "signature_optional": INVALID["signature missing"],
    "signature_without_timestamp_accepted": INVALID["signed without the timestamp"],
    "signature_prefix_accepted": INVALID["truncated signature"],
    "signature_over_raw_bytes": valid(pretty=True),
    "timestamp_empty_accepted": INVALID["timestamp empty"],
    "answer_201": valid(),
    "answer_plain_text": valid(),
    "answer_without_message": valid(),
    "answer_numeric_message": valid(),
    "rejects_non_ascii": valid(ticket_id="Zürich-€"),
    "rejects_ids_above_int32": valid(event_id=2**31),
    "unknown_type_202": OPEN["unknown type"],
    "malformed_json_500": INVALID["malformed JSON"],
    "non_utf8_500": INVALID["non-UTF-8 bytes"],
    "missing_data_500": INVALID["data missing"],
    "deep_nesting_500": INVALID["deep nesting"],
    "unknown_type_500": OPEN["unknown type"],
    "missing_operator_name_500": OPEN["operator-name missing"],
    "bet_result_void_hangs": valid(result="void"),
    "quote_500": valid(ticket_id="O'Brien"),
    "nul_500": raw(
        b'{"type":"bet_result","data":{"ticket_id":"a\\u0000b","result":"lost",'
        b'"event_id":100001,"bet_id":11}}'
    ),
    "escaped_surrogate_500": raw(
        b'{"type":"bet_result","data":{"ticket_id":"a\\ud800b","result":"lost",'
        b'"event_id":100001,"bet_id":11}}'
    ),
    "nan_in_extra_field_accepted": raw(
        b'{"type":"bet_result","data":{"ticket_id":"6549197db70d9c7f28c2a57e","result":"lost",'
        b'"event_id":100001,"bet_id":11,"score":NaN}}'
    ),
}


def _answer(client: httpx.Client, target: str, request: SignedRequest) -> httpx.Response | None:
    try:
        return send(client, target, request, timeout=_HANG_TIMEOUT)
    except httpx.ReadTimeout:
        return None


@pytest.mark.parametrize("receiver", sorted(FAULTY))
def test_faulty_receiver_breaks_the_contract_on_its_probe_where_raw_bytes_does_not(
    contract: Contract,
    judge: Judge,
    url: Callable[[str], str],
    client: httpx.Client,
    receiver: str,
) -> None:
    request = PROBES[receiver](contract)
    expect = expectation(judge, request)
    answer = _answer(client, url(receiver), request)
    assert problems(contract, expect, answer), f"{receiver} met the contract on its probe"
    # verify names a 5xx or a timeout `no-server-error` whatever the probe; every other label
    # holds only if the defect shows without one.
    crashed = answer is None or answer.status_code >= 500
    assert crashed == (FAULTY[receiver][1] in CRASH_RULES)
    assert problems(contract, expect, _answer(client, url("raw_bytes"), request)) == []


@pytest.mark.parametrize(
    "receiver", sorted(name for name, (_, rule, _) in FAULTY.items() if rule != "accept-valid")
)
def test_faulty_receiver_still_accepts_each_types_valid_example(
    contract: Contract, url: Callable[[str], str], client: httpx.Client, receiver: str
) -> None:
    for type_name in contract.types:
        assert_accepted(contract, send(client, url(receiver), valid(type_name)(contract)))


@pytest.mark.parametrize(
    "receiver", sorted(name for name, (_, rule, _) in FAULTY.items() if rule == "accept-valid")
)
def test_faulty_receiver_labelled_accept_valid_answers_every_valid_example_wrongly(
    contract: Contract, url: Callable[[str], str], client: httpx.Client, receiver: str
) -> None:
    for type_name in contract.types:
        answer = send(client, url(receiver), valid(type_name)(contract))
        assert problems(contract, Expect.ACCEPT, answer), answer.text
