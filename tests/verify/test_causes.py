"""Root causes and their hints, each provoked by a real receiver over HTTP, one by one."""

from __future__ import annotations

import re

from click.testing import CliRunner

from contract_tests.diagnosis import Cause, diagnose
from contract_tests.report import summary
from contract_tests.result import Result
from sms_hook import contract as contract_module
from sms_hook import signing
from sms_hook.cli import cli
from tests.receivers import RECEIVER_PATH
from tests.receivers.faulty_answer import AsciiOnly
from tests.receivers.faulty_crash import MalformedJson500
from tests.receivers.faulty_validation import BooleanEventId
from tests.support.server import serve
from tests.verify.conftest import SECRET, quick
from tests.verify.hint_receivers import basic_auth_gateway, lax_integer, redirecting, skewed_clock
from tests.verify.receivers import PATH, judge_receiver


def causes(result: Result) -> list[Cause]:
    return diagnose(result, contract_module.load())


def report(result: Result) -> list[str]:
    return [line.text for line in summary(result)]


def test_a_wrong_secret_is_one_cause_with_the_message_and_signature_we_sent() -> None:
    with serve(judge_receiver("the-receivers-own-secret")) as base:
        result = quick(base + PATH)
    (cause,) = causes(result)
    assert cause.id == "rejects-signed"
    assert cause.title.startswith("correctly signed notifications are rejected")
    assert cause.requests == sum(result.failed.values())  # every failing request, generated too
    example = cause.example
    assert example.timestamp is not None
    message = signing.message(example.timestamp, example.body).decode()
    signature = dict(example.headers)["signature"]
    assert f"we signed the message {message}" in cause.notes
    assert signing.hmac_hex(SECRET, message.encode()) == signature
    assert not any("clock" in note or "WWW-Authenticate" in note for note in cause.notes)
    lines = report(result)
    assert lines[3].startswith("BROKEN: correctly signed notifications are rejected")


def test_every_request_answered_404_is_the_path_and_the_only_cause() -> None:
    with serve(judge_receiver(SECRET)) as base:
        out = CliRunner().invoke(
            cli,
            ["verify", base + "/hooks/sms-typo", "--seed", "1", "--max-examples", "2"],
            env={"SMS_HOOK_SECRET": SECRET},
        )
    assert out.exit_code == 1
    assert "1. nothing answers notifications at this path" in out.output
    assert "2. " not in out.output
    assert "reject-invalid-data" not in out.output  # no table of rows that "passed" with 404
    assert "Advisories" not in out.output
    assert out.output.splitlines()[-1] == (
        "sms-hook: BROKEN: nothing answers notifications at this path "
        + re.search(r"\(\d+ failing requests of \d+\)", out.output).group(0)  # type: ignore[union-attr]
    )


def test_a_redirect_is_the_cause_with_its_location() -> None:
    with serve(redirecting("https://new.example.com/hooks/sms")) as base:
        result = quick(base + PATH, max_examples=0)
    (cause,) = causes(result)
    assert cause.id == "redirect"
    assert cause.notes == ("Location: https://new.example.com/hooks/sms",)


def test_a_gateway_asking_for_credentials_suggests_header() -> None:
    with serve(basic_auth_gateway(SECRET, "Basic c3RhZ2luZzpwdw==")) as base:
        refused = quick(base + PATH, max_examples=0)
        passed = quick(
            base + PATH, max_examples=0, headers={"Authorization": "Basic c3RhZ2luZzpwdw=="}
        )
    first = causes(refused)[0]
    assert first.id == "rejects-signed"
    assert any(
        'WWW-Authenticate: Basic realm="staging"' in note and "--header" in note
        for note in first.notes
    )
    assert passed.conforms


def test_credentials_in_the_url_reach_a_gateway_on_every_request_framings_too() -> None:
    with serve(basic_auth_gateway(SECRET, "Basic c3RhZ2luZzpwdw==")) as base:
        result = quick(base.replace("http://", "http://staging:pw@") + PATH, max_examples=0)
    assert result.conforms, [(f.rule, f.title, f.got) for f in result.failures]


def test_a_receiver_clock_an_hour_ahead_is_named_when_fresh_timestamps_are_refused() -> None:
    with serve(skewed_clock(SECRET, 3600), date_header=False) as base:
        result = quick(base + PATH, max_examples=0)
    cause = causes(result)[0]
    assert cause.id == "rejects-signed"
    clock = [n for n in cause.notes if "clock (its Date header)" in n]
    assert len(clock) == 1
    seconds = int(re.search(r"is (\d+) s ahead of this machine's", clock[0]).group(1))  # type: ignore[union-attr]
    assert 3590 <= seconds <= 3610


def test_event_id_accepted_as_true_a_string_and_a_decimal_is_one_cause_listing_them() -> None:
    with serve(lax_integer(SECRET, "data.event_id")) as base:
        result = quick(base + PATH)
    (cause,) = causes(result)
    assert cause.id == "accepts.field-type.data.event_id"
    assert cause.title == "data.event_id is not checked to be an integer"
    assert {"true", '"100001"', "1.5"} <= set(cause.values)
    assert cause.types == ("bet_result",)


class _ThreeBugs(MalformedJson500, BooleanEventId, AsciiOnly):
    """500 on malformed JSON, `true` taken for an integer, non-ASCII text refused."""


def test_three_bugs_are_three_causes_most_important_first_on_one_screen() -> None:
    with serve(_ThreeBugs(SECRET)) as base:
        result = quick(base + RECEIVER_PATH, max_examples=10)
    found = causes(result)
    assert [c.id for c in found] == [
        "server-error.body",
        "accepts.field-type.data.event_id+data.bet_id",
        "refuses.accept-non-ascii",
    ]
    assert found[1].title == "data.event_id and data.bet_id are not checked to be integers"
    assert sum(c.requests for c in found) == sum(result.failed.values())
    lines = report(result)
    assert len(lines) <= 45, "\n".join(lines)


def test_a_chunked_body_read_as_empty_is_a_framing_cause_not_a_wrong_secret() -> None:
    # The lost body fails the signature check (401), but every other valid notification is
    # accepted: the cause is the framing, and no hint about secrets may be given.
    from tests.receivers.faulty_sequences import ChunkedIgnored

    with serve(ChunkedIgnored(SECRET)) as base:
        result = quick(base + RECEIVER_PATH, max_examples=0)
    found = causes(result)
    assert [c.id for c in found] == ["refuses.accept-framings"]
    assert "framed another way" in found[0].title
    assert not any("secret" in note for note in found[0].notes)
