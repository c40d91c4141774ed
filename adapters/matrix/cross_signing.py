"""Cross-signing, the pure part: canonical JSON, ed25519 signatures, the keys Relais publishes.

Clients of the Element family share room keys only with devices their owner has signed
(`OnlySignedDevicesIsolationMode`). A Matrix account proves its devices with three ed25519
keys: the *master* key (the account's identity), the *self-signing* key (signs the account's
own devices) and the *user-signing* key (signs other people's master keys), the last two
signed by the master key. This module builds and checks those objects without any I/O
(the flow that uploads them is adapters.matrix.trust); it follows the Matrix specification,
appendices "Signing JSON" and "Cross-signing", and is tested against the specification's
examples. Ed25519 comes from pycryptodome, which matrix-nio already requires; its elliptic-curve
modules (about 1.3 MB of a process) are imported when a key is first used, that is only by a Relais
with a key store (`store_path`): one without never signs anything.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from Crypto.PublicKey.ECC import EccKey

MASTER, SELF_SIGNING, USER_SIGNING = "master", "self_signing", "user_signing"
USAGES = (MASTER, SELF_SIGNING, USER_SIGNING)


class SignatureError(ValueError):
    """A signature is missing, malformed or does not match."""


def canonical_json(value: Any) -> bytes:
    """The specification's canonical JSON: keys sorted, no spaces, UTF-8, no floats."""
    _no_floats(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False).encode("utf-8")


def _no_floats(value: Any) -> None:
    if isinstance(value, float):
        raise ValueError("canonical JSON has no floating-point numbers")
    if isinstance(value, Mapping):
        for item in value.values():
            _no_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _no_floats(item)


def b64encode(data: bytes) -> str:
    """Unpadded standard base64, as Matrix writes keys and signatures."""
    return base64.b64encode(data).decode("ascii").rstrip("=")


def b64decode(text: str) -> bytes:
    """Unpadded (or padded) standard or URL-safe base64."""
    text = text.strip().replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


@dataclass(frozen=True)
class SigningKey:
    """An ed25519 private key, kept as its 32-byte seed."""

    seed: bytes

    def __post_init__(self) -> None:
        if len(self.seed) != 32:
            raise ValueError("an ed25519 seed is 32 bytes")

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(secrets.token_bytes(32))

    def _key(self) -> EccKey:
        from Crypto.PublicKey import ECC

        return ECC.construct(curve="Ed25519", seed=self.seed)

    @property
    def public_key(self) -> str:
        """The public key in unpadded base64 (also its key id: `ed25519:<public key>`)."""
        return b64encode(self._key().public_key().export_key(format="raw"))

    def sign(self, message: bytes) -> str:
        from Crypto.Signature import eddsa

        return b64encode(eddsa.new(self._key(), "rfc8032").sign(message))

    def __repr__(self) -> str:  # never print a private key by accident
        return f"SigningKey(public={self.public_key})"


def verify_signature(public_key: str, message: bytes, signature: str) -> bool:
    """True when `signature` (unpadded base64) is `public_key`'s ed25519 signature of `message`."""
    from Crypto.Signature import eddsa

    try:
        key = eddsa.import_public_key(b64decode(public_key))
        eddsa.new(key, "rfc8032").verify(message, b64decode(signature))
    except ValueError:
        return False
    return True


def signable(obj: Mapping[str, Any]) -> bytes:
    """What is signed: the object without `signatures` and `unsigned`, in canonical JSON."""
    return canonical_json({key: value for key, value in obj.items() if key not in ("signatures", "unsigned")})


def sign_json(obj: Mapping[str, Any], signer: str, key: SigningKey, key_id: str | None = None) -> dict[str, Any]:
    """A copy of `obj` with `signer`'s signature added (other signatures kept).

    `key_id` is the part after `ed25519:`: a device id for a device key, the public key
    itself for a cross-signing key (the default).
    """
    signed = dict(obj)
    signatures = {name: dict(value) for name, value in dict(obj.get("signatures", {})).items()}
    signatures.setdefault(signer, {})[f"ed25519:{key_id or key.public_key}"] = key.sign(signable(obj))
    signed["signatures"] = signatures
    return signed


def verify_json(obj: Mapping[str, Any], signer: str, public_key: str, key_id: str | None = None) -> bool:
    """True when `obj` carries a valid signature by `signer` with `public_key`."""
    signature = obj.get("signatures", {}).get(signer, {}).get(f"ed25519:{key_id or public_key}")
    return isinstance(signature, str) and verify_signature(public_key, signable(obj), signature)


def key_object(user_id: str, usage: str, public_key: str) -> dict[str, Any]:
    """A cross-signing key as /keys/device_signing/upload and /keys/query carry it (unsigned)."""
    return {"user_id": user_id, "usage": [usage], "keys": {f"ed25519:{public_key}": public_key}}


def public_key_of(obj: Mapping[str, Any] | None) -> str | None:
    """The ed25519 public key a cross-signing key object holds (None when there is none)."""
    keys = obj.get("keys") if isinstance(obj, Mapping) else None
    if not isinstance(keys, Mapping):
        return None
    found = [value for name, value in keys.items() if str(name).startswith("ed25519:") and isinstance(value, str)]
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class CrossSigningKeys:
    """The three private keys of an account's cross-signing identity."""

    master: SigningKey
    self_signing: SigningKey
    user_signing: SigningKey

    @classmethod
    def generate(cls) -> CrossSigningKeys:
        return cls(SigningKey.generate(), SigningKey.generate(), SigningKey.generate())

    def by_usage(self) -> dict[str, SigningKey]:
        return {MASTER: self.master, SELF_SIGNING: self.self_signing, USER_SIGNING: self.user_signing}

    def to_json(self) -> dict[str, str]:
        """The seeds, for the 0600 key file (unpadded base64, as secret storage keeps them too)."""
        return {usage: b64encode(key.seed) for usage, key in self.by_usage().items()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CrossSigningKeys:
        try:
            return cls(*(SigningKey(b64decode(str(data[usage]))) for usage in USAGES))
        except (KeyError, ValueError) as error:
            raise ValueError(f"not a cross-signing key file ({error})") from error

    def upload_body(self, user_id: str) -> dict[str, Any]:
        """The body of /keys/device_signing/upload: the master key, and the two others it signs."""
        master = key_object(user_id, MASTER, self.master.public_key)
        body = {"master_key": master}
        for usage, key in ((SELF_SIGNING, self.self_signing), (USER_SIGNING, self.user_signing)):
            body[f"{usage}_key"] = sign_json(key_object(user_id, usage, key.public_key), user_id, self.master)
        return body

    def sign_device(self, device_keys: Mapping[str, Any], user_id: str) -> dict[str, Any]:
        """The device's keys (as /keys/query returns them) with the self-signing key's signature."""
        return sign_json(device_keys, user_id, self.self_signing)


def device_signed_by(device_keys: Mapping[str, Any], user_id: str, self_signing: Mapping[str, Any] | None) -> bool:
    """True when the device's keys carry a valid signature of the owner's self-signing key."""
    public_key = public_key_of(self_signing)
    return public_key is not None and verify_json(device_keys, user_id, public_key)
