"""A corpus of partner receivers that proves `sms-hook verify`: correct ones and faulty ones.

Every receiver is an ASGI app listening at `RECEIVER_PATH` (anything else answers 404), built by
a factory that takes the partner's secret.

    CORRECT     name → factory(secret)                       must pass verify with no failure
    REMEMBERING name → factory(secret)                       correct, with a replay memory
    FAULTY      name → (factory(secret), rule id, defect)    verify must fail it, naming the rule
    BROKEN      name → the exact set of rules verify must name for it (no more, no fewer)
    SEQUENCED   name → (factory(secret), rule id, defect)    faulty too, for defects that only
                several requests, a framing or strict replay mode (`STRICT`) show

The correct receivers are written independently of `sms_hook.judge` and of each other:
`raw_bytes` (strict, plain ASGI, HMAC over the received bytes), `reserialise` (lenient, plain
ASGI, HMAC over its own re-serialisation, "all-whitespace" reading) and `starlette_table`
(Starlette, validation table before the signature, `sms_hook.signing`); `idempotent` is
`raw_bytes` with a memory (409 to an exact replay, 200 to a re-delivery). Each faulty receiver
is `raw_bytes` with exactly one step replaced (see `defective.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from tests.receivers import (
    faulty_answer,
    faulty_crash,
    faulty_sequences,
    faulty_signature,
    faulty_strings,
    faulty_validation,
)
from tests.receivers.asgi import RECEIVER_PATH, ASGIApp
from tests.receivers.defective import CRASH_RULES, RULES, Defective
from tests.receivers.idempotent import IdempotentReceiver
from tests.receivers.raw_bytes import RawBytesReceiver
from tests.receivers.reserialise import reserialise
from tests.receivers.starlette_table import starlette_table

__all__ = [
    "BROKEN",
    "CORRECT",
    "CRASH_RULES",
    "FAULTY",
    "RECEIVER_PATH",
    "REMEMBERING",
    "RULES",
    "SEQUENCED",
    "STRICT",
    "ASGIApp",
    "Factory",
]

Factory = Callable[[str], ASGIApp]

CORRECT: Final[dict[str, Factory]] = {
    "raw_bytes": RawBytesReceiver,
    "reserialise": reserialise,
    "starlette_table": starlette_table,
}
REMEMBERING: Final[dict[str, Factory]] = {"idempotent": IdempotentReceiver}
"""Correct receivers with a memory (409 to an exact replay): kept apart from CORRECT, whose own
tests send the same request more than once; `verify` must pass them with no failure."""

_DEFECTIVE: tuple[type[Defective], ...] = (
    *faulty_validation.RECEIVERS,
    *faulty_signature.RECEIVERS,
    *faulty_answer.RECEIVERS,
    *faulty_crash.RECEIVERS,
    *faulty_strings.RECEIVERS,
)

FAULTY: Final[dict[str, tuple[Factory, str, str]]] = {
    cls.name: (cls, cls.rule, cls.defect()) for cls in _DEFECTIVE
}

BROKEN: Final[dict[str, frozenset[str]]] = {
    cls.name: frozenset({cls.rule}) | cls.also for cls in _DEFECTIVE
}
"""The rules `verify` must name for each faulty receiver: its own, and what its defect breaks."""

SEQUENCED: Final[dict[str, tuple[Factory, str, str]]] = {
    cls.name: (cls, cls.rule, cls.defect()) for cls in faulty_sequences.RECEIVERS
}
STRICT: Final = faulty_sequences.STRICT
"""The SEQUENCED receivers that are faulty only under `--require-replay-protection`."""
