"""The false-alarm sweep by hand: verify every policy receiver with many seeds and examples.

    python -m tests.verify.policies.sweep --seeds 1-10 --max-examples 100 [NAME ...]

Prints one line per run and every failure (each is a false alarm, or a defect of the receiver).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from contract_tests.runner import verify
from tests.support.server import serve
from tests.verify.policies import MISREAD, POLICIES, Case

SECRET = "partner-s3cret"


def run(name: str, case: Case, seeds: list[int], max_examples: int) -> tuple[int, int]:
    """Verify one receiver once per seed; return (failures, requests)."""
    failures = requests = 0
    with serve(case.build(SECRET, case.route), **dict(case.server)) as base:
        for seed in seeds:
            settings = replace(case.settings(base, SECRET), seed=seed, max_examples=max_examples)
            result = verify(settings)
            failures += len(result.failures)
            requests += result.requests
            print(
                f"{name:26} seed {seed:3} requests {result.requests:5} "
                f"{result.seconds:6.1f} s failures {len(result.failures)}"
                + (f" STOPPED {result.stopped}" if result.stopped else ""),
                flush=True,
            )
            for f in result.failures:
                print(f"    {f.rule} [{f.type}] {f.title}: {'; '.join(f.problems)}")
                print(f"      expected {f.expected}")
                print(f"      got {f.got}")
                print(f"      {f.curl[:400]}")
    return failures, requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*")
    parser.add_argument("--seeds", default="1-3")
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--misread", action="store_true", help="the receivers that break a rule")
    args = parser.parse_args()
    low, _, high = args.seeds.partition("-")
    seeds = list(range(int(low), int(high or low) + 1))
    cases = {n: c for n, (c, _) in MISREAD.items()} if args.misread else POLICIES
    names = args.names or list(cases)
    started = time.perf_counter()
    total_failures = total_requests = 0
    for name in names:
        failures, requests = run(name, cases[name], seeds, args.max_examples)
        total_failures += failures
        total_requests += requests
    print(
        f"TOTAL receivers {len(names)} seeds {seeds[0]}-{seeds[-1]} max-examples "
        f"{args.max_examples}: requests {total_requests}, failures {total_failures}, "
        f"{time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
