"""Receivers that break the contract under load: the report says when, how, and how often."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.load.conftest import load
from tests.load.receivers import Overloaded, SlowingDown, app
from tests.receivers.asgi import RECEIVER_PATH
from tests.support.server import serve

pytestmark = pytest.mark.slow


def test_a_receiver_that_answers_500_above_a_rate_is_a_break_counted_every_second(
    tmp_path: Path, secret: str
) -> None:
    with serve(app(Overloaded(secret, limit=40))) as base:
        run = load(base + RECEIVER_PATH, "--rate=100", "--duration=2", tmp_path=tmp_path)

    assert run.code == 1, run.err + run.out
    assert "Traceback" not in run.err
    report = run.report
    assert report["verdict"] == "fail"
    overloaded = run.breaks["status 500"]
    assert overloaded["count"] > 0
    assert overloaded["first_at_s"] == 0
    assert set(run.breaks) == {"status 500"}
    (example, *_) = overloaded["examples"]
    assert "status 500" in example["detail"]
    assert "overloaded" in example["detail"]
    # Every second past the limit shows breaks and never more successes than the limit allows.
    for second in report["series"][:2]:
        assert second["breaks"].get("status 500", 0) > 0
        assert second["ok"] <= 2 * 40
    assert report["requests"]["ok"] + overloaded["count"] == report["requests"]["answered"]
    assert "contract broken under load" in run.out
    assert "status 500" in run.out


def test_a_receiver_that_slows_down_shows_timeouts_from_the_second_it_slowed(
    tmp_path: Path, secret: str
) -> None:
    with serve(app(SlowingDown(secret, fast_for=1.0, delay=0.5))) as base:
        run = load(
            base + RECEIVER_PATH, "--rate=40", "--duration=3", "--timeout=0.2", tmp_path=tmp_path
        )

    assert run.code == 1, run.err + run.out
    report = run.report
    timeouts = run.breaks["timeout"]
    assert timeouts["first_at_s"] >= 1
    assert report["series"][0]["breaks"] == {}
    assert report["series"][0]["ok"] > 0
    assert report["series"][2]["breaks"].get("timeout", 0) > 0
    # The answers that did arrive in time were slower than 0.2 s would allow...
    assert report["latency_ms"]["max"] >= 200
    assert timeouts["examples"][0]["latency_ms"] >= 200


def test_expect_p99_fails_a_run_whose_99th_percentile_is_above_the_limit(
    tmp_path: Path, secret: str
) -> None:
    with serve(app(SlowingDown(secret, fast_for=0.0, delay=0.05))) as base:
        run = load(
            base + RECEIVER_PATH, "--rate=20", "--duration=1", "--expect-p99=20", tmp_path=tmp_path
        )

    assert run.code == 1, run.err + run.out
    assert run.report["breaks"] == []
    assert run.report["latency_ms"]["p99"] >= 50
    assert any("--expect-p99 20 ms" in reason for reason in run.report["reasons"])
