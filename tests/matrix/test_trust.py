"""Relais' device is signed by its own cross-signing identity, as Element clients require, at first
start, after a restart, on a new device, and after its key file was lost (real Synapse)."""

from __future__ import annotations

import asyncio
import logging
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.matrix.client import e2e_available
from adapters.matrix.cross_signing import device_signed_by, public_key_of, verify_json

from .kit import bot_config, sqlite_url, start_bot
from .synapse import MatrixUser, SynapseServer

pytestmark = pytest.mark.skipif(not e2e_available(), reason="the e2e extra is not installed: pip install 'relais[e2e]'")


async def published(hs: SynapseServer, asker: MatrixUser, user_id: str) -> dict[str, Any]:
    """What anyone sees of `user_id`'s keys (asked by another user, as a partner's client would)."""
    body = {"device_keys": {user_id: []}}
    return await asyncio.to_thread(
        hs.request, "POST", "/_matrix/client/v3/keys/query", body, access_token=asker.access_token
    )


def signed_devices(keys: dict[str, Any], user_id: str) -> set[str]:
    master, ssk = keys["master_keys"].get(user_id), keys["self_signing_keys"].get(user_id)
    if master is None or ssk is None or not verify_json(ssk, user_id, public_key_of(master) or ""):
        return set()
    devices = keys["device_keys"].get(user_id, {})
    return {device for device, info in devices.items() if device_signed_by(info, user_id, ssk)}


def recovery_keys(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage().split("keep it with the bot's password: ")[1].split("  ")[0]
        for r in caplog.records
        if "Its recovery key is shown this once" in r.getMessage()
    ]


async def run_once(config: Any) -> None:
    bot = await start_bot(config)
    assert await bot.close() == 0


async def test_device_signed_at_first_start_kept_on_restart_and_new_device(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path: Path, caplog
) -> None:
    hs, bot_u, alice = synapse_server, matrix_user("relais"), matrix_user("alice")
    caplog.set_level(logging.INFO)
    store = tmp_path / "crypto"
    config = bot_config(hs, bot_u, sqlite_url(tmp_path), {}, store_path=str(store))
    await run_once(config)
    keys = await published(hs, alice, bot_u.user_id)
    assert signed_devices(keys, bot_u.user_id) == {bot_u.device_id}
    master = public_key_of(keys["master_keys"][bot_u.user_id])
    key_file = tmp_path / "crypto.cross-signing.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(recovery_keys(caplog)) == 1  # shown once, to the administrator
    assert recovery_keys(caplog)[0].replace(" ", "") not in key_file.read_text()

    await run_once(config)  # a restart: nothing new, nothing shown again
    keys = await published(hs, alice, bot_u.user_id)
    assert public_key_of(keys["master_keys"][bot_u.user_id]) == master
    assert len(recovery_keys(caplog)) == 1

    # a new device (logged in again): signed at once by the same identity, nobody asked
    _, token, device = await asyncio.to_thread(hs.login, bot_u.localpart, bot_u.password)
    await run_once(
        bot_config(hs, bot_u, sqlite_url(tmp_path), {}, store_path=str(store), access_token=token, device_id=device)
    )
    keys = await published(hs, alice, bot_u.user_id)
    assert public_key_of(keys["master_keys"][bot_u.user_id]) == master
    assert signed_devices(keys, bot_u.user_id) == {bot_u.device_id, device}
    assert len(recovery_keys(caplog)) == 1


async def test_lost_key_file_restored_with_the_recovery_key_or_replaced_with_the_password(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path: Path, caplog
) -> None:
    hs, bot_u, alice = synapse_server, matrix_user("relais"), matrix_user("alice")
    caplog.set_level(logging.INFO)
    config = bot_config(hs, bot_u, sqlite_url(tmp_path), {}, store_path=str(tmp_path / "crypto"))
    await run_once(config)
    master = public_key_of((await published(hs, alice, bot_u.user_id))["master_keys"][bot_u.user_id])
    [recovery] = recovery_keys(caplog)
    key_file = tmp_path / "crypto.cross-signing.json"

    key_file.unlink()  # lost; the whole crypto store too, on a new device
    _, token, device = await asyncio.to_thread(hs.login, bot_u.localpart, bot_u.password)
    await run_once(
        bot_config(
            hs,
            bot_u,
            sqlite_url(tmp_path),
            {},
            store_path=str(tmp_path / "crypto2"),
            access_token=token,
            device_id=device,
            cross_signing_file=str(key_file),
            recovery_key=recovery,
        )
    )
    keys = await published(hs, alice, bot_u.user_id)
    assert public_key_of(keys["master_keys"][bot_u.user_id]) == master  # the same identity, restored
    assert device in signed_devices(keys, bot_u.user_id)
    assert key_file.exists() and len(recovery_keys(caplog)) == 1

    key_file.unlink()  # lost again, no recovery key: with the password, a new identity
    await run_once(
        bot_config(
            hs,
            bot_u,
            sqlite_url(tmp_path),
            {},
            store_path=str(tmp_path / "crypto2"),
            access_token=token,
            device_id=device,
            cross_signing_file=str(key_file),
            password=bot_u.password,
        )
    )
    keys = await published(hs, alice, bot_u.user_id)
    assert public_key_of(keys["master_keys"][bot_u.user_id]) != master
    assert signed_devices(keys, bot_u.user_id) == {device}  # the old identity's signatures are gone
    assert len(recovery_keys(caplog)) == 2
    assert "Relais makes a new identity" in caplog.text


async def test_no_password_when_the_homeserver_asks_is_said_and_relais_goes_on(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path: Path, caplog
) -> None:
    hs, bot_u = synapse_server, matrix_user("relais")
    config = bot_config(hs, bot_u, sqlite_url(tmp_path), {}, store_path=str(tmp_path / "crypto"))
    await run_once(config)
    (tmp_path / "crypto.cross-signing.json").unlink()
    bot = await start_bot(config)  # online all the same
    assert await bot.close() == 0
    assert "set RELAIS_MATRIX_PASSWORD" in caplog.text


def test_recovery_key_and_key_file_come_from_the_environment(tmp_path: Path) -> None:
    from adapters.matrix.config import matrix_config
    from adapters.matrix.keyfile import default_key_file
    from bot.config import load_config

    file = tmp_path / "relais.toml"
    file.write_text(
        '[matrix]\nhomeserver = "https://hs.example"\nuser_id = "@relais:hs.example"\nstore_path = "/srv/crypto"\n',
        encoding="utf-8",
    )
    environ = {"RELAIS_MATRIX_ACCESS_TOKEN": "syt", "RELAIS_MATRIX_RECOVERY_KEY": "EsTa grA3"}
    config = load_config(file, environ=environ)
    matrix = matrix_config(config)
    assert matrix.recovery_key == "EsTa grA3" and matrix.cross_signing and not config.notes
    assert default_key_file("/srv/crypto") == Path("/srv/crypto.cross-signing.json")
    assert not matrix_config(load_config(file, environ={**environ, "RELAIS_MATRIX_CROSS_SIGNING": "no"})).cross_signing
