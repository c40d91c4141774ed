"""A crypto store started afresh under a device id the homeserver already knows with other keys.

When the encryption store folder is lost or wiped but Relais logs in again with the same device id
(kept in its database, or fixed by an access token), nio makes new identity keys and the homeserver
takes them silently. Partners' apps knew that device with its old keys: Element refuses a device
whose keys changed, so they would neither trust Relais' messages nor share room keys with it.

Found at start, before the new keys are published: with the password, Relais signs that device out
(its stale keys go with it) and logs in as a new device, which cross-signing then vouches for; with
an access token, whose device cannot change, it stops and says what to do.
"""

from __future__ import annotations

import logging

from nio import AsyncClient, LoginResponse

from adapters.matrix.config import MatrixConfig
from adapters.matrix.errors import LOGIN_REFUSED, FatalError
from adapters.matrix.trust import Homeserver

log = logging.getLogger(__name__)


async def published_key(client: AsyncClient) -> str | None:
    """The ed25519 key the homeserver lists for this client's device, if any."""
    user, device = client.user_id, client.device_id
    answer = await Homeserver(client).ok("POST", "/keys/query", {"device_keys": {user: [device]}})
    keys = answer.get("device_keys", {}).get(user, {}).get(device, {}).get("keys", {})
    key = keys.get(f"ed25519:{device}")
    return key if isinstance(key, str) else None


async def replaced_device(client: AsyncClient, config: MatrixConfig) -> str | None:
    """The new device id when the store was found reset and Relais logged in anew; None when all is well."""
    olm = client.olm
    if olm is None or olm.account.shared:
        return None  # no encryption, or keys this store already published
    published = await published_key(client)
    if published is None or published == olm.account.identity_keys["ed25519"]:
        return None  # a new device, or the same keys
    old = client.device_id
    if config.access_token:
        raise FatalError(
            "the encryption store ({store}) is new, but device {device} already has other keys on the homeserver "
            "(the store was lost or wiped): partners' apps would refuse Relais' messages. Give Relais a new "
            "device: set matrix.password instead of the access token (Relais then logs in anew by itself), or "
            "log in again to get a new access token and device id.",
            store=str(config.store_path),
            device=old,
        )
    log.warning(
        "the encryption store (%s) is new, but device %s already has other keys on the homeserver (the store "
        "was lost or wiped): Relais signs that device out and logs in as a new device",
        config.store_path,
        old,
    )
    await client.logout()
    client.store, client.olm, client.device_id = None, None, None  # type: ignore[assignment]
    response = await client.login(password=config.password, device_name=config.device_name)
    if not isinstance(response, LoginResponse):
        raise FatalError(LOGIN_REFUSED, user=config.user_id, reason=str(response))
    log.info("logged in as %s, new device %s", response.user_id, response.device_id)
    return response.device_id
