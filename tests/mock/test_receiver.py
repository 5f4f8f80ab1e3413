"""The notification endpoint answers exactly as the contract requires, over real HTTP."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from sms_hook import delivery, signing
from sms_hook.response import acceptance_problems
from tests.mock.conftest import Running, Start, problem


@pytest.mark.parametrize("type_name", ["otp", "ticket_status", "bet_result"])
def test_valid_signed_notification_of_each_type_is_accepted_with_the_documented_answer(
    receiver: Running, type_name: str
) -> None:
    response = receiver.notify(receiver.example(type_name))

    assert response.status_code == 200
    assert (
        acceptance_problems(receiver.contract, 200, dict(response.headers), response.content) == []
    )
    operation = receiver.contract.document["paths"]["/notifications"]["post"]
    documented = operation["responses"]["200"]["content"]["application/json"]["example"]
    assert response.json() == documented


def test_indented_body_signed_over_its_compact_form_is_accepted(receiver: Running) -> None:
    body = delivery.encode(receiver.contract, receiver.example("otp"), pretty=True)
    assert b"\n  " in body

    assert receiver.send(body).status_code == 200


def test_non_ascii_text_sent_as_utf8_is_accepted(receiver: Running) -> None:
    assert receiver.notify(receiver.example("otp", code="ñ€😀")).status_code == 200


def test_largest_safe_integers_are_accepted(receiver: Running) -> None:
    example = receiver.example(event_id=2**53 - 1, bet_id=-(2**53 - 1))
    assert receiver.notify(example).status_code == 200


def test_header_names_in_upper_case_are_accepted(receiver: Running) -> None:
    body = delivery.encode(receiver.contract, receiver.example())
    signed = delivery.signed_request(body, "12345ABCDE")
    headers = {name.upper(): value for name, value in signed.headers.items()}

    response = receiver.client.post(receiver.endpoint, content=body, headers=headers)

    assert response.status_code == 200


def test_boolean_event_id_is_rejected_with_the_field_named(receiver: Running) -> None:
    response = receiver.notify(receiver.example(event_id=True))

    assert response.status_code == 400
    document = problem(response)
    assert document["title"] == "Invalid notification"
    assert document["detail"] == "data.event_id: true is not an integer (booleans are not integers)"
    assert document["errors"] == [
        {"field": "data.event_id", "reason": "true is not an integer (booleans are not integers)"}
    ]


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        ({"event_id": 1.5}, "data.event_id: 1.5 is not an integer"),
        ({"event_id": "100001"}, 'data.event_id: "100001" is not an integer'),
        ({"ticket_id": 42}, "data.ticket_id: 42 is not a string"),
        ({"result": "LOST"}, 'data.result: "LOST" is not one of "won", "lost", "void"'),
        ({"bet_id": None}, "data.bet_id: null is not an integer"),
    ],
)
def test_wrong_field_value_is_rejected_with_field_and_value_named(
    receiver: Running, data: dict[str, object], detail: str
) -> None:
    response = receiver.notify(receiver.example(**data))

    assert response.status_code == 400
    assert problem(response)["detail"].startswith(detail)


def test_every_finding_is_listed_and_the_first_is_the_detail(receiver: Running) -> None:
    notification = receiver.example(event_id=True)
    del notification["data"]["bet_id"]

    document = problem(receiver.notify(notification))

    assert [e["field"] for e in document["errors"]] == ["data.event_id", "data.bet_id"]
    first = document["errors"][0]
    assert document["detail"] == f"{first['field']}: {first['reason']}"


def test_missing_field_is_rejected(receiver: Running) -> None:
    notification = receiver.example("ticket_status")
    del notification["data"]["status"]

    response = receiver.notify(notification)

    assert response.status_code == 400
    assert problem(response)["detail"] == "data.status: required field missing"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"", "body: empty"),
        (b'{"type": "otp", "data": ', "body: malformed JSON"),
        (b'["otp"]', "body: a JSON array is not a notification object"),
        (b'"otp"', "body: a JSON string is not a notification object"),
        (
            b'{"type":"otp","data":{"code":"\xff\xfe","msisdn":"1"}}',
            "body: bytes are not valid UTF-8",
        ),
        (
            b'{"type":"bet_result","data":{"ticket_id":"x","result":"won","event_id":NaN,"bet_id":1}}',
            "body: malformed JSON: NaN is not valid JSON",
        ),
        (
            b'{"type":"otp","data":' + b"[" * 5000 + b"]" * 5000 + b"}",
            "body: JSON nested too deeply",
        ),
    ],
    ids=["empty", "malformed", "array", "string", "not-utf8", "nan", "deep"],
)
def test_body_that_is_not_a_json_object_is_rejected_with_400(
    receiver: Running, body: bytes, detail: str
) -> None:
    response = receiver.send(body)

    assert response.status_code == 400
    assert problem(response)["detail"].startswith(detail)


def test_nesting_around_the_recursion_limit_is_rejected_with_400(receiver: Running) -> None:
    for depth in range(400, 1200, 37):
        for opening, closing in ((b"[", b"]"), (b'{"a":', b"}")):
            body = b'{"type":"otp","data":' + opening * depth + b"1" + closing * depth + b"}"
            assert receiver.send(body).status_code == 400, depth


def test_data_that_is_not_an_object_is_rejected(receiver: Running) -> None:
    response = receiver.notify({"type": "otp", "data": "1234"})

    assert response.status_code == 400
    assert problem(response)["detail"] == 'data: "1234" is not an object'


@pytest.mark.parametrize("dropped", ["signature", "timestamp"])
def test_missing_signature_header_is_rejected_with_401_naming_it(
    receiver: Running, dropped: str
) -> None:
    response = receiver.notify(receiver.example(), drop=(dropped,))

    assert response.status_code == 401
    assert problem(response)["detail"] == f"header {dropped}: missing"
    assert response.headers["www-authenticate"] == 'HMAC-SHA256 headers="timestamp signature"'


def test_empty_signature_is_rejected_with_401(receiver: Running) -> None:
    response = receiver.notify(receiver.example(), headers={"signature": ""})

    assert response.status_code == 401
    assert problem(response)["detail"] == "header signature: empty"


def test_signature_mismatch_says_exactly_which_message_was_expected(receiver: Running) -> None:
    body = delivery.encode(receiver.contract, receiver.example("otp"), pretty=True)
    timestamp = str(int(time.time()))

    response = receiver.send(body, secret="another secret", timestamp=timestamp)

    assert response.status_code == 401
    expected_message = f"{timestamp}{signing.compact(body).decode()}"
    detail = problem(response)["detail"]
    assert detail.startswith("header signature: does not match HMAC-SHA256 of the expected message")
    assert repr(expected_message) in detail


def test_signature_for_another_timestamp_is_rejected(receiver: Running) -> None:
    body = delivery.encode(receiver.contract, receiver.example())
    now = int(time.time())
    other = delivery.signed_request(body, "12345ABCDE", timestamp=str(now - 1))

    response = receiver.send(
        body, timestamp=str(now), headers={"signature": other.headers["signature"]}
    )

    assert response.status_code == 401


def test_signature_for_another_body_is_rejected(receiver: Running) -> None:
    signed_for = delivery.encode(receiver.contract, receiver.example(bet_id=12))
    other = delivery.signed_request(signed_for, "12345ABCDE")

    response = receiver.notify(receiver.example(bet_id=11), headers=dict(other.headers))

    assert response.status_code == 401


def test_truncated_signature_is_rejected_and_its_length_named(receiver: Running) -> None:
    body = delivery.encode(receiver.contract, receiver.example())
    signature = delivery.signed_request(body, "12345ABCDE").headers["signature"]

    response = receiver.send(body, headers={"signature": signature[:40]})

    assert response.status_code == 401
    assert "40 characters; a SHA-256 hex digest has 64" in problem(response)["detail"]


def test_timestamp_outside_the_tolerance_is_rejected(receiver: Running) -> None:
    response = receiver.notify(receiver.example(), timestamp=str(int(time.time()) - 3600))

    assert response.status_code == 401
    assert "behind the receiver's clock (tolerance 300 s)" in problem(response)["detail"]


def test_tolerance_zero_accepts_the_published_vectors_old_timestamp(start: Start) -> None:
    running = start(tolerance=0)

    response = running.send(
        b'{"type":"otp","data":{"code":"1234","msisdn":"+260977223120"}}', timestamp="1706191612"
    )

    assert response.status_code == 200


def test_the_secret_setting_replaces_the_test_key(start: Start) -> None:
    running = start(secret="s3cret")

    assert running.notify(running.example(), secret="s3cret").status_code == 200
    assert running.notify(running.example()).status_code == 401


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_wrong_content_type_is_rejected_with_415(receiver: Running, content_type: str) -> None:
    response = receiver.notify(receiver.example(), headers={"content-type": content_type})

    assert response.status_code == 415
    assert problem(response)["detail"].startswith("header content-type:")


def test_json_content_type_with_charset_is_accepted(receiver: Running) -> None:
    response = receiver.notify(
        receiver.example(), headers={"content-type": "application/json; charset=utf-8"}
    )

    assert response.status_code == 200


def test_body_over_the_limit_is_rejected_with_413_before_it_is_read(start: Start) -> None:
    running = start(max_body=1000)
    body = delivery.encode(running.contract, running.example(ticket_id="x" * 2000))

    response = running.send(body)

    assert response.status_code == 413
    assert problem(response)["detail"] == (
        f"body: {len(body)} bytes (Content-Length) is more than the limit of 1000 bytes"
    )
    assert running.last()["body"] == ""  # nothing of it was read


def test_chunked_body_over_the_limit_is_rejected_with_413(start: Start) -> None:
    running = start(max_body=1000)

    def chunks() -> Iterator[bytes]:
        for _ in range(200):
            yield b"x" * 100

    response = running.client.post(
        running.endpoint, content=chunks(), headers={"content-type": "application/json"}
    )

    assert response.status_code == 413
    assert "is more than the limit of 1000 bytes" in problem(response)["detail"]
    # The connection stays usable: the rest of the body was discarded, not left in the stream.
    assert running.notify(running.example()).status_code == 200


def test_chunked_body_within_the_limit_is_judged_whole(receiver: Running) -> None:
    body = delivery.encode(receiver.contract, receiver.example())
    signed = delivery.signed_request(body, "12345ABCDE")

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 7):
            yield body[start : start + 7]

    response = receiver.client.post(
        receiver.endpoint, content=chunks(), headers=dict(signed.headers)
    )

    assert response.status_code == 200
    assert receiver.last()["body"] == body.decode()


def test_body_of_exactly_the_limit_is_accepted(start: Start) -> None:
    probe = start()
    body = delivery.encode(probe.contract, probe.example())
    running = start(max_body=len(body))

    assert running.send(body).status_code == 200


def test_two_signature_headers_are_joined_and_rejected(receiver: Running) -> None:
    body = delivery.encode(receiver.contract, receiver.example())
    signed = delivery.signed_request(body, "12345ABCDE")
    headers = [(k, v) for k, v in signed.headers.items()] + [
        ("signature", signed.headers["signature"])
    ]

    response = receiver.client.post(receiver.endpoint, content=body, headers=headers)

    assert response.status_code == 401
    assert receiver.last()["headers"]["signature"] == ", ".join([signed.headers["signature"]] * 2)


def test_missing_operator_name_is_rejected_by_the_strict_mock(receiver: Running) -> None:
    response = receiver.notify(receiver.example(), drop=("operator-name",))

    assert response.status_code == 400
    assert problem(response)["detail"] == "header operator-name: missing"


def test_keys_in_another_order_are_rejected_by_the_strict_mock(receiver: Running) -> None:
    body = b'{"data":{"code":"1234","msisdn":"+260977223120"},"type":"otp"}'

    response = receiver.send(body)

    assert response.status_code == 400
    assert "type first" in problem(response)["detail"]


def test_other_methods_on_the_notification_path_get_405_from_connexion(receiver: Running) -> None:
    assert receiver.client.get(receiver.endpoint).status_code == 405


def _raw_exchange(running: Running, request: bytes, *, half_close: bool = False) -> bytes:
    """Send raw bytes on a fresh connection and return all the server says until it closes."""
    address = urlsplit(running.base)
    with socket.create_connection((address.hostname, address.port), timeout=5) as sock:
        sock.sendall(request)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    return answer


_HEAD = b"POST /notifications HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"


def test_body_shorter_than_its_content_length_gets_no_5xx_and_no_hang(receiver: Running) -> None:
    # The client promises 100 bytes, sends 10 and closes its side: the mock must not answer 5xx.
    answer = _raw_exchange(
        receiver, _HEAD + b"content-length: 100\r\n\r\n0123456789", half_close=True
    )

    assert not answer.startswith(b"HTTP/1.1 5"), answer
    assert receiver.client.get(receiver.base + "/__admin/health").status_code == 200


def test_garbage_after_the_body_gets_a_4xx_not_a_5xx(receiver: Running) -> None:
    answer = _raw_exchange(receiver, _HEAD + b"content-length: 2\r\n\r\n{}\x00\x01garbage\r\n\r\n")

    statuses = [line.split()[1] for line in answer.split(b"\r\n") if line.startswith(b"HTTP/1.1 ")]
    assert statuses, answer
    assert all(s.startswith(b"4") for s in statuses), answer


def test_problem_answers_are_json_that_parses(receiver: Running) -> None:
    response = receiver.send(b"\xff")

    assert json.loads(response.content)["status"] == 400


def test_swagger_ui_serves_the_contract(receiver: Running) -> None:
    page = receiver.client.get(receiver.base + "/ui/")
    spec = receiver.client.get(receiver.base + "/openapi.json")

    assert page.status_code == 200
    assert "swagger-ui" in page.text
    assert spec.json()["paths"].keys() == {"/notifications"}


def test_swagger_try_it_out_request_reaches_the_strict_receiver(receiver: Running) -> None:
    # Swagger UI posts the operation's example, indented, with the headers the user typed in.
    example = receiver.contract.document["paths"]["/notifications"]["post"]["requestBody"]
    value = example["content"]["application/json"]["examples"]["otp"]["value"]
    body = json.dumps(value, indent=2).encode()

    response = receiver.client.post(
        receiver.endpoint,
        content=body,
        headers={
            "content-type": "application/json",
            "accept": "application/json",
            "timestamp": "1706191612",
            "operator-name": "betstack-demo",
            "signature": "46b1ec8d2a05129bb57c8256f2cdd3029b2cf72dbed57f0d3eedd6b156573433",
        },
    )

    # Connexion would have said "... is not valid under any of the given schemas" or accepted
    # it without checking the signature; the receiver judges the (old) timestamp.
    assert response.status_code == 401
    assert "behind the receiver's clock" in problem(response)["detail"]
    assert receiver.last()["reading"] == "tokens"


def test_problem_body_is_valid_against_the_documents_problem_schema(receiver: Running) -> None:
    schema = receiver.contract.document["components"]["schemas"]["Problem"]
    document = problem(receiver.notify(receiver.example(event_id=True)))

    assert set(schema["required"]) <= document.keys()
    assert set(document) <= set(schema["properties"])
    assert all(set(e) == {"field", "reason"} for e in document["errors"])


def _exchange(conn: socket.socket, path: str, body: bytes, content_type: str | None) -> bytes:
    """Send one HTTP/1.1 request on `conn` and return its whole answer head (the body is read)."""
    head = f"POST {path} HTTP/1.1\r\nhost: mock\r\ncontent-length: {len(body)}\r\n"
    if content_type:
        head += f"content-type: {content_type}\r\n"
    conn.sendall(head.encode() + b"\r\n" + body)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        assert chunk, "the mock closed the connection instead of answering"
        data += chunk
    answer_head, _, rest = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in answer_head.split(b"\r\n")[1:]
        if line.lower().startswith(b"content-length:")
    )
    while len(rest) < length:
        chunk = conn.recv(65536)
        assert chunk, "the mock closed the connection in the middle of an answer"
        rest += chunk
    return answer_head


def test_connection_is_kept_alive_across_rejections(receiver: Running) -> None:
    # A raw socket, because httpx would silently open a new connection after a close.
    url = urlsplit(receiver.endpoint)
    with socket.create_connection((url.hostname or "127.0.0.1", url.port or 80), timeout=5) as conn:
        heads = [
            _exchange(conn, url.path, body, "application/json") for body in (b"\xff", b"[]", b"{}")
        ]
        heads.append(_exchange(conn, url.path, b"{}", None))
    statuses = [h.split(b" ", 2)[1] for h in heads]
    assert all(s.startswith(b"4") for s in statuses), statuses
    assert statuses[-1] == b"415"
    assert not any(b"connection: close" in h.lower() for h in heads)
