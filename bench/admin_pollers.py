"""Notification latency while admin pollers query a large journal, against the same without them.

    python bench/admin_pollers.py [--rows 200000] [--pollers 4] [--duration 10]

A journal of `--rows` rows (distinct ticket ids) is written first, then `sms-hook mock` serves it
(`--journal-max-rows 0`, so nothing is pruned). One sender posts signed `bet_result`s one after
another and times each answer: first alone (the reference, same run), then while `--pollers`
threads each ask `GET /__admin/notifications?ticket_id=...` as fast as they are answered. The
issue's target is a notification p99 under 25 ms with four pollers at 200k rows; reported, not
enforced. A run in which any notification is not answered 200 is invalid (exit 1).
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Final

import httpx
import servers
import targets

from mock_server.journal import Entry, Journal
from sms_hook import contract as contract_module
from sms_hook import delivery

SECRET: Final = "bench-secret-not-the-test-key"
TARGET_P99_MS: Final = 25.0
BATCH: Final = 10_000


def fill(path: Path, rows: int) -> None:
    """Write `rows` accepted bet_results with distinct ticket ids, in big transactions."""
    journal = Journal(str(path), max_rows=0)
    contract = contract_module.load()
    base = contract.example("bet_result")
    body = delivery.encode(contract, base)
    try:
        for start in range(0, rows, BATCH):
            batch = []
            for n in range(start, min(rows, start + BATCH)):
                ticket = f"ticket-{n:08d}"
                batch.append(
                    Entry(
                        received_at=time.time(),
                        method="POST",
                        path=contract.path,
                        headers={"content-type": "application/json"},
                        body=body,
                        notification={"type": "bet_result", "data": {"ticket_id": ticket}},
                        type="bet_result",
                        ticket_id=ticket,
                        verdict="accepted",
                        status=200,
                    )
                )
            journal.record_many(batch)
    finally:
        journal.close()


def send_for(base: str, seconds: float) -> tuple[list[float], int]:
    """Post signed notifications one after another; return latencies (ms) and non-200 count."""
    contract = contract_module.load()
    body = delivery.encode(contract, contract.example("bet_result"))
    latencies: list[float] = []
    bad = 0
    with httpx.Client(timeout=30) as client:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            headers = dict(delivery.signed_request(body, SECRET).headers)
            started = time.perf_counter()
            status = client.post(base + contract.path, content=body, headers=headers).status_code
            latencies.append((time.perf_counter() - started) * 1000)
            bad += status != 200
    return latencies, bad


def poll(base: str, rows: int, seed: int, stop: Event, count: Synchronized[int]) -> None:
    """One poller, in a process of its own (threads would share the sender's GIL and slow the
    sender's own timing, not the mock)."""
    pick = random.Random(seed).randrange
    with httpx.Client(timeout=30) as client:
        while not stop.is_set():
            ticket = f"ticket-{pick(rows):08d}"
            client.get(base + "/__admin/notifications", params={"ticket_id": ticket})
            with count.get_lock():
                count.value += 1


def _summary(name: str, latencies: list[float]) -> str:
    cuts = statistics.quantiles(latencies, n=100)
    return (
        f"{name:<16} {len(latencies):7,} notifications  p50 {cuts[49]:7.2f} ms  "
        f"p99 {cuts[98]:7.2f} ms  max {max(latencies):7.2f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--pollers", type=int, default=4)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sms-hook-bench-") as folder:
        scratch = Path(folder)
        journal = scratch / "journal.db"
        started = time.perf_counter()
        fill(journal, args.rows)
        print(f"journal: {args.rows:,} rows written in {time.perf_counter() - started:.1f} s")
        port = servers.free_port()
        command = [*targets.sms_hook_command(), "mock", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--journal", str(journal), "--journal-max-rows", "0"]
        log = scratch / "mock.log"
        env = {"SMS_HOOK_SECRET": SECRET}
        with servers.started(
            "mock", command, port=port, ready_path="/__admin/health", log=log, env=env
        ) as s:
            alone, bad_alone = send_for(s.base_url, args.duration)
            stop = multiprocessing.Event()
            count = multiprocessing.Value("q", 0)
            pollers = [
                multiprocessing.Process(target=poll, args=(s.base_url, args.rows, n, stop, count))
                for n in range(args.pollers)
            ]
            for poller in pollers:
                poller.start()
            try:
                polled, bad_polled = send_for(s.base_url, args.duration)
            finally:
                stop.set()
                for poller in pollers:
                    poller.join()
            queries = count.value
    print(_summary("alone", alone))
    print(_summary(f"{args.pollers} pollers", polled))
    print(f"admin queries answered meanwhile: {queries:,} ({queries / args.duration:,.0f}/s)")
    p99 = statistics.quantiles(polled, n=100)[98]
    met = "MET" if p99 < TARGET_P99_MS else "NOT MET"
    print(f"target: p99 < {TARGET_P99_MS:g} ms with {args.pollers} pollers -> {met} ({p99:.2f} ms)")
    if bad_alone or bad_polled:
        print(f"INVALID: {bad_alone + bad_polled} notifications were not answered 200")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
