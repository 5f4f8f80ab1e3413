"""A real headless Chromium, driven over the DevTools protocol, for tests of pages we serve.

Dependency-free on purpose (stdlib plus `websockets`, which uvicorn[standard] already brings):
no Playwright or Selenium download, just Debian's `chromium` package. `chromium()` starts one
Chromium with a fresh profile and yields it; `Chromium.page()` opens a tab in a fresh browser
context (own cookies and storage), cheaper than a new browser; `browser()` does both for one
tab. Leaving `chromium()` closes the browser, kills its process group and deletes the profile.

Where Chromium is looked for: `$SMS_HOOK_CHROMIUM`, else `chromium`, else `chromium-browser` on
PATH. When none is found the test is skipped, unless `SMS_HOOK_REQUIRE_BROWSER=1` (CI sets it),
in which case it fails, saying how to install it.

Exceptions:

    BrowserError            Chromium did not start, a DevTools command failed, or a wait timed out
    └── JavaScriptError     an expression evaluated in the page threw
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any, Final

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

REQUIRE_ENV: Final = "SMS_HOOK_REQUIRE_BROWSER"
BINARY_ENV: Final = "SMS_HOOK_CHROMIUM"
CANDIDATES: Final = ("chromium", "chromium-browser")

# As root Chromium needs --no-sandbox; the rest stop it from calling Google's services, which
# this machine's closed network refuses (it would retry, and hang or slow down).
FLAGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--no-proxy-server",
    "--mute-audio",
    "--hide-scrollbars",
    "--window-size=1280,900",
    "--remote-debugging-port=0",
)

START_TIMEOUT: Final = 30.0
POLL_INTERVAL: Final = 0.02


class BrowserError(RuntimeError):
    """Raised when Chromium cannot start, a DevTools command fails, or a wait times out."""


class JavaScriptError(BrowserError):
    """Raised when an expression evaluated in the page throws."""


def find_chromium() -> str | None:
    """Return the Chromium executable to use, or None when there is none.

    `$SMS_HOOK_CHROMIUM` wins when set; if it names nothing executable, that is a mistake worth
    failing on rather than a reason to skip.
    """
    configured = os.environ.get(BINARY_ENV)
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise BrowserError(f"{BINARY_ENV}={configured!r} is not an executable")
        return found
    for name in CANDIDATES:
        found = shutil.which(name)
        if found is not None:
            return found
    return None


class Chromium:
    """A running headless Chromium and its DevTools WebSocket, shared by the pages it opens."""

    def __init__(self, ws: ClientConnection, *, pid: int, profile: Path) -> None:
        self.pid = pid
        """Chromium's process id, also the id of its process group."""
        self.profile = profile
        """The temporary user-data-dir, deleted when the browser stops."""
        self._ws = ws
        self._ids = itertools.count(1)
        self._pages: dict[str, Page] = {}
        # Events not yet looked at; bounded, since most are never asked for.
        self._events: deque[Mapping[str, Any]] = deque(maxlen=1000)

    @contextmanager
    def page(self) -> Iterator[Page]:
        """Open a tab in a fresh browser context (its own cookies and storage); close it after."""
        context = self.call("Target.createBrowserContext")["browserContextId"]
        try:
            target = self.call(
                "Target.createTarget", {"url": "about:blank", "browserContextId": context}
            )
            attached = self.call(
                "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
            )
            page = Page(self, attached["sessionId"])
            self._pages[page.session] = page
            try:
                page.call("Page.enable")
                page.call("Runtime.enable")
                yield page
            finally:
                del self._pages[page.session]
        finally:
            with suppress(BrowserError):  # a crashed browser is reported by what follows
                self.call("Target.disposeBrowserContext", {"browserContextId": context})

    def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        """Send one DevTools command to the browser (or to the tab `session`); return its result."""
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        try:
            self._ws.send(json.dumps(message))
        except ConnectionClosed as exc:
            raise BrowserError(f"{method}: Chromium closed the DevTools connection") from exc
        deadline = time.monotonic() + timeout
        while True:
            received = self._receive(method, deadline)
            if received.get("id") != message_id:
                self._events.append(received)
                continue
            if "error" in received:
                error = received["error"]
                raise BrowserError(f"{method}: {error.get('message')} ({error.get('data', '')})")
            result: dict[str, Any] = received.get("result", {})
            return result

    def wait_for_event(self, name: str, session: str, timeout: float) -> Mapping[str, Any]:
        """Return the first event `name` of the tab `session`, dropping those before it."""
        deadline = time.monotonic() + timeout
        while True:
            while self._events:
                event = self._events.popleft()
                if event.get("method") == name and event.get("sessionId") == session:
                    return event
            self._events.append(self._receive(name, deadline))

    def drop_events(self) -> None:
        """Forget the events received so far (they have been noted already)."""
        self._events.clear()

    def _receive(self, waiting_for: str, deadline: float) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BrowserError(f"{waiting_for}: no answer from Chromium in time")
        try:
            raw = self._ws.recv(timeout=remaining)
        except TimeoutError:
            raise BrowserError(f"{waiting_for}: no answer from Chromium in time") from None
        except ConnectionClosed as exc:
            raise BrowserError(f"{waiting_for}: Chromium closed the DevTools connection") from exc
        message: dict[str, Any] = json.loads(raw)
        page = self._pages.get(message.get("sessionId", ""))
        if page is not None and "method" in message:
            page.note(message)
        return message

    def close(self) -> None:
        """Ask Chromium to quit; `chromium()` then kills whatever is left."""
        with suppress(BrowserError):  # it may have died already
            self.call("Browser.close", timeout=5)


