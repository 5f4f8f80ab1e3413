"""Driving wrk (Debian package `wrk`) with a Lua script that sends one signed request.

The script sets method, body and headers, counts the answers by status in each thread, and
prints one JSON line with those counts, wrk's error counters and its latency percentiles. wrk
stops at the deadline with a request in flight on each connection; those may reach the server
without being counted here (`LoadResult.in_flight`).
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Final

from result import LoadResult

MARKER: Final = "BENCH_RESULT "
TIMEOUT_SECONDS: Final = 10
"""wrk's per-request timeout; a request without an answer by then is counted as an error."""

_SCRIPT: Final = """
wrk.method = "POST"
wrk.body = {body}
{headers}

local threads = {{}}
statuses = {{}}

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {{}}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  local parts = {{}}
  for status, count in pairs(total) do
    table.insert(parts, string.format('"%d":%d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    '{marker}{{"statuses":{{%s}},"requests":%d,"duration_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"timeout":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}}\\n',
    table.concat(parts, ","), summary.requests, summary.duration,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def available() -> str | None:
    """Return the path of the wrk binary, or None."""
    return shutil.which("wrk")


def _lua_string(value: bytes) -> str:
    # Every byte as a three-digit decimal escape: no quoting rule of Lua can bite.
    return '"' + "".join(f"\\{b:03d}" for b in value) + '"'


def script(headers: dict[str, str], body: bytes) -> str:
    """Return the Lua script that sends `body` with `headers` (the path is in wrk's URL)."""
    header_lines = "\n".join(
        f"wrk.headers[{_lua_string(name.encode())}] = {_lua_string(value.encode('latin-1'))}"
        for name, value in headers.items()
    )
    return _SCRIPT.format(
        body=_lua_string(body),
        headers=header_lines,
        marker=MARKER,
    )


def load(
    url: str,
    headers: dict[str, str],
    body: bytes,
    *,
    connections: int,
    seconds: float,
    threads: int,
) -> LoadResult:
    """Run wrk against `url` for `seconds`; raise RuntimeError if it fails or prints no result."""
    binary = available()
    if binary is None:
        raise RuntimeError("wrk is not installed (apt-get install -y wrk)")
    with tempfile.TemporaryDirectory(prefix="sms-hook-bench-") as folder:
        lua = Path(folder) / "signed_request.lua"
        lua.write_text(script(headers, body), encoding="utf-8")
        command = [
            binary,
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={seconds:g}s",
            f"--timeout={TIMEOUT_SECONDS}s",
            f"--script={lua}",
            url,
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        finished = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=seconds + TIMEOUT_SECONDS + 30,
            check=False,
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [line for line in finished.stdout.splitlines() if line.startswith(MARKER)]
    if finished.returncode != 0 or not lines:
        raise RuntimeError(
            f"wrk failed (exit {finished.returncode}): {finished.stderr.strip() or finished.stdout}"
        )
    raw = json.loads(lines[-1][len(MARKER) :])
    statuses: Counter[int] = Counter({int(k): v for k, v in raw["statuses"].items()})
    errors = {k: raw[k] for k in ("connect", "read", "write", "timeout") if raw[k]}
    return LoadResult(
        tool=f"wrk ({threads} thread{'s' if threads > 1 else ''})",
        connections=connections,
        seconds=raw["duration_us"] / 1e6 or wall,
        statuses=statuses,
        errors=errors,
        p50_ms=raw["p50_us"] / 1e3,
        p90_ms=raw["p90_us"] / 1e3,
        p99_ms=raw["p99_us"] / 1e3,
        max_ms=raw["max_us"] / 1e3,
        client_cpu_seconds=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        in_flight=connections,
    )
