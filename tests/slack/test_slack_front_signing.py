"""The front's HMAC-SHA256 (written over CPython's own SHA-256) is the standard library's, and its signature check
refuses, without ever raising, whatever a client can put in the two headers."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.slack import front_http as front  # the signature check lives there (Signer)
from adapters.slack.front_http import MAX_AGE, Signer

NOW = 1_800_000_000
RFC_4231 = [  # (key, data, HMAC-SHA256), test cases 1, 2, 3, 4, 6 and 7 (5 is truncated)
    (b"\x0b" * 20, b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (b"Jefe", b"what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    (b"\xaa" * 20, b"\xdd" * 50, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
    (bytes(range(1, 26)), b"\xcd" * 50, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
    (b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    (b"\xaa" * 131, b"This is a test using a larger than block-size key and a larger than block-size data. The key"
     b" needs to be hashed before being used by the HMAC algorithm.",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
]  # fmt: skip


def signature(key: bytes, timestamp: str, body: bytes) -> str:
    return "v0=" + hmac.new(key, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()


def test_rfc_4231_vectors():
    for key, data, expected in RFC_4231:
        assert Signer(key).digest(data) == expected == hmac.new(key, data, hashlib.sha256).hexdigest()


def test_block_size_edges_and_empty_key_or_body():
    for size in (0, 1, 63, 64, 65, 128, 1000):
        for message in (b"", b"v0:1:", b"x" * 200):
            key = bytes(range(256))[:size] * (1 + size // 256)
            assert Signer(key).digest(message) == hmac.new(key, message, hashlib.sha256).hexdigest()


@settings(max_examples=300, deadline=None)
@given(key=st.binary(max_size=200), message=st.binary(max_size=300))
def test_any_key_and_message(key, message):
    assert Signer(key).digest(message) == hmac.new(key, message, hashlib.sha256).hexdigest()


def test_a_valid_signature_within_five_minutes():
    key, body, stamp = b"secret", b"token=x&text=%C3%A9", str(NOW)
    signer = Signer(key)
    good = {"x-slack-request-timestamp": stamp, "x-slack-signature": signature(key, stamp, body)}
    assert (
        signer.signed(body, good, NOW)
        and signer.signed(body, good, NOW + MAX_AGE)
        and signer.signed(body, good, NOW - MAX_AGE)
    )
    assert not signer.signed(body, good, NOW + MAX_AGE + 1) and not signer.signed(body, good, NOW - MAX_AGE - 1)
    assert not signer.signed(body + b"&", good, NOW)
    assert not Signer(b"other").signed(body, good, NOW)


def test_garbled_headers_are_refused_without_raising():
    """A front that raised here would die: any client could stop Slack's front (it is started again a second later)."""
    key, body = b"secret", b"payload"
    signer = Signer(key)
    good = signature(key, str(NOW), body)
    for stamp, sign in [
        ("", good), (str(NOW), ""), (str(NOW), good.replace("v0=", "v1=")), (str(NOW), good.upper()),
        (str(NOW), good[:-1]), (str(NOW), good + "0"), (str(NOW), "v0=é" + good[4:]), (str(NOW), "v0=\x00"),
        ("9" * 400, signature(key, "9" * 400, body)), ("9" * 5000, good), ("²", good), ("١٢٣", good),
        ("+" + str(NOW), signature(key, "+" + str(NOW), body)), (" " + str(NOW), good), ("-1", good),
        (str(NOW) + ".5", good), ("0x6B49D200", good),
    ]:  # fmt: skip
        assert signer.signed(body, {"x-slack-request-timestamp": stamp, "x-slack-signature": sign}, NOW) is False
    assert signer.signed(body, {}, NOW) is False
    assert signer.signed(body, {"x-slack-signature": good}, NOW) is False


def test_the_comparison_is_the_constant_time_one():
    """The same function as hmac.compare_digest (CPython's, in C), over bytes: no `==` that stops at the first
    differing byte."""
    import _operator

    assert front.same is _operator._compare_digest
    assert (
        "== signature" not in Path(front.__file__).read_text()
        and "signature ==" not in Path(front.__file__).read_text()
    )