class Page:
    """One tab of a `Chromium`: navigate, evaluate JavaScript, wait, take screenshots."""

    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser = browser
        self.session = session
        self.errors: list[str] = []
        """Uncaught exceptions and `console.error` messages of the page, in order."""

    def call(
        self, method: str, params: Mapping[str, Any] | None = None, *, timeout: float = 10.0
    ) -> dict[str, Any]:
        """Send one DevTools command to this tab and return its result."""
        return self.browser.call(method, params, session=self.session, timeout=timeout)

    def note(self, event: Mapping[str, Any]) -> None:
        """Record what an event of this tab says went wrong in it."""
        method = event.get("method")
        params = event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text", "")
            self.errors.append(f"uncaught: {text}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            args = params.get("args", [])
            self.errors.append(
                "console.error: "
                + " ".join(str(a.get("value", a.get("description", ""))) for a in args)
            )
        elif method == "Inspector.targetCrashed":
            self.errors.append("crashed")

    def navigate(self, url: str, *, timeout: float = 10.0) -> None:
        """Load `url` and return once its `load` event has fired."""
        self.browser.drop_events()
        result = self.call("Page.navigate", {"url": url}, timeout=timeout)
        if result.get("errorText"):
            raise BrowserError(f"navigating to {url}: {result['errorText']}")
        self.browser.wait_for_event("Page.loadEventFired", self.session, timeout)

    def evaluate(self, expression: str, *, timeout: float = 10.0) -> Any:
        """Evaluate a JavaScript expression in the page; return its value, promises awaited."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text", "")
            raise JavaScriptError(f"{expression!r} threw: {text}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, *, timeout: float = 5.0, interval: float = 0.05) -> Any:
        """Evaluate `expression` until it is truthy and return that value; BrowserError on timeout.

        An expression that throws counts as not yet true (the element may not exist yet); the
        last error is quoted if time runs out.
        """
        deadline = time.monotonic() + timeout
        last: object = None
        while True:
            try:
                value = self.evaluate(expression, timeout=max(deadline - time.monotonic(), 1.0))
            except JavaScriptError as exc:
                value, last = None, exc
            else:
                last = value
            if value:
                return value
            if time.monotonic() >= deadline:
                raise BrowserError(
                    f"{expression!r} not true within {timeout} s; last: {last!r};"
                    f" page errors: {self.errors or 'none'}"
                )
            time.sleep(interval)

    def screenshot(self, path: Path) -> Path:
        """Save a PNG of the visible page to `path` and return it (for humans to look at)."""
        result = self.call("Page.captureScreenshot", {"format": "png"})
        path.write_bytes(base64.b64decode(result["data"]))
        return path


@contextmanager
def chromium(*, start_timeout: float = START_TIMEOUT) -> Iterator[Chromium]:
    """Start a headless Chromium with a fresh profile; on exit stop all its processes, delete it.

    Skips the calling test when no Chromium is installed, unless SMS_HOOK_REQUIRE_BROWSER=1.
    """
    binary = find_chromium()
    if binary is None:
        message = (
            "no Chromium found (looked for $SMS_HOOK_CHROMIUM, chromium, chromium-browser);"
            " install it with `apt-get install -y chromium`"
        )
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{message} — {REQUIRE_ENV}=1 requires a browser", pytrace=False)
        pytest.skip(message)

    with ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="sms-hook-chromium-"))
        stack.callback(_remove, workdir)
        profile = workdir / "profile"
        log_path = workdir / "chromium.log"
        log = stack.enter_context(log_path.open("wb"))
        process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so that one kill stops every child
        )
        stack.callback(_stop, process)
        port, path = _devtools_address(process, profile, log_path, start_timeout)
        ws = stack.enter_context(
            connect(
                f"ws://127.0.0.1:{port}{path}",
                proxy=None,
                compression=None,
                max_size=None,
                ping_interval=None,
                open_timeout=start_timeout,
                close_timeout=2,
            )
        )
        running = Chromium(ws, pid=process.pid, profile=profile)
        try:
            yield running
        finally:
            running.close()


@contextmanager
def browser(*, start_timeout: float = START_TIMEOUT) -> Iterator[Page]:
    """Start a headless Chromium and yield one tab of it; stop it all on exit (see `chromium`)."""
    with chromium(start_timeout=start_timeout) as running, running.page() as page:
        yield page


def _devtools_address(
    process: subprocess.Popen[bytes], profile: Path, log_path: Path, timeout: float
) -> tuple[int, str]:
    """Poll the profile's DevToolsActivePort file: its first line is the port, then the path."""
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while True:
        try:
            lines = marker.read_text().splitlines()
        except FileNotFoundError:
            lines = []
        if len(lines) >= 2 and lines[0].isdigit():
            return int(lines[0]), lines[1]
        if process.poll() is not None:
            raise BrowserError(
                f"Chromium exited with code {process.returncode} before opening DevTools:\n"
                + _tail(log_path)
            )
        if time.monotonic() > deadline:
            raise BrowserError(
                f"Chromium did not open DevTools within {timeout} s:\n" + _tail(log_path)
            )
        time.sleep(POLL_INTERVAL)


def _tail(log_path: Path, lines: int = 20) -> str:
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Let Chromium finish closing, then kill whatever is left of its process group."""
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
    with suppress(ProcessLookupError):  # the whole group has exited already
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    # SIGKILL is delivered asynchronously: poll until no member of the group still runs. Orphaned
    # children become zombies of PID 1, which may reap them a second later; they are dead already.
    deadline = time.monotonic() + 5
    while _running_in_group(process.pid) and time.monotonic() < deadline:
        time.sleep(POLL_INTERVAL)


def _running_in_group(pgid: int) -> list[int]:
    """Return the ids of the processes of group `pgid` that are not zombies (Linux's /proc)."""
    running = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # it exited while we looked
        # Fields after the command name, which is in parentheses and may contain anything.
        state, _ppid, group = text[text.rindex(")") + 2 :].split()[:3]
        if int(group) == pgid and state != "Z":
            running.append(int(stat.parent.name))
    return running


def _remove(workdir: Path) -> None:
    """Delete the temporary profile; a dying helper process may still be writing into it."""
    deadline = time.monotonic() + 5
    while True:
        try:
            shutil.rmtree(workdir)
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(POLL_INTERVAL)
        else:
            return
