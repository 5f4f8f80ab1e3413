"""The base of every faulty receiver: `raw_bytes` with one step replaced, labelled with its rule."""

from __future__ import annotations

from typing import ClassVar, Final

from tests.receivers.raw_bytes import RawBytesReceiver

RULES: Final = frozenset(
    {
        "accept-valid",
        "accept-whitespace",
        "accept-non-ascii",
        "accept-safe-integers",
        "accept-header-case",
        "reject-invalid-data",
        "reject-malformed-body",
        "reject-bad-signature",
        "open-policy",
        "accept-framings",
        "accept-hostile-text",
        "open-control-strings",
        "reject-nan-anywhere",
        "open-extreme-extras",
        "reject-plausible-enum",
        "retry-exact-replay",
        "retry-redelivery",
        "retry-resettlement",
        "replay-protection",
        "no-server-error",
    }
)
"""The rule ids `verify` names; each faulty receiver is labelled with the one that must catch it."""
CRASH_RULES: Final = frozenset(
    {
        "no-server-error",
        "accept-framings",
        "accept-hostile-text",
        "open-control-strings",
        "open-extreme-extras",
        "retry-exact-replay",
        "retry-redelivery",
        "retry-resettlement",
    }
)
"""The rules `verify` names a 5xx or no answer under: `no-server-error`, and those whose row of
the contract names the case ("never a 5xx")."""


class Defective(RawBytesReceiver):
    """A `raw_bytes` receiver with exactly one defect.

    `name` is its key in the corpus, `rule` the rule `verify` must name for it, `also` any other
    rule the same defect necessarily breaks (verify must name exactly these, no more), and the
    first line of the subclass's docstring describes the defect in a partner's words.
    """

    name: ClassVar[str]
    rule: ClassVar[str]
    also: ClassVar[frozenset[str]] = frozenset()
    """Rules the same defect breaks besides `rule` (a wrong answer to every acceptance, say)."""

    @classmethod
    def defect(cls) -> str:
        return (cls.__doc__ or "").strip().splitlines()[0]
