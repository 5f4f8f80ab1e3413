"""The Locust user: one simulated sender that signs, posts and judges notifications.

A plain Locust `User` holding one keep-alive connection (geventhttpclient's `HTTPClient`, the
client under Locust's `FastHttpUser`) and reporting each request through Locust's own `request`
event, as Locust's documentation does for custom clients. Measured (bench/load_throughput.py):
`FastHttpUser`'s session layer (URL parsing, cookie jar, redirects, header merging) costs about
200 µs of CPU per signed, judged request, the bare client about 130 µs; `HttpUser` (requests) far
more. POST is never retried by the client, so each notification is sent exactly once.

Every request is a fresh notification from `traffic.Traffic`, signed over the exact bytes sent
with a fresh timestamp (`sms_hook.delivery.signed_request`); its answer is judged by
`answers.judge` and counted in the process's tally.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

import gevent
from geventhttpclient import HTTPClient
from locust import User, constant_throughput, task
from locust.exception import StopUser

from sms_hook import delivery
from sms_hook.contract import Contract
from sms_hook_load import answers
from sms_hook_load.settings import LoadSettings
from sms_hook_load.tally import Tally
from sms_hook_load.traffic import Traffic


@dataclass(slots=True)
class Shared:
    """What every user of one process shares: the run, the secret, the budget, the tally."""

    settings: LoadSettings
    contract: Contract
    secret: str
    path: str
    budget: int
    extra_headers: dict[str, str] = field(default_factory=dict)
    started_at: float = field(default_factory=time.time)
    cpu_at_start: float = 0.0
    sent: int = 0
    tally: Tally = field(default_factory=Tally)


class BreakReported(Exception):
    """What Locust's statistics record for a request whose answer broke the contract."""


class NotificationSender(User):
    """Posts one signed notification per task, at `configure`'s per-user rate."""

    shared: ClassVar[Shared | None] = None
    per_user_rate: ClassVar[float] = 1.0

    @classmethod
    def configure(cls, shared: Shared, per_user_rate: float) -> None:
        """Set the run on the class before Locust spawns any user of it."""
        cls.shared = shared
        cls.per_user_rate = per_user_rate
        cls.wait_time = constant_throughput(per_user_rate)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shared = self.shared
        assert shared is not None, "NotificationSender.configure was not called"
        self.traffic = Traffic(shared.contract, shared.settings.types)
        self.http = HTTPClient.from_url(
            str(self.host),
            concurrency=1,
            network_timeout=shared.settings.timeout,
            connection_timeout=shared.settings.timeout,
            insecure=shared.settings.insecure,
        )

    def on_start(self) -> None:
        # Spread the users' first requests over one pacing interval: a steady stream, not bursts.
        gevent.sleep(random.uniform(0, 1 / self.per_user_rate))  # noqa: S311 - timing jitter

    def on_stop(self) -> None:
        self.http.close()

    @task
    def notify(self) -> None:
        shared = self.shared
        assert shared is not None
        if shared.sent >= shared.budget:
            raise StopUser
        shared.sent += 1
        outgoing = next(self.traffic)
        signed = delivery.signed_request(
            outgoing.body,
            shared.secret,
            operator_name=shared.settings.operator_name,
            extra_headers=shared.extra_headers,
            scheme=shared.contract.signature,
        )
        sent_at = time.time()
        started = time.perf_counter()
        status, headers, body, error = self._post(shared.path, signed.headers, outgoing.body)
        latency_ms = (time.perf_counter() - started) * 1000
        kind, detail = answers.judge(shared.contract, status, headers, body, error)
        self.environment.events.request.fire(
            request_type="POST",
            name=outgoing.type,
            response_time=latency_ms,
            response_length=len(body),
            exception=None if kind is None else BreakReported(f"{kind}: {detail}"),
            context={},
        )
        at = sent_at - shared.started_at
        example = None
        if kind is not None:
            example = {
                "at": round(at, 3),
                "type": outgoing.type,
                "key": outgoing.key,
                "status": status,
                "latency_ms": round(latency_ms, 2),
                "detail": detail,
            }
        shared.tally.record(int(at), outgoing.type, latency_ms, kind, example)

    def _post(
        self, path: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, str], bytes, BaseException | None]:
        """Send one request; return status, content type, body, or the error instead of them."""
        try:
            answer = self.http.request("POST", path, body=body, headers=dict(headers))
        except Exception as exc:  # gevent, socket and parser errors alike are breaks to judge
            return 0, {}, b"", exc
        try:
            content = answer.read()
        except Exception as exc:  # the connection dropped mid-answer
            return int(answer.status_code), {}, b"", exc
        finally:
            answer.release()
        content_type = answer.get("content-type")
        found = {"content-type": str(content_type)} if content_type is not None else {}
        return int(answer.status_code), found, content, None
