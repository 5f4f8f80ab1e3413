"""The Locust user: one simulated sender that signs, posts and judges notifications.

`FastHttpUser` (geventhttpclient) rather than `HttpUser` (requests): the bench shows the default
client cannot reach the thousands of signed requests per second one process must send. Every
request is a fresh notification from `traffic.Traffic`, signed over the exact bytes sent with a
fresh timestamp (`sms_hook.delivery.signed_request`), and its answer is judged by
`answers.judge`; a break is reported to Locust as a failure and counted in the process's tally.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

import gevent
from locust import constant_throughput, task
from locust.contrib.fasthttp import FastHttpUser, LocustBadStatusCode
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
    sent: int = 0
    tally: Tally = field(default_factory=Tally)


class NotificationSender(FastHttpUser):
    """Posts one signed notification per task, at `configure`'s per-user rate."""

    shared: ClassVar[Shared | None] = None

    @classmethod
    def configure(cls, shared: Shared, per_user_rate: float) -> None:
        """Set the run on the class before Locust spawns any user of it."""
        cls.shared = shared
        cls.wait_time = constant_throughput(per_user_rate)
        cls.network_timeout = shared.settings.timeout
        cls.connection_timeout = shared.settings.timeout
        cls.insecure = shared.settings.insecure
        cls.per_user_rate = per_user_rate

    per_user_rate: ClassVar[float] = 1.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shared = self.shared
        assert shared is not None, "NotificationSender.configure was not called"
        self.traffic = Traffic(shared.contract, shared.settings.types)

    def on_start(self) -> None:
        # Spread the users' first requests over one pacing interval: a steady stream, not bursts.
        gevent.sleep(random.uniform(0, 1 / self.per_user_rate))  # noqa: S311 - timing jitter

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
        )
        sent_at = time.time()
        started = time.perf_counter()
        with self.client.post(
            shared.path,
            data=outgoing.body,  # type: ignore[arg-type] # geventhttpclient sends bytes as they are
            headers=dict(signed.headers),
            name=outgoing.type,
            catch_response=True,
        ) as answer:
            error = getattr(answer, "error", None)
            if isinstance(error, LocustBadStatusCode):
                error = None  # an answer with a 4xx or 5xx: judged below like any other answer
            headers: dict[str, str] = {}
            if error is None and answer.headers is not None:
                content_type = answer.headers.get("content-type")
                if content_type is not None:
                    headers["content-type"] = str(content_type)
            kind, detail = answers.judge(
                shared.contract,
                int(answer.status_code or 0),
                headers,
                b"" if error is not None else (answer.content or b""),
                error,
            )
            latency_ms = (time.perf_counter() - started) * 1000
            if kind is None:
                answer.success()
            else:
                answer.failure(f"{kind}: {detail}")
        at = sent_at - shared.started_at
        example = None
        if kind is not None:
            example = {
                "at": round(at, 3),
                "type": outgoing.type,
                "key": outgoing.key,
                "status": int(answer.status_code or 0),
                "latency_ms": round(latency_ms, 2),
                "detail": detail,
            }
        shared.tally.record(int(at), outgoing.type, latency_ms, kind, example)
