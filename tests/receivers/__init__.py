"""A corpus of partner receivers that proves `sms-hook verify`: correct ones and faulty ones.

Every receiver is an ASGI app listening at `RECEIVER_PATH` (anything else answers 404), built by
a factory that takes the partner's secret.

    CORRECT  name → factory(secret)                          must pass verify with no failure
    FAULTY   name → (factory(secret), rule id, defect)       verify must fail it, naming the rule
    BROKEN   name → the exact set of rules verify must name for it (no more, no fewer)

The correct receivers are written independently of `sms_hook.judge` and of each other:
`raw_bytes` (strict, plain ASGI, HMAC over the received bytes), `reserialise` (lenient, plain
ASGI, HMAC over its own re-serialisation, "all-whitespace" reading) and `starlette_table`
(Starlette, validation table before the signature, `sms_hook.signing`). Each faulty receiver is
`raw_bytes` with exactly one step replaced (see `defective.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from tests.receivers import faulty_answer, faulty_crash, faulty_signature, faulty_validation
from tests.receivers.asgi import RECEIVER_PATH, ASGIApp
from tests.receivers.defective import RULES, Defective
from tests.receivers.raw_bytes import RawBytesReceiver
from tests.receivers.reserialise import reserialise
from tests.receivers.starlette_table import starlette_table

__all__ = ["BROKEN", "CORRECT", "FAULTY", "RECEIVER_PATH", "RULES", "ASGIApp", "Factory"]

Factory = Callable[[str], ASGIApp]

CORRECT: Final[dict[str, Factory]] = {
    "raw_bytes": RawBytesReceiver,
    "reserialise": reserialise,
    "starlette_table": starlette_table,
}

_DEFECTIVE: tuple[type[Defective], ...] = (
    *faulty_validation.RECEIVERS,
    *faulty_signature.RECEIVERS,
    *faulty_answer.RECEIVERS,
    *faulty_crash.RECEIVERS,
)

FAULTY: Final[dict[str, tuple[Factory, str, str]]] = {
    cls.name: (cls, cls.rule, cls.defect()) for cls in _DEFECTIVE
}

BROKEN: Final[dict[str, frozenset[str]]] = {
    cls.name: frozenset({cls.rule}) | cls.also for cls in _DEFECTIVE
}
"""The rules `verify` must name for each faulty receiver: its own, and what its defect breaks."""
