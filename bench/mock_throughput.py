"""Measure `sms-hook mock` under load, next to Prism and a minimal baseline in the same run.

    python bench/mock_throughput.py [--duration 10] [--connections 32] [--tool wrk|python]
        [--targets baseline,prism,h11,mock]

Each server (see `targets.py`) runs in its own process on 127.0.0.1 and a free port, one worker
each (the mock with `--workers N` if asked), with the signature check on (timestamp tolerance
300 s unless `--tolerance` says otherwise) and, for the mock, the journal on (a SQLite file in a
temporary folder). The load is one signed `bet_result`, signed just before each phase (warm-up,
then the measured run), sent over keep-alive connections with one request in flight each.

A run is only valid if every answer was a 200 and the mock's journal holds exactly one accepted
row per 200 (wrk may leave up to one request per connection unanswered when it stops); otherwise
the script says why and exits with 1. Whether the issue's speed targets are met is reported, not
enforced.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import cpu
import httpx
import loadgen
import servers
import targets
import wrk
from result import LoadResult

from sms_hook import contract as contract_module
from sms_hook import delivery
from sms_hook.contract import Contract

TARGET_TIMES_PRISM: Final = 2.0
TARGET_P99_MS: Final = 10.0
STRETCH_OF_BASELINE: Final = 0.5
NOTIFICATION_TYPE: Final = "bet_result"
BENCH_SECRET: Final = "bench-secret-not-the-test-key"  # a throwaway key, not the test key
MAX_DURATION: Final = 240.0
SETTLE_SECONDS: Final = 0.2
BUSY_MACHINE_CORES: Final = 0.25
"""Other processes using more CPU than this during a run make its numbers unreliable."""


@dataclass(slots=True)
class Measurement:
    """One target's measured run, with what its server and journal said about it."""

    name: str
    command: str
    result: LoadResult
    server_cpu_seconds: float | None
    other_cores: float | None = None
    journal_rows: int | None = None
    journal_rows_not_200: int | None = None

    @property
    def server_cpu_us(self) -> float | None:
        if self.server_cpu_seconds is None or not self.result.answered:
            return None
        return self.server_cpu_seconds / self.result.answered * 1e6

    def problems(self) -> list[str]:
        """Why this measurement cannot be trusted (empty when it can)."""
        found: list[str] = []
        r = self.result
        if r.ok == 0:
            found.append(f"{self.name}: no request was answered with 200")
        if r.not_ok:
            others = {k: v for k, v in sorted(r.statuses.items()) if k != 200}
            found.append(
                f"{self.name}: {r.not_ok} requests not answered 200 ({others}, {r.errors})"
            )
        if self.journal_rows is not None:
            if self.journal_rows_not_200:
                found.append(
                    f"{self.name}: the journal holds {self.journal_rows_not_200} rows of the "
                    "measured run with a status other than 200"
                )
            missing = r.ok - self.journal_rows
            if missing > 0 or -missing > r.in_flight:
                found.append(
                    f"{self.name}: {r.ok} answers with 200 but {self.journal_rows} journal rows "
                    f"(at most {r.in_flight} more rows than answers can be requests in flight "
                    "when the load tool stopped)"
                )
        return found


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per target")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per target")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument(
        "--tool",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load tool: wrk, the built-in generator, or wrk when installed",
    )
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers of the mock")
    parser.add_argument(
        "--targets",
        default=",".join(targets.DEFAULT),
        help=f"comma-separated, in the order to run, from: {', '.join(targets.NAMES)}",
    )
    parser.add_argument(
        "--tolerance",
        type=int,
        default=None,
        help="timestamp tolerance in seconds for both servers (default: the contract's; 0 = off)",
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=5_000_000,
        help="request budget per phase of the Python generator",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    if not 0 < args.duration <= MAX_DURATION:
        parser.error(f"--duration: {args.duration:g} is not in (0, {MAX_DURATION:g}] seconds")
    if not 0 <= args.warmup <= 30:
        parser.error(f"--warmup: {args.warmup:g} is not in [0, 30] seconds")
    if not 1 <= args.connections <= 1024:
        parser.error(f"--connections: {args.connections} is not in [1, 1024]")
    if args.tolerance is not None and args.tolerance < 0:
        parser.error(f"--tolerance: {args.tolerance} is negative (0 turns the check off)")
    args.targets = [name.strip() for name in args.targets.split(",") if name.strip()]
    unknown = sorted(set(args.targets) - set(targets.NAMES))
    if unknown or not args.targets:
        parser.error(f"--targets: {', '.join(unknown) or 'none'}; choose from {targets.NAMES}")
    if args.tool == "auto":
        args.tool = "wrk" if wrk.available() else "python"
    elif args.tool == "wrk" and not wrk.available():
        parser.error("--tool wrk: wrk is not installed (apt-get install -y wrk)")
    return args


class Bench:
    """One run: the contract, the options, a scratch folder, and the load to send."""

    def __init__(self, args: argparse.Namespace, contract: Contract, scratch: Path) -> None:
        self.args = args
        self.contract = contract
        self.scratch = scratch
        self.tolerance = contract.tolerance if args.tolerance is None else args.tolerance
        self.body = delivery.encode(contract, contract.example(NOTIFICATION_TYPE))

    def signed(self) -> delivery.SignedRequest:
        """The request, signed now (each phase signs afresh, so the timestamp stays valid)."""
        return delivery.signed_request(self.body, BENCH_SECRET)

    def load(self, server: servers.Server, seconds: float) -> LoadResult:
        request = self.signed()
        path = self.contract.path
        if self.args.tool == "wrk":
            return wrk.load(
                server.base_url + path,
                dict(request.headers),
                request.body,
                connections=self.args.connections,
                seconds=seconds,
                threads=self.args.wrk_threads,
            )
        raw = loadgen.build_request(
            "127.0.0.1", server.port, path, dict(request.headers), request.body
        )
        return loadgen.load(
            "127.0.0.1",
            server.port,
            raw,
            connections=self.args.connections,
            seconds=seconds,
            budget=self.args.max_requests,
        )

    def check_one(self, server: servers.Server) -> None:
        """Send one request and insist on a 200, so that no run measures rejections."""
        request = self.signed()
        answer = httpx.post(
            server.base_url + self.contract.path,
            content=request.body,
            headers=dict(request.headers),
            timeout=10,
        )
        if answer.status_code != 200:
            raise RuntimeError(
                f"{server.name} answered {answer.status_code} to a correctly signed "
                f"{NOTIFICATION_TYPE}: {answer.text[:500]}"
            )

    def measure(self, t: targets.Target) -> Measurement:
        name, command, port, journal = t.name, t.command, t.port, t.journal
        log = self.scratch / f"{name}.log"
        with servers.started(
            name, command, port=port, ready_path=t.ready_path, log=log, env=t.env
        ) as s:
            self.check_one(s)
            if self.args.warmup:
                self.load(s, self.args.warmup)
            before = _settled(journal)
            server_before, machine_before = s.cpu_seconds(), cpu.machine_busy_seconds()
            started = time.perf_counter()
            result = self.load(s, self.args.duration)
            wall = time.perf_counter() - started
            server_after, machine_after = s.cpu_seconds(), cpu.machine_busy_seconds()
            after = _settled(journal)
        server = _delta(server_before, server_after)
        shown = " ".join(command).replace(sys.executable, "python")
        measurement = Measurement(name, shown, result, server)
        machine = _delta(machine_before, machine_after)
        if machine is not None and server is not None:
            # Whatever neither the server nor the load tool used: other work on the machine.
            others = machine - server - result.client_cpu_seconds
            measurement.other_cores = max(0.0, others / wall)
        if before is not None and after is not None:
            measurement.journal_rows = after[0] - before[0]
            measurement.journal_rows_not_200 = after[1] - before[1]
        return measurement

    def run(self, name: str) -> Measurement:
        extra = ["--workers", str(self.args.workers)] if self.args.workers != 1 else []
        t = targets.target(
            name,
            servers.free_port(),
            self.scratch,
            secret=BENCH_SECRET,
            tolerance=self.tolerance,
            extra=extra,
        )
        return self.measure(t)


def _delta(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def _journal_counts(journal: Path) -> tuple[int, int]:
    """Rows in the journal, and rows whose answer was not 200 (read-only, WAL allows it)."""
    with contextlib.closing(sqlite3.connect(f"file:{journal}?mode=ro", uri=True)) as db:
        total, not_200 = db.execute(
            "SELECT count(*), coalesce(sum(status != 200), 0) FROM notifications"
        ).fetchone()
    return int(total), int(not_200)


def _settled(journal: Path | None) -> tuple[int, int] | None:
    """Journal counts once requests still in flight have landed (no change for a moment)."""
    if journal is None:
        return None
    counts = _journal_counts(journal)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(SETTLE_SECONDS)  # a pause between two reads, not a wait for readiness
        again = _journal_counts(journal)
        if again == counts:
            break
        counts = again
    return counts


def _ms(value: float) -> str:
    return f"{value:8.2f}"


def _us(value: float | None) -> str:
    return "       n/a" if value is None else f"{value:7.0f} µs"


def _cores(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def report(
    args: argparse.Namespace,
    bench: Bench,
    measurements: list[Measurement],
    note: Callable[[str], None],
) -> dict[str, Any]:
    """Print the table, the ratio, the tool's ceiling, the checks; return the same as data."""
    note("")
    note(
        f"{'target':<9} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'answers':>9} {'non-200':>8} {'server CPU/req':>15} {'tool CPU/req':>13} "
        f"{'others':>7}"
    )
    for m in measurements:
        r = m.result
        note(
            f"{m.name:<9} {r.rate:9,.0f} {_ms(r.p50_ms)} {_ms(r.p90_ms)} {_ms(r.p99_ms)} "
            f"{_ms(r.max_ms)} {r.answered:9,} {r.not_ok:8,} {_us(m.server_cpu_us):>15} "
            f"{_us(r.client_cpu_us):>13} {_cores(m.other_cores):>7}"
        )
    by_name = {m.name: m for m in measurements}
    data: dict[str, Any] = {
        "tool": measurements[0].result.tool if measurements else args.tool,
        "connections": args.connections,
        "duration": args.duration,
        "tolerance": bench.tolerance,
        "workers": args.workers,
        "targets": {
            m.name: {
                "command": m.command,
                "rate": m.result.rate,
                "p50_ms": m.result.p50_ms,
                "p90_ms": m.result.p90_ms,
                "p99_ms": m.result.p99_ms,
                "max_ms": m.result.max_ms,
                "answers": m.result.answered,
                "ok": m.result.ok,
                "not_ok": m.result.not_ok,
                "errors": m.result.errors,
                "server_cpu_us": m.server_cpu_us,
                "tool_cpu_us": m.result.client_cpu_us,
                "journal_rows": m.journal_rows,
                "other_cores": m.other_cores,
            }
            for m in measurements
        },
    }
    crowded = [m.name for m in measurements if (m.other_cores or 0.0) > BUSY_MACHINE_CORES]
    note(
        "others: CPU cores used by other processes on this machine during the measured run"
        + (f"; busy during {', '.join(crowded)}: those numbers are low" if crowded else "")
    )
    note("")
    for reference in ("baseline", "prism"):
        if reference not in by_name or not by_name[reference].result.rate:
            continue
        base = by_name[reference].result
        ratios = {m.name: m.result.rate / base.rate for m in measurements if m.name != reference}
        data[f"ratio_to_{reference}"] = ratios
        shown = ", ".join(f"{name} {ratio:.2f}" for name, ratio in ratios.items())
        note(f"req/s relative to {reference} (same run): {shown}")
    if "mock" in data.get("ratio_to_baseline", {}):  # not when the baseline answered nothing
        data["ratio"] = data["ratio_to_baseline"]["mock"]
        note(f"ratio mock/baseline: {data['ratio']:.2f} (requests/s)")
    for m in measurements:
        r = m.result
        busy = r.client_cpu_seconds / r.seconds if r.seconds else 0.0
        ceiling = 1e6 / r.client_cpu_us if r.client_cpu_us else 0.0
        saturated = "  <- the load tool was saturated: a lower bound" if busy > 0.9 else ""
        note(
            f"load tool on {m.name}: {r.tool}, {r.client_cpu_us:.1f} µs CPU per request, "
            f"{busy:.0%} of a core -> ceiling ≈ {ceiling:,.0f} req/s per core{saturated}"
        )
    if "mock" in by_name:
        m = by_name["mock"]
        if m.journal_rows is not None:
            note(
                f"journal: {m.journal_rows:,} rows written during the measured run, "
                f"{m.journal_rows_not_200} with a status other than 200; answers with 200: "
                f"{m.result.ok:,} (rows - answers = {m.journal_rows - m.result.ok}, "
                f"allowed 0..{m.result.in_flight})"
            )
        r = m.result
        scope = "single worker" if args.workers == 1 else f"{args.workers} workers"
        p99_ok = r.p99_ms < TARGET_P99_MS
        prism = by_name.get("prism")
        times = r.rate / prism.result.rate if prism and prism.result.rate else None
        rate_ok = times is not None and times >= TARGET_TIMES_PRISM
        verdict = "MET" if rate_ok and p99_ok else "NOT MET"
        if times is None:
            verdict += " (Prism was not measured in this run)"
        if args.workers != 1:
            verdict += " (the issue's target is for a single worker)"
        if (m.other_cores or 0.0) > BUSY_MACHINE_CORES:
            verdict += " (other processes were busy: measure again on an idle machine)"
        shown = "n/a" if times is None else f"{times:.2f}×"
        note(
            f"issue targets ({scope}, signature check + validation + journal on): "
            f"≥ {TARGET_TIMES_PRISM:g}× Prism's req/s {'yes' if rate_ok else 'no'} ({shown}); "
            f"p99 < {TARGET_P99_MS:g} ms {'yes' if p99_ok else 'no'} ({r.p99_ms:.2f} ms) "
            f"-> {verdict}"
        )
        if "baseline" in by_name and by_name["baseline"].result.rate:
            share = r.rate / by_name["baseline"].result.rate
            note(
                f"stretch: ≥ {STRETCH_OF_BASELINE:g}× the baseline's req/s "
                f"{'yes' if share >= STRETCH_OF_BASELINE else 'no'} ({share:.2f}×)"
            )
        data["targets_met"] = rate_ok and p99_ok and args.workers == 1
    return data


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    contract = contract_module.load()

    def note(line: str) -> None:
        print(line, flush=True)

    names: list[str] = []
    for name in args.targets:
        why = targets.unavailable(name)
        if why is not None:
            note(f"{name}: not measured ({why})")
            continue
        if name == "prism":
            try:
                targets.install_prism(note)
            except (OSError, subprocess.SubprocessError) as exc:
                note(f"prism: not measured (npm install failed: {exc})")
                continue
        names.append(name)
    if not names:
        return 1
    problems: list[str] = []
    measurements: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="sms-hook-bench-") as folder:
        bench = Bench(args, contract, Path(folder))
        note(
            f"{NOTIFICATION_TYPE} ({len(bench.body)} bytes), {args.connections} connections, "
            f"{args.warmup:g} s warm-up + {args.duration:g} s, tool {args.tool}; signed just "
            f"before each phase, timestamp tolerance {bench.tolerance} s"
            + (" (off)" if bench.tolerance == 0 else "")
        )
        for name in names:
            try:
                m = bench.run(name)
            except (RuntimeError, OSError, httpx.HTTPError, sqlite3.Error) as exc:
                problems.append(f"{name}: {exc}")
                continue
            note(f"{name}: {m.command}")
            measurements.append(m)
            problems += m.problems()
        data = report(args, bench, measurements, note)
    data["problems"] = problems
    if args.json is not None:
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    if problems:
        note("INVALID measurement:")
        for problem in problems:
            note(f"  {problem}")
        return 1
    note("every request was answered 200" + (" and journaled" if "mock" in names else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
