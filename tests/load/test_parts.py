"""The plain parts of the load engine: the traffic it sends, how it counts, how it judges."""

from __future__ import annotations

import io
import json
from collections import Counter
from itertools import islice

from sms_hook import delivery, judge
from sms_hook.contract import Contract
from sms_hook_load import answers
from sms_hook_load.progress import Progress
from sms_hook_load.settings import LoadSettings
from sms_hook_load.summary import summarise, text
from sms_hook_load.tally import Tally, bucket, from_data, percentile, to_data
from sms_hook_load.traffic import Traffic, ticket_outcome


def test_every_generated_notification_is_one_the_judge_accepts(
    contract: Contract, secret: str
) -> None:
    referee = judge.Judge(contract, secret)
    traffic = Traffic(contract, tuple(contract.types), seed=1)
    for outgoing in islice(traffic, 200):
        signed = delivery.signed_request(outgoing.body, secret)
        verdict = referee.judge(signed.headers, outgoing.body)
        assert verdict.expect is judge.Expect.ACCEPT, verdict.findings
        assert verdict.type == outgoing.type


def test_a_ticket_is_opened_then_its_bets_resulted_then_it_is_resulted_as_they_imply(
    contract: Contract,
) -> None:
    traffic = Traffic(contract, ("ticket_status", "bet_result"), seed=2)
    first, *rest = [json.loads(o.body) for o in islice(traffic, 40)]
    assert first["type"] == "ticket_status"
    assert first["data"]["status"] == "open"
    assert first["data"]["result"] == "pending"
    ticket = first["data"]["ticket_id"]
    assert len(ticket) == 24
    bets = []
    for n in rest:
        if n["type"] == "bet_result":
            assert n["data"]["ticket_id"] == ticket
            bets.append(n["data"]["result"])
            continue
        assert n["data"] == {
            "ticket_id": ticket,
            "status": "resulted",
            "result": ticket_outcome(bets),
        }
        break
    assert bets


def test_a_ticket_is_lost_if_a_bet_lost_else_won_if_a_bet_won_else_void() -> None:
    assert ticket_outcome(["won", "lost"]) == "lost"
    assert ticket_outcome(["won", "void"]) == "won"
    assert ticket_outcome(["void"]) == "void"


def test_only_the_chosen_types_are_sent(contract: Contract) -> None:
    kinds = Counter(o.type for o in islice(Traffic(contract, ("otp",)), 20))
    assert kinds == Counter({"otp": 20})


def test_answers_are_judged_by_the_contract_rule(contract: Contract) -> None:
    ok = {"content-type": "application/json"}
    assert answers.judge(contract, 200, ok, b'{"message":"x"}') == (None, "")
    kind, detail = answers.judge(contract, 200, ok, b"{}")
    assert kind == answers.BAD_SUCCESS
    assert "message" in detail
    assert answers.judge(contract, 503, ok, b"busy")[0] == "status 503"
    assert answers.judge(contract, 401, ok, b"{}")[0] == "status 401"
    assert answers.judge(contract, 0, {}, b"", TimeoutError("timed out"))[0] == answers.TIMEOUT
    assert answers.judge(contract, 0, {}, b"", ConnectionRefusedError())[0] == answers.REFUSED
    assert answers.judge(contract, 0, {}, b"", ConnectionResetError())[0] == answers.DROPPED


def test_tallies_merge_across_processes_and_percentiles_are_nearest_rank() -> None:
    one, two = Tally(), Tally()
    for ms in range(1, 51):
        one.record(0, "otp", float(ms))
    for ms in range(51, 101):
        two.record(1, "bet_result", float(ms), "status 500", {"at": 1.5, "detail": "x"})
    merged = Tally()
    merged.merge(from_data(one.drain()))
    merged.merge(from_data(to_data(two)))
    assert one.answered == 0  # drained
    assert merged.answered == 100
    assert merged.ok == 50
    assert merged.breaks() == Counter({"status 500": 50})
    assert len(merged.examples["status 500"]) == 3
    assert percentile(merged.latency(), 0.99) == 99.0
    assert percentile(merged.latency(), 0.50) == 50.0
    assert bucket(0.12345) == 0.123
    assert bucket(1234.5) == 1230.0


def test_the_summary_fails_on_a_break_and_shows_when_it_began() -> None:
    tally = Tally()
    tally.record(0, "otp", 1.0)
    tally.record(2, "otp", 1.0, "timeout", {"at": 2.1, "type": "otp", "key": "k", "detail": "d"})
    settings = LoadSettings(url="http://h/x", rate=1, duration=3, types=("otp",))
    report = summarise(settings, tally, 3.0, [])
    assert report["verdict"] == "fail"
    assert report["breaks"][0]["first_at_s"] == 2
    assert [s["t"] for s in report["series"]] == [0, 1, 2]
    assert report["series"][1]["answered"] == 0
    assert any("timeout: 1 (first at 2 s)" in line for line in text(report))


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_rewrites_one_line_on_a_terminal_and_prints_plain_lines_elsewhere() -> None:
    tally = Tally()
    for second in range(12):
        for _ in range(10):
            tally.record(second, "otp", 2.0)
    terminal, log = _Terminal(), io.StringIO()
    for stream in (terminal, log):
        progress = Progress(12, 10, stream)
        for elapsed in range(1, 13):
            progress.update(float(elapsed), tally)
        progress.finish()
    assert terminal.getvalue().count("\r\x1b[2K") == 13
    assert "\n" not in terminal.getvalue()
    lines = log.getvalue().splitlines()
    assert len(lines) == 2  # every PLAIN_EVERY (5) seconds
    assert "\r" not in log.getvalue()
    assert lines[-1].split() == [
        "10/12",
        "s",
        "120",
        "sent",
        "10/s",
        "(target",
        "10)",
        "p99",
        "2",
        "ms",
        "breaks",
        "0",
    ]
