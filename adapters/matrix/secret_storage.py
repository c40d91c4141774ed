"""Secret storage (`m.secret_storage.v1.aes-hmac-sha2`) and recovery keys, the pure part.

Relais keeps its cross-signing private keys in a 0600 file; it also stores them, encrypted with
a recovery key, in its own account data on the homeserver, as Element does. The recovery key is
printed once for the administrator: with it, a Relais whose key file was lost gets its identity
back (RELAIS_MATRIX_RECOVERY_KEY), and a person logged into the bot's account in Element can
verify that session. Specification: "Secret Storage" and "Key representation".
"""

from __future__ import annotations

import base64
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from Crypto.Cipher import AES  # nio's attachments import AES and SHA256 anyway
from Crypto.Hash import SHA256

ALGORITHM = "m.secret_storage.v1.aes-hmac-sha2"
DEFAULT_KEY = "m.secret_storage.default_key"
PREFIX = bytes([0x8B, 0x01])
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class RecoveryKeyError(ValueError):
    """Not a recovery key (mistyped, wrong parity), or not the key that locks these secrets."""


def key_description_type(key_id: str) -> str:
    """The account data type describing a secret storage key."""
    return f"m.secret_storage.key.{key_id}"


def _b58encode(data: bytes) -> str:
    number, text = int.from_bytes(data, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        text = BASE58[digit] + text
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + text


def _b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in BASE58:
            raise RecoveryKeyError(f"a recovery key has no {char!r}")
        number = number * 58 + BASE58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def encode_recovery_key(key: bytes) -> str:
    """The 32-byte key as people copy it: base58 with a prefix and a parity byte, in groups of 4."""
    data = PREFIX + key
    parity = 0
    for byte in data:
        parity ^= byte
    text = _b58encode(data + bytes([parity]))
    return " ".join(text[index : index + 4] for index in range(0, len(text), 4))


def decode_recovery_key(text: str) -> bytes:
    """The 32-byte key of a recovery key (spaces ignored); RecoveryKeyError if it is not one."""
    data = _b58decode("".join(text.split()))
    parity = 0
    for byte in data:
        parity ^= byte
    if len(data) != len(PREFIX) + 33 or not data.startswith(PREFIX) or parity != 0:
        raise RecoveryKeyError("this is not a recovery key (a character is wrong or missing)")
    return data[len(PREFIX) : -1]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _keys(key: bytes, name: str) -> tuple[bytes, bytes]:
    from Crypto.Protocol.KDF import HKDF  # its modules (scrypt, bcrypt, …): only for a Relais with a key store

    derived = HKDF(key, 64, b"\0" * 32, SHA256, context=name.encode("utf-8"))
    assert isinstance(derived, bytes)
    return derived[:32], derived[32:]


def encrypt(key: bytes, name: str, plaintext: str, iv: bytes | None = None) -> dict[str, str]:
    """`plaintext` encrypted for the secret named `name` (AES-CTR, then HMAC-SHA-256)."""
    aes_key, mac_key = _keys(key, name)
    iv = bytearray(iv or secrets.token_bytes(16))
    iv[8] &= 0x7F  # bit 63 cleared: the counter never wraps, whatever other clients do
    cipher = AES.new(aes_key, AES.MODE_CTR, initial_value=bytes(iv), nonce=b"")
    ciphertext = cipher.encrypt(plaintext.encode("utf-8"))
    mac = hmac.new(mac_key, ciphertext, sha256).digest()
    return {"iv": _b64(bytes(iv)), "ciphertext": _b64(ciphertext), "mac": _b64(mac)}


def decrypt(key: bytes, name: str, encrypted: Mapping[str, Any]) -> str:
    """The secret's text; RecoveryKeyError when the MAC does not match (another key)."""
    aes_key, mac_key = _keys(key, name)
    try:
        iv, ciphertext, mac = (_unb64(str(encrypted[part])) for part in ("iv", "ciphertext", "mac"))
    except (KeyError, ValueError) as error:
        raise RecoveryKeyError(f"a damaged secret ({error})") from error
    if not hmac.compare_digest(hmac.new(mac_key, ciphertext, sha256).digest(), mac):
        raise RecoveryKeyError("this recovery key does not open this secret")
    cipher = AES.new(aes_key, AES.MODE_CTR, initial_value=iv, nonce=b"")
    return cipher.decrypt(ciphertext).decode("utf-8")


@dataclass(frozen=True)
class StorageKey:
    """A secret storage key: its id on the homeserver and its 32 bytes."""

    key_id: str
    key: bytes

    @classmethod
    def generate(cls) -> StorageKey:
        return cls(secrets.token_urlsafe(24), secrets.token_bytes(32))

    @property
    def recovery_key(self) -> str:
        return encode_recovery_key(self.key)

    def description(self, name: str = "Relais") -> dict[str, Any]:
        """The key's account data: how a client checks a recovery key before using it."""
        check = encrypt(self.key, "", "\0" * 32)
        return {"algorithm": ALGORITHM, "name": name, "iv": check["iv"], "mac": check["mac"]}

    def opens(self, description: Mapping[str, Any]) -> bool:
        """True when this key is the one `description` was made for."""
        if description.get("algorithm") != ALGORITHM or not isinstance(description.get("iv"), str):
            return False
        check = encrypt(self.key, "", "\0" * 32, iv=_unb64(description["iv"]))
        mac = description.get("mac")
        return isinstance(mac, str) and hmac.compare_digest(_unb64(check["mac"]), _unb64(mac))

    def seal(self, name: str, secret: str) -> dict[str, Any]:
        """The account data content storing `secret` under the name `name`."""
        return {"encrypted": {self.key_id: encrypt(self.key, name, secret)}}

    def unseal(self, name: str, content: Mapping[str, Any]) -> str:
        encrypted = content.get("encrypted", {}).get(self.key_id)
        if not isinstance(encrypted, Mapping):
            raise RecoveryKeyError(f"{name} is not stored with this recovery key")
        return decrypt(self.key, name, encrypted)
