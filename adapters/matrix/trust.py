"""Relais, a device its owner vouches for: cross-signing set up and kept at each start.

At each start with encryption on, after nio has published the device's keys:

* Relais' cross-signing keys come from its key file (adapters.matrix.keyfile, 0600, beside the
  crypto store); without the file, from secret storage on the homeserver when the recovery key
  is in the environment (RELAIS_MATRIX_RECOVERY_KEY);
* on the very first start none exist: Relais makes them, publishes them
  (/keys/device_signing/upload; a homeserver that asks for the password gets the bot's, through
  user-interactive auth), stores them in secret storage, and prints the recovery key once;
* then the device in use is signed with the self-signing key (/keys/signatures/upload) unless it
  already is: a restart, a new login or a lost crypto store need nobody.

The homeserver's view (/keys/query) is the truth; nothing here is cached between starts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from nio import AsyncClient

from adapters.matrix.cross_signing import USAGES, CrossSigningKeys, device_signed_by, public_key_of
from adapters.matrix.keyfile import load_keys, save_keys
from adapters.matrix.secret_storage import DEFAULT_KEY, StorageKey, decode_recovery_key, key_description_type

log = logging.getLogger(__name__)

API = "/_matrix/client/v3"
SECRET_NAMES = {usage: f"m.cross_signing.{usage}" for usage in USAGES}


class TrustError(Exception):
    """Cross-signing could not be set up; the message says what the administrator can do."""


def recovery_announcement(user_id: str, recovery_key: str) -> str:
    return (
        f"Relais made a cross-signing identity for {user_id}. Its recovery key is shown this once; keep it "
        f"with the bot's password: {recovery_key}  (with RELAIS_MATRIX_RECOVERY_KEY set to it, a Relais "
        "that lost its key file gets its identity back; in Element, it verifies a session of the bot's account)"
    )


class Homeserver:
    """The few client-server API calls nio does not make, as plain JSON."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {self.client.access_token}", "Content-Type": "application/json"}
        data = None if body is None else json.dumps(body)
        response = await self.client.send(method, API + path, data, headers=headers)
        async with response:
            try:
                answer = await response.json(content_type=None)
            except ValueError:
                answer = {}
            return response.status, answer if isinstance(answer, dict) else {}

    async def ok(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        status, answer = await self.call(method, path, body)
        if status != 200:
            raise TrustError(f"{method} {path}: HTTP {status} {answer.get('errcode', '')} {answer.get('error', '')}")
        return answer

    async def account_data(self, user_id: str, kind: str) -> dict[str, Any] | None:
        status, answer = await self.call("GET", f"/user/{quote(user_id)}/account_data/{quote(kind)}")
        if status == 404:
            return None
        if status != 200:
            raise TrustError(f"reading account data {kind}: HTTP {status} {answer.get('error', '')}")
        return answer

    async def set_account_data(self, user_id: str, kind: str, content: dict[str, Any]) -> None:
        await self.ok("PUT", f"/user/{quote(user_id)}/account_data/{quote(kind)}", content)


class CrossSigning:
    def __init__(
        self,
        client: AsyncClient,
        key_file: Path,
        password: str | None = None,
        recovery_key: str | None = None,
        announce: Callable[[str], None] = log.warning,
    ) -> None:
        self.client = client
        self.server = Homeserver(client)
        self.key_file = key_file
        self.password = password
        self.recovery_key = recovery_key
        self.announce = announce

    @property
    def user_id(self) -> str:
        return str(self.client.user_id)

    async def own_keys(self) -> dict[str, Any]:
        """What the homeserver shows everyone about Relais: master and self-signing keys, devices."""
        answer = await self.server.ok("POST", "/keys/query", {"device_keys": {self.user_id: []}})
        return {
            "master": answer.get("master_keys", {}).get(self.user_id),
            "self_signing": answer.get("self_signing_keys", {}).get(self.user_id),
            "device": answer.get("device_keys", {}).get(self.user_id, {}).get(self.client.device_id),
        }

    async def ensure(self) -> bool:
        """Make sure the device in use is signed by Relais' own identity. True when it is."""
        published = await self.own_keys()
        if published["device"] is None:
            raise TrustError(f"device {self.client.device_id} has published no keys yet")
        keys = await self.identity(public_key_of(published["master"]))
        if keys is None:
            return False
        if published["master"] is None or public_key_of(published["self_signing"]) != keys.self_signing.public_key:
            published = await self.own_keys()  # just published: read them back as others will
        if device_signed_by(published["device"], self.user_id, published["self_signing"]):
            log.info("device %s is signed by %s's cross-signing identity", self.client.device_id, self.user_id)
            return True
        signed = keys.sign_device(published["device"], self.user_id)
        answer = await self.server.ok(
            "POST", "/keys/signatures/upload", {self.user_id: {self.client.device_id: signed}}
        )
        if answer.get("failures"):
            raise TrustError(f"the homeserver refused the device's signature: {answer['failures']}")
        log.info("device %s signed with %s's self-signing key", self.client.device_id, self.user_id)
        return True

    async def identity(self, master: str | None) -> CrossSigningKeys | None:
        """Relais' private keys, matching the published master key (made and published if need be)."""
        keys = load_keys(self.key_file, self.user_id)
        if keys is None and master is not None and self.recovery_key:
            keys = await self.restore(master)
        if keys is not None and keys.master.public_key == master:
            return keys
        if keys is not None and master is None:  # the homeserver forgot it (a new account, a reset)
            await self.publish(keys, None)
            return keys
        if keys is not None:
            log.error(
                "the cross-signing identity of %s was replaced (in Element?): the keys in %s are not its keys. "
                "Set RELAIS_MATRIX_RECOVERY_KEY to the new recovery key, or delete %s so that Relais makes a "
                "new identity; until then Element clients that share keys only with signed devices ignore Relais",
                self.user_id,
                self.key_file,
                self.key_file,
            )
            return None
        if master is not None:
            log.warning(
                "%s has a cross-signing identity but %s is missing and no recovery key is set: "
                "Relais makes a new identity (partners' clients may say the bot's identity changed)",
                self.user_id,
                self.key_file,
            )
        keys = CrossSigningKeys.generate()
        await self.publish(keys, master)
        return keys

    async def publish(self, keys: CrossSigningKeys, replaced: str | None) -> None:
        """Upload the public keys (the password once, if the homeserver asks), keep the private ones."""
        body = keys.upload_body(self.user_id)
        status, answer = await self.server.call("POST", "/keys/device_signing/upload", body)
        if status == 401 and "session" in answer:
            if not self.password:
                raise TrustError(
                    "the homeserver asks for the bot's password to publish its cross-signing keys: set "
                    "RELAIS_MATRIX_PASSWORD (the access token can stay; the password is used for this only)"
                )
            body["auth"] = {
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": self.user_id},
                "password": self.password,
                "session": answer["session"],
            }
            status, answer = await self.server.call("POST", "/keys/device_signing/upload", body)
        if status != 200:
            raise TrustError(f"publishing the cross-signing keys: HTTP {status} {answer.get('error', '')}")
        save_keys(self.key_file, self.user_id, keys)
        storage = StorageKey.generate()
        await self.store_secrets(keys, storage)
        log.info("cross-signing keys of %s published%s", self.user_id, " (replacing the old ones)" if replaced else "")
        self.announce(recovery_announcement(self.user_id, storage.recovery_key))

    async def store_secrets(self, keys: CrossSigningKeys, storage: StorageKey) -> None:
        """The private keys in secret storage, encrypted with the recovery key (as Element does)."""
        await self.server.set_account_data(self.user_id, key_description_type(storage.key_id), storage.description())
        for usage, secret in keys.to_json().items():
            name = SECRET_NAMES[usage]
            await self.server.set_account_data(self.user_id, name, storage.seal(name, secret))
        await self.server.set_account_data(self.user_id, DEFAULT_KEY, {"key": storage.key_id})

    async def restore(self, master: str) -> CrossSigningKeys | None:
        """The private keys from secret storage, opened with the recovery key; saved to the key file."""
        assert self.recovery_key is not None
        default = await self.server.account_data(self.user_id, DEFAULT_KEY) or {}
        key_id = str(default.get("key", ""))
        description = await self.server.account_data(self.user_id, key_description_type(key_id)) if key_id else None
        storage = StorageKey(key_id, decode_recovery_key(self.recovery_key))
        if description is None or not storage.opens(description):
            log.error("RELAIS_MATRIX_RECOVERY_KEY is not the recovery key of %s's secret storage", self.user_id)
            return None
        secrets = {}
        for usage in USAGES:
            content = await self.server.account_data(self.user_id, SECRET_NAMES[usage]) or {}
            secrets[usage] = storage.unseal(SECRET_NAMES[usage], content)
        keys = CrossSigningKeys.from_json(secrets)
        if keys.master.public_key != master:
            log.error("the secret storage of %s holds another identity than the published one", self.user_id)
            return None
        save_keys(self.key_file, self.user_id, keys)
        log.info("cross-signing keys of %s restored from secret storage with the recovery key", self.user_id)
        return keys
