"""A crypto store lost or wiped while Relais keeps its device id (real Synapse): the homeserver would
take the device's new keys silently and partners' apps would refuse them. With the password Relais
logs in as a new device by itself; with an access token it stops and says what to do."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.matrix.client import e2e_available

from .kit import bot_config, run_until_it_stops, sqlite_url
from .synapse import MatrixUser, SynapseServer
from .test_trust import published, run_once, signed_devices

pytestmark = pytest.mark.skipif(not e2e_available(), reason="the e2e extra is not installed: pip install 'relais[e2e]'")


async def test_a_wiped_store_with_the_password_gives_a_new_signed_device(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path: Path
) -> None:
    hs, bot_u, alice = synapse_server, matrix_user("relais"), matrix_user("alice")
    store = tmp_path / "crypto"
    config = bot_config(
        hs,
        bot_u,
        sqlite_url(tmp_path),
        {},
        access_token="",
        device_id="",
        password=bot_u.password,
        store_path=str(store),
    )
    await run_once(config)
    first = set((await published(hs, alice, bot_u.user_id))["device_keys"][bot_u.user_id])
    await run_once(config)  # a plain restart: the same device
    assert set((await published(hs, alice, bot_u.user_id))["device_keys"][bot_u.user_id]) == first
    shutil.rmtree(store)
    await run_once(config)
    keys = await published(hs, alice, bot_u.user_id)
    now = set(keys["device_keys"][bot_u.user_id])
    assert len(now) == 1 and now != first, "the old device is signed out, a new one in its place"
    assert signed_devices(keys, bot_u.user_id) == now, "and cross-signing vouches for it"


async def test_a_wiped_store_with_an_access_token_stops_and_says_what_to_do(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path: Path
) -> None:
    hs, bot_u, alice = synapse_server, matrix_user("relais"), matrix_user("alice")
    store = tmp_path / "crypto"
    config = bot_config(hs, bot_u, sqlite_url(tmp_path), {}, store_path=str(store))
    await run_once(config)
    before = (await published(hs, alice, bot_u.user_id))["device_keys"][bot_u.user_id]
    shutil.rmtree(store)
    code, problem = await run_until_it_stops(config)
    assert code == 1
    assert problem is not None and "already has other keys" in str(problem), problem
    assert "matrix.password" in str(problem)
    after = (await published(hs, alice, bot_u.user_id))["device_keys"][bot_u.user_id]
    assert after == before, "the device's published keys are left as they were"
