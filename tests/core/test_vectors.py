"""The shipped signing vectors: regenerated and checked against an independent HMAC."""

from __future__ import annotations

import hashlib
import hmac
import json

from sms_hook import contract as contract_module
from sms_hook import vectors


def test_shipped_vectors_equal_a_fresh_generation() -> None:
    shipped = contract_module.document_path(contract_module.VECTORS_FILE).read_text("utf-8")
    assert shipped == vectors.render()


def test_every_vector_signature_is_the_hmac_of_its_message() -> None:
    for v in vectors.build()["vectors"]:
        expected = hmac.new(v["secret"].encode(), v["message"].encode(), hashlib.sha256)
        assert v["signature"] == expected.hexdigest(), v["name"]
        assert v["message"].startswith(v["timestamp"])


def test_first_vector_is_the_published_one() -> None:
    first = vectors.build()["vectors"][0]
    assert first["signature"] == "46b1ec8d2a05129bb57c8256f2cdd3029b2cf72dbed57f0d3eedd6b156573433"
    assert first["body"] == '{"type":"otp","data":{"code":"1234","msisdn":"+260977223120"}}'


def test_vectors_cover_every_type_indentation_non_ascii_large_integers_and_escapes() -> None:
    built = vectors.build()["vectors"]
    types = {json.loads(v["body"])["type"] for v in built}
    assert types == set(contract_module.load().types)
    bodies = [v["body"] for v in built]
    assert any("\n" in b for b in bodies)
    assert any(not b.isascii() for b in bodies)
    assert any(str(2**53 - 1) in b for b in bodies)
    assert any("\\\\" in b and '\\"' in b for b in bodies)
    assert any("message_all_whitespace" in v for v in built)
