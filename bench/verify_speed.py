"""How long does `sms-hook verify` take? Wall time and requests against three receivers, old vs new.

    python bench/verify_speed.py                 # seed 1, the default --max-examples
    python bench/verify_speed.py --seed 7 --json verify-speed.json

In one run, for each receiver — the mock (`sms-hook mock`), a fast correct receiver
(`bench/slow_receiver.py --nodelay`) and a ~40 ms one (the same without TCP_NODELAY: Python's
http.server, whose Nagle + delayed-ACK stall makes every answer ~40 ms late) — it runs
`sms-hook verify` as a user does, twice with the same seed:

- `one at a time` (`--concurrency 1`): every request after the previous answer, on one
  connection, as verify worked before `--concurrency`;
- `default`: independent probes over the default number of keep-alive connections, the
  generated cases meanwhile on a connection of their own.

It prints wall time (the whole command, interpreter start included), the run's own seconds and
requests (from `--report-json`) and the verdict of every run (`--repeat`, 3, of each mode,
interleaved), then per receiver the median wall times and the ratio default / one at a time.
Targets: the default run under 60 s everywhere, the ~40 ms receiver in 15 s or less.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

import servers
import targets

HERE: Final = Path(__file__).resolve().parent
SECRET: Final = "bench-verify-s3cret"
MODES: Final = {"one at a time": ["--concurrency", "1"], "default": []}


@dataclass(slots=True)
class Run:
    receiver: str
    mode: str
    wall_seconds: float
    run_seconds: float
    requests: int
    conforms: bool
    exit_code: int


def _receivers(scratch: Path) -> dict[str, tuple[list[str], str, str]]:
    """name → (command without the port, readiness path, path verified)."""
    return {
        "mock": (
            [
                *targets.sms_hook_command(),
                "mock",
                "--host",
                "127.0.0.1",
                "--journal",
                str(scratch / "j.db"),
            ],
            "/__admin/health",
            "/notifications",
        ),
        "fast correct (nodelay)": (
            [sys.executable, str(HERE / "slow_receiver.py"), "--nodelay"],
            "/health",
            "/notifications",
        ),
        "~40 ms (http.server)": (
            [sys.executable, str(HERE / "slow_receiver.py")],
            "/health",
            "/notifications",
        ),
    }


def _verify(url: str, mode: list[str], seed: int, report: Path) -> tuple[float, int]:
    command = [
        *targets.sms_hook_command(),
        "verify",
        url,
        "--seed",
        str(seed),
        "--report-json",
        str(report),
    ]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, *mode],
        env={"SMS_HOOK_SECRET": SECRET, "PATH": "/usr/bin:/bin", "CI": "1"},
        capture_output=True,
        check=False,
        timeout=600,
    )
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(f"verify {url} {' '.join(mode)}: exit {done.returncode}: {done.stderr.decode()}")
    return wall, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="Runs of each mode per receiver, interleaved (medians are printed).",
    )
    parser.add_argument("--json", type=Path, help="Also write the numbers here.")
    args = parser.parse_args()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="verify-speed-") as folder:
        scratch = Path(folder)
        for name, (command, ready, path) in _receivers(scratch).items():
            port = servers.free_port()
            with servers.started(
                name,
                [*command, "--port", str(port)],
                port=port,
                ready_path=ready,
                log=scratch / f"{port}.log",
                env={"SMS_HOOK_SECRET": SECRET},
            ) as server:
                for _ in range(args.repeat):  # interleaved: the machine's load drifts
                    for mode, options in MODES.items():
                        report = scratch / f"{port}-{len(runs)}.json"
                        wall, code = _verify(server.base_url + path, options, args.seed, report)
                        data = json.loads(report.read_text(encoding="utf-8"))
                        runs.append(
                            Run(
                                name,
                                mode,
                                wall,
                                float(data["seconds"]),
                                int(data["requests"]),
                                bool(data["conforms"]),
                                code,
                            )
                        )
    print(f"{'receiver':26} {'mode':14} {'wall s':>7} {'run s':>7} {'requests':>8}  verdict")
    for run in runs:
        verdict = "conforms" if run.conforms else "BROKEN"
        print(
            f"{run.receiver:26} {run.mode:14} {run.wall_seconds:7.1f} {run.run_seconds:7.1f} "
            f"{run.requests:8d}  {verdict}"
        )
    print(f"medians of {args.repeat} runs:")
    for name in dict.fromkeys(r.receiver for r in runs):
        old, new = (
            statistics.median(r.wall_seconds for r in runs if r.receiver == name and r.mode == m)
            for m in MODES
        )
        print(
            f"  {name}: one at a time {old:.1f} s, default {new:.1f} s, "
            f"ratio default/one-at-a-time {new / old:.2f}"
        )
    if args.json is not None:
        args.json.write_text(json.dumps([asdict(r) for r in runs], indent=2) + "\n")


if __name__ == "__main__":
    main()
