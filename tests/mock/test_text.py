"""Lone surrogates from a sender's JSON can always be stored and answered as UTF-8."""

from __future__ import annotations

import json

from mock_server.text import json_text, utf8_safe


def test_json_with_lone_surrogates_encodes_as_utf8_and_reads_back_equal() -> None:
    value = {"\udfff": ["a\ud800b", "ñ€😀"]}

    text = json_text(value)

    assert text.encode("utf-8")  # raises if a surrogate were left
    assert json.loads(text) == value
    assert "ñ€😀" in text  # other non-ASCII text stays as itself


def test_plain_text_spells_a_lone_surrogate_as_the_escape_the_sender_wrote() -> None:
    assert utf8_safe("x\ud800y") == "x\\ud800y"
    assert utf8_safe("plain") == "plain"
