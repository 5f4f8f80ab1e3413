"""`sms-hook send` over real HTTP: a correct receiver passes, a wrong answer is named."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from sms_hook import signing
from sms_hook.cli import cli
from sms_hook.errors import SignatureError
from tests.support.server import free_port, serve

SECRET = "partner-secret"
PATH = "/any/path/sms"


class Receiver:
    """A small correct receiver whose answer a test can spoil."""

    def __init__(self) -> None:
        self.answer: Response | None = None
        self.received: list[tuple[dict[str, str], bytes]] = []

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.received.append((headers, body))
        if self.answer is not None:
            return self.answer
        try:
            signing.verify(SECRET, headers, body)
        except SignatureError as exc:
            return JSONResponse({"error": str(exc)}, status_code=401)
        data = json.loads(body)
        if not isinstance(data.get("data", {}).get("event_id", 0), int) or isinstance(
            data.get("data", {}).get("event_id"), bool
        ):
            return JSONResponse({"error": "event_id"}, status_code=400)
        return JSONResponse({"message": "Notification received"})


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    handler = Receiver()
    app = Starlette(routes=[Route(PATH, handler.handle, methods=["POST"])])
    with serve(app) as base:
        yield handler, base + PATH


def send(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        __import__("sms_hook.cli", fromlist=["cli"]).cli,
        ["send", *args],
        env={"SMS_HOOK_SECRET": SECRET},
    )
    return result.exit_code, result.output


@pytest.mark.parametrize("type_name", ["otp", "ticket_status", "bet_result"])
def test_send_gets_200_from_a_correct_receiver_and_exits_0(
    receiver: tuple[Receiver, str], type_name: str
) -> None:
    handler, url = receiver
    code, out = send(type_name, url)
    assert code == 0, out
    assert "ok: the answer meets the contract" in out
    headers, body = handler.received[-1]
    assert json.loads(body)["type"] == type_name
    assert headers["signature"] == signing.sign(SECRET, headers["timestamp"], body)


def test_send_prints_the_request_and_the_answer_but_not_the_secret(
    receiver: tuple[Receiver, str],
) -> None:
    _, url = receiver
    code, out = send("bet_result", url)
    assert code == 0
    assert f"> POST {url}" in out
    assert "< 200" in out
    assert '"event_id":100001' in out
    assert SECRET not in out


def test_send_sends_the_canonical_compact_bytes_in_the_documented_order(
    receiver: tuple[Receiver, str],
) -> None:
    handler, url = receiver
    send("bet_result", url, "--set", "data.result=won", "--set", "data.event_id=42")
    _, body = handler.received[-1]
    assert body == (
        b'{"type":"bet_result","data":{"ticket_id":"6549197db70d9c7f28c2a57e",'
        b'"result":"won","event_id":42,"bet_id":11}}'
    )


def test_send_pretty_indents_and_still_signs_the_compact_form(
    receiver: tuple[Receiver, str],
) -> None:
    handler, url = receiver
    code, _ = send("otp", url, "--pretty")
    assert code == 0
    headers, body = handler.received[-1]
    assert b"\n  " in body
    assert signing.verify(SECRET, headers, body).reading == "tokens"


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (
            JSONResponse({"message": "ok"}, status_code=201),
            "status 201; a valid notification must get 200",
        ),
        (PlainTextResponse("OK"), "content-type 'text/plain; charset=utf-8'"),
        (JSONResponse({"status": "ok"}), 'body has no "message"'),
        (JSONResponse({"message": 1}), 'body "message" is 1, not a string'),
        (JSONResponse({"error": "boom"}, status_code=500), "status 500"),
    ],
)
def test_send_exits_1_naming_the_reason_when_the_answer_breaks_the_contract(
    receiver: tuple[Receiver, str], answer: Response, reason: str
) -> None:
    handler, url = receiver
    handler.answer = answer
    code, out = send("bet_result", url)
    assert code == 1
    assert reason in out
    assert "Traceback" not in out


def test_send_with_a_wrong_type_expects_a_rejection(receiver: tuple[Receiver, str]) -> None:
    _, url = receiver
    code, out = send("bet_result", url, "--set", "data.event_id:=true")
    assert code == 0, out
    assert "must be rejected with a 4xx" in out


def test_send_with_a_wrong_type_exits_1_when_the_receiver_accepts_it(
    receiver: tuple[Receiver, str],
) -> None:
    handler, url = receiver
    handler.answer = JSONResponse({"message": "ok"})
    code, out = send("bet_result", url, "--set", "data.event_id:=true")
    assert code == 1
    assert "data.event_id: true is not an integer" in out


def test_send_to_a_closed_port_is_a_connection_problem_with_exit_2() -> None:
    code, out = send("otp", f"http://127.0.0.1:{free_port()}/hook")
    assert code == 2
    assert "connection refused" in out
    assert "Traceback" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["refund", "http://127.0.0.1:1/"], "'refund' is not a notification type"),
        (
            ["bet_result", "http://127.0.0.1:1/", "--set", "data.event_id=abc"],
            "'abc' is not an integer",
        ),
        (
            ["bet_result", "http://127.0.0.1:1/", "--set", "event_id=1"],
            "is not 'type' or 'data.FIELD'",
        ),
        (["otp", "ftp://127.0.0.1/"], "is not an http:// or https:// URL with a host"),
        (["otp", "http://[::1"], "is not an http:// or https:// URL with a host"),
        (["otp", "http:///hook"], "is not an http:// or https:// URL with a host"),
        (["otp", "http://127.0.0.1:1/", "--timeout", "-1"], "give a number of seconds above 0"),
        (["otp", "http://127.0.0.1:1/", "--timeout", "0"], "give a number of seconds above 0"),
        (["otp", "http://127.0.0.1:1/", "--timeout", "nan"], "give a number of seconds above 0"),
        (["otp", "http://127.0.0.1:1/", "--timeout", "inf"], "give a number of seconds above 0"),
        (["otp", "http://127.0.0.1:1/", "--timeout", "1e308"], "at most 86400"),
        (["otp", "http://127.0.0.1:1/", "--bogus"], "No such option"),
        (["otp"], "Missing argument 'URL'"),
        (
            ["bet_result", "http://127.0.0.1:1/", "--set", "data.event_id:=NaN"],
            "NaN is not a JSON value",
        ),
        (
            ["bet_result", "http://127.0.0.1:1/", "--set", "data.event_id:=1e999"],
            "1e999 is beyond what a JSON number can carry",
        ),
        (["otp", "http://127.0.0.1:1/", "--body", "/proc/self/mem"], "cannot be read"),
        (["otp", "http://127.0.0.1:1/", "--secret", "\udcff\udcfe"], "not valid UTF-8 text"),
        (["otp", "http://u:pw@[::1"], "'http://***@[::1' is not an http"),
        (
            ["otp", "http://127.0.0.1:1/", "--set", 'data.code:="\\ud800"'],
            "data.code: '\\ud800' holds a lone surrogate",
        ),
        (
            ["otp", "http://127.0.0.1:1/", "--set", "data.code=12\udcff"],
            "data.code: '12\\udcff' holds a lone surrogate",
        ),
    ],
)
def test_send_usage_errors_are_one_line_with_exit_2(args: list[str], message: str) -> None:
    code, out = send(*args)
    assert code == 2
    assert message in out
    assert len(out.splitlines()) == 1, out
    assert "Usage:" not in out


def test_send_to_a_wrong_path_says_so_and_exits_1(receiver: tuple[Receiver, str]) -> None:
    _, url = receiver
    code, out = send("bet_result", url.replace(PATH, "/hooks/sms"), "--set", "data.event_id:=true")
    assert code == 1
    assert "status 404: nothing at this path takes notifications" in out
    assert "the URL's path is probably wrong" in out
    assert "ok: the answer" not in out


def test_send_warns_of_a_set_field_the_contract_does_not_have(
    receiver: tuple[Receiver, str],
) -> None:
    _, url = receiver
    result = CliRunner().invoke(
        __import__("sms_hook.cli", fromlist=["cli"]).cli,
        ["send", "bet_result", url, "--set", "data.evnt_id=1"],
        env={"SMS_HOOK_SECRET": SECRET},
    )
    assert "warning: data.evnt_id: bet_result has no field 'evnt_id'" in result.stderr
    assert "did you mean data.event_id?" in result.stderr
    assert "(sent anyway)" in result.stderr
    assert '"evnt_id":"1"' in result.stdout  # it was sent


def _help_examples() -> list[list[str]]:
    from sms_hook.cli import send as send_command

    epilog = send_command.send.epilog or ""
    joined = epilog.replace("\\\n", " ")
    return [
        shlex.split(line.strip())[2:]  # after "sms-hook send"
        for line in joined.splitlines()
        if line.strip().startswith("sms-hook send") and "127.0.0.1:8080" in line
    ]


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    from mock_server.app import create_app
    from mock_server.settings import Settings

    with serve(create_app(Settings(journal=":memory:")).app) as base:
        yield base


def test_every_help_example_works_against_the_mock_as_written(mock_url: str) -> None:
    examples = _help_examples()
    assert len(examples) >= 4
    for example in examples:
        args = [a.replace("http://127.0.0.1:8080", mock_url) for a in example]
        result = CliRunner().invoke(cli, ["send", *args])
        assert result.exit_code == 0, (args, result.output)
        assert "ok: the answer meets the contract" in result.output


def test_send_reads_a_body_file_saved_with_a_utf8_bom(
    receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    handler, url = receiver
    path = tmp_path / "otp.json"
    path.write_bytes(
        b"\xef\xbb\xbf" + (b'{"type":"otp","data":{"code":"1234","msisdn":"+260977223120"}}')
    )
    code, out = send("otp", url, "--body", str(path))
    assert code == 0, out
    assert handler.received[-1][1] == (
        b'{"type":"otp","data":{"code":"1234","msisdn":"+260977223120"}}'
    )  # the notification, not the BOM, is sent
