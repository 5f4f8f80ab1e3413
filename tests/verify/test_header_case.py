"""The `accept-header-case` rule, proven on the wire: the letter case verify sends, and a receiver
that cares about it."""

from __future__ import annotations

from sms_hook import contract
from tests.verify.conftest import SECRET, quick
from tests.verify.receivers import RawServer

SIGNED = ("timestamp", "signature", "operator-name")


def test_verify_sends_every_type_with_title_case_and_upper_case_header_names() -> None:
    with RawServer(SECRET) as server:
        result = quick(server.url, max_examples=0)
    assert result.conforms
    seen = server.header_names
    title = tuple("-".join(p.capitalize() for p in n.split("-")) for n in SIGNED)
    upper = tuple(n.upper() for n in SIGNED)
    types = len(contract.load().types)
    assert sum(1 for names in seen if set(title) <= set(names)) >= types
    assert sum(1 for names in seen if set(upper) <= set(names)) >= types


def test_a_receiver_that_reads_only_lower_case_header_names_breaks_accept_header_case() -> None:
    with RawServer(SECRET, case_sensitive=True) as server:
        result = quick(server.url, max_examples=2)
    assert result.broken_rules() == ["accept-header-case"]
    assert not result.conforms
