"""Cross-signing's pure parts against the Matrix specification's own examples (appendices "Signing
JSON" and "Canonical JSON") and against matrix-js-sdk's encoding of recovery keys."""

from __future__ import annotations

import pytest

from adapters.matrix.cross_signing import (
    CrossSigningKeys,
    SigningKey,
    b64decode,
    canonical_json,
    device_signed_by,
    key_object,
    public_key_of,
    sign_json,
    verify_json,
)
from adapters.matrix.secret_storage import (
    RecoveryKeyError,
    StorageKey,
    decode_recovery_key,
    encode_recovery_key,
)

# the specification's example signing key ("Signing JSON": seed, key id ed25519:1, signer "domain")
SPEC_KEY = SigningKey(b64decode("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({}, "{}"),
        ({"one": 1, "two": "Two"}, '{"one":1,"two":"Two"}'),
        ({"b": "2", "a": "1"}, '{"a":"1","b":"2"}'),
        (
            {"auth": {"success": True, "mxid": "@john.doe:example.com", "profile": {"display_name": "John Doe"}}},
            '{"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe"},"success":true}}',
        ),
        ({"a": "日本語"}, '{"a":"日本語"}'),
        ({"本": 2, "日": 1}, '{"日":1,"本":2}'),
        ({"a": "\u65e5"}, '{"a":"日"}'),
        ({"a": None}, '{"a":null}'),
        ({"a": -0}, '{"a":0}'),
        ({"a": "\u2200\u2201"}, '{"a":"∀∁"}'),
    ],
)
def test_canonical_json_matches_the_specification(value, expected) -> None:
    assert canonical_json(value) == expected.encode("utf-8")


def test_canonical_json_refuses_floats() -> None:
    with pytest.raises(ValueError):
        canonical_json({"a": [1.5]})


@pytest.mark.parametrize(
    ("value", "signature"),
    [
        ({}, "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ"),
        (
            {"one": 1, "two": "Two"},
            "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw",
        ),
    ],
)
def test_signatures_match_the_specification(value, signature) -> None:
    signed = sign_json(value, "domain", SPEC_KEY, key_id="1")
    assert signed["signatures"] == {"domain": {"ed25519:1": signature}}
    assert verify_json(signed, "domain", SPEC_KEY.public_key, key_id="1")
    assert value == {k: v for k, v in signed.items() if k != "signatures"}  # the original is untouched


def test_signature_ignores_unsigned_and_keeps_other_signatures() -> None:
    device = {"user_id": "@relais:example.org", "device_id": "RELAIS", "keys": {"ed25519:RELAIS": "abc"}}
    device_key, master = SigningKey.generate(), SigningKey.generate()
    signed = sign_json(device, "@relais:example.org", device_key, key_id="RELAIS")
    again = sign_json({**signed, "unsigned": {"device_display_name": "Relais"}}, "@relais:example.org", master)
    assert verify_json(again, "@relais:example.org", device_key.public_key, key_id="RELAIS")
    assert verify_json(again, "@relais:example.org", master.public_key)
    tampered = {**again, "device_id": "OTHER"}
    assert not verify_json(tampered, "@relais:example.org", master.public_key)
    assert not verify_json(again, "@mallory:example.org", master.public_key)


def test_cross_signing_upload_and_device_signature() -> None:
    user = "@relais:example.org"
    keys = CrossSigningKeys.generate()
    body = keys.upload_body(user)
    master = body["master_key"]
    assert master == key_object(user, "master", keys.master.public_key)
    assert public_key_of(master) == keys.master.public_key
    for usage in ("self_signing", "user_signing"):
        sub = body[f"{usage}_key"]
        assert sub["usage"] == [usage] and sub["user_id"] == user
        assert verify_json(sub, user, keys.master.public_key)
    device = {"user_id": user, "device_id": "DEV", "algorithms": [], "keys": {"ed25519:DEV": "x"}}
    assert not device_signed_by(device, user, body["self_signing_key"])
    assert device_signed_by(keys.sign_device(device, user), user, body["self_signing_key"])
    assert not device_signed_by(keys.sign_device(device, user), user, None)


def test_key_file_round_trip_and_no_private_key_in_repr() -> None:
    keys = CrossSigningKeys.generate()
    assert CrossSigningKeys.from_json(keys.to_json()) == keys
    assert b64decode(keys.to_json()["master"]) == keys.master.seed
    assert keys.to_json()["master"] not in repr(keys)
    with pytest.raises(ValueError):
        CrossSigningKeys.from_json({"master": "AAAA"})


def test_recovery_key_is_encoded_as_matrix_js_sdk_encodes_it() -> None:
    key = bytes(i * 7 % 256 for i in range(32))
    text = "EsSz z9tE P7v3 2x3J pej9 kEu3 wFRg Cohn LtKd CcAP Gyjg nnbj"  # encodeRecoveryKey, js-sdk 43
    assert encode_recovery_key(key) == text
    assert decode_recovery_key(text) == key
    assert decode_recovery_key(text.replace(" ", "") + "\n") == key
    for wrong in (text.replace("E", "F", 1), text[:-1], "not a key 0OIl"):
        with pytest.raises(RecoveryKeyError):
            decode_recovery_key(wrong)


def test_secret_storage_seals_and_checks_its_key() -> None:
    storage, other = StorageKey.generate(), StorageKey.generate()
    description = storage.description()
    assert storage.opens(description) and not other.opens(description)
    sealed = storage.seal("m.cross_signing.master", "c2VlZA")
    assert storage.unseal("m.cross_signing.master", sealed) == "c2VlZA"
    with pytest.raises(RecoveryKeyError):  # the name is part of the key: a secret cannot be swapped
        storage.unseal("m.cross_signing.self_signing", sealed)
    with pytest.raises(RecoveryKeyError):
        StorageKey(storage.key_id, other.key).unseal("m.cross_signing.master", sealed)
    assert decode_recovery_key(storage.recovery_key) == storage.key
