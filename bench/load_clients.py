"""Which HTTP client should Locust's users send with? The same engine, three clients, measured.

    python bench/load_clients.py [--duration 5] [--users 64]

`sms-hook load`'s engine (`sms_hook_load`) runs once per client against the raw-ASGI baseline
(`bench/baseline.py`), asked for far more than it can send, with only the sender's `_post`
swapped:

- `HttpUser`'s session (`locust.clients.HttpSession`, on requests/urllib3),
- `FastHttpUser`'s session (`locust.contrib.fasthttp.FastHttpSession`, on geventhttpclient),
- geventhttpclient's bare `HTTPClient` (what `sms_hook_load.user` uses).

Printed: achieved rate, and the sending process's CPU time per answer during the run (from the
report's `sender_cpu_seconds`), which does not depend on how busy the machine is — 1e6 / that
is the rate one free core could send. Every answer must be a 200, or the run is invalid (exit 1).
"""

from __future__ import annotations

import sys

if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--child":
    # The child: Locust first (it monkey-patches the standard library), then the swap.
    import locust  # noqa: F401

import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Final

import servers

HERE: Final = Path(__file__).resolve().parent
BENCH_SECRET: Final = "bench-secret-not-the-test-key"  # a throwaway key, not the test key
CLIENTS: Final = ("HttpUser (requests)", "FastHttpUser", "bare HTTPClient (sms-hook load)")


def _swap(client: str) -> None:
    from locust.event import EventHook

    from sms_hook_load.user import NotificationSender

    if client == CLIENTS[2]:
        return
    original_init = NotificationSender.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        quiet = EventHook()  # the engine reports each request itself
        if client == CLIENTS[0]:
            from locust.clients import HttpSession

            self.session = HttpSession(base_url=self.host, request_event=quiet, user=None)
        else:
            from locust.contrib.fasthttp import FastHttpSession

            self.session = FastHttpSession(
                base_url=self.host, request_event=quiet, user=None, concurrency=1
            )

    def _post(self: Any, path: str, headers: Any, body: bytes) -> Any:
        answer = self.session.post(path, data=body, headers=dict(headers))
        content_type = answer.headers.get("content-type") if answer.headers else None
        found = {"content-type": str(content_type)} if content_type is not None else {}
        return int(answer.status_code or 0), found, answer.content or b"", None

    NotificationSender.__init__ = __init__  # type: ignore[method-assign]
    NotificationSender._post = _post  # type: ignore[method-assign]


def _child(client: str) -> int:
    from sms_hook_load import __main__ as engine

    _swap(client)
    return engine.main(["run"])


def _measure(client: str, url: str, seconds: float, users: int, folder: Path) -> dict[str, Any]:
    report_path = folder / "report.json"
    settings = {
        "url": url,
        "rate": 50_000,
        "duration": seconds,
        "types": ["ticket_status", "bet_result"],
        "users": users,
        "report_json": str(report_path),
    }
    finished = subprocess.run(
        [sys.executable, __file__, "--child", client],
        input=json.dumps(settings),
        env={**os.environ, "SMS_HOOK_SECRET": BENCH_SECRET, "PYTHONPATH": str(HERE.parent)},
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=False,
    )
    if not report_path.exists():
        raise RuntimeError(f"{client}: no report ({finished.stderr.strip()[-500:]})")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    answered = report["requests"]["answered"]
    return {
        "client": client,
        "rate": report["rate"]["achieved"],
        "answered": answered,
        "breaks": answered - report["requests"]["ok"],
        "cpu_us": report["sender_cpu_seconds"] / answered * 1e6 if answered else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--users", type=int, default=64)
    args = parser.parse_args(argv)
    port = servers.free_port()
    rows = []
    with tempfile.TemporaryDirectory(prefix="sms-hook-clients-bench-") as tmp:
        folder = Path(tmp)
        with servers.started(
            "baseline",
            [sys.executable, str(HERE / "baseline.py"), f"--port={port}"],
            port=port,
            ready_path="/health",
            log=folder / "baseline.log",
            env={"SMS_HOOK_SECRET": BENCH_SECRET},
        ) as server:
            for client in CLIENTS:
                url = server.base_url + "/notifications"
                rows.append(_measure(client, url, args.duration, args.users, folder))
    print(f"{'client':<34} {'req/s':>8} {'CPU µs/req':>10} {'1 free core':>12} {'breaks':>6}")
    for row in rows:
        core = 1e6 / row["cpu_us"] if row["cpu_us"] else 0.0
        print(
            f"{row['client']:<34} {row['rate']:>8,.0f} {row['cpu_us']:>10.0f} "
            f"{core:>10,.0f}/s {row['breaks']:>6}"
        )
    return 1 if any(row["breaks"] for row in rows) else 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        sys.exit(_child(sys.argv[2]))
    sys.exit(main())
