"""One community on Slack and Matrix at once: `relais run` with both sections, on one database.

`two_platforms` starts a real Synapse (tests/matrix) and the Slack stand-in (tests/slack), a COPIL
with a Matrix room and a Slack channel, and Relais' runner serving both — as a partnership starts:
the people are already in the room and the channel. Its helpers type as people do: a slash command
on Slack (the answer comes back to its author only), a line in a Matrix room or direct chat.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

pytest.importorskip("slack_bolt", reason="slack_bolt is not installed (pip install relais[slack])")
pytest.importorskip("synapse", reason="matrix-synapse is not installed (pip install -e '.[test]')")

from nio import RoomCreateResponse  # noqa: E402

from bot.clock import FixedClock  # noqa: E402
from bot.config import config_from_dict  # noqa: E402
from relais.runner import Runner  # noqa: E402
from relais.wiring import build_app  # noqa: E402
from tests.conftest import NOW  # noqa: E402
from tests.matrix.conftest import matrix_user, synapse, synapse_server  # noqa: E402,F401 (their fixtures, here too)
from tests.matrix.kit import DEADLINE, Partner, create_room, from_bot, joined, partner  # noqa: E402
from tests.matrix.synapse import MatrixUser, SynapseServer  # noqa: E402
from tests.slack.harness import APP_TOKEN, BOT_TOKEN, shown  # noqa: E402
from tests.slack.standin import DEFAULT_CHANNEL_ID, DEFAULT_TEAM_ID, SlackStandin  # noqa: E402
from tests.support.waiting import eventually  # noqa: E402

ALICE_S = "U0ALICE0001"  # Alice's Slack account (the foundation invited her)
FABIENNE_S = "U0FABIENNE1"  # the facilitator, on Slack
BOB_S = "U0BOB000001"
CHANNEL = DEFAULT_CHANNEL_ID


@dataclass
class TwoPlatforms:
    hs: SynapseServer
    standin: SlackStandin
    clock: FixedClock
    bot_id: str  # Relais' Matrix user
    room: str  # the COPIL's Matrix room
    alice: Partner  # Alice's Matrix account (the town hall's Tchap)
    claire: Partner  # Claire, on Matrix only
    runner: Runner

    async def slack(self, line: str, user: str = FABIENNE_S) -> str:
        """A slash command typed on Slack (`/relais <line>`): the answer its author sees."""
        before = len(self.standin.response_posts)
        payload = self.standin.slash_command("/relais", line, user_id=user, channel_id=CHANNEL)
        await self.standin.wait_ack(await self.standin.socket_send("slash_commands", payload), timeout=10)
        await eventually(lambda: len(self.standin.response_posts) > before, DEADLINE, f"the answer to {line}")
        return "\n".join(shown(call.params) for call in self.standin.response_posts[before:])

    async def slack_until(self, line: str, done: Callable[[str], bool], user: str = FABIENNE_S) -> str:
        """Ask again until the answer satisfies `done` (what reaches Relais through another platform)."""
        async with asyncio.timeout(DEADLINE):
            while True:
                answer = await self.slack(line, user)
                if done(answer):
                    return answer

    def slack_posts(self) -> list[str]:
        return [shown(message) for message in self.standin.messages_in(CHANNEL)]

    async def in_slack(self, expect: str) -> dict[str, Any]:
        """The message of the COPIL's Slack channel that contains `expect`, once it is there."""
        found: list[dict[str, Any]] = []

        def there() -> bool:
            found[:] = [m for m in self.standin.messages_in(CHANNEL) if expect in shown(m)]
            return bool(found)

        await eventually(there, DEADLINE, f"a Slack post with {expect!r}")
        return found[-1]

    async def matrix(self, person: Partner, room: str, line: str, expect: str) -> str:
        answer = await person.reply_to(room, line, expect, self.bot_id)
        return str(answer["content"]["body"])

    async def direct_chat(self, person: Partner) -> str:
        """A direct chat of `person` with Relais, joined by it."""
        response = await person.client.room_create(is_direct=True, invite=[self.bot_id])
        assert isinstance(response, RoomCreateResponse), response
        await person.wait_for(joined(self.bot_id, response.room_id))
        return response.room_id

    async def in_matrix(self, expect: str, after: int = 0) -> dict[str, Any]:
        return await self.claire.wait_for(from_bot(self.bot_id, self.room, expect), after=after)


def _config(hs: SynapseServer, bot: MatrixUser, standin: SlackStandin, room: str, database: str) -> Any:
    return config_from_dict(
        {
            "community": {
                "name": "Essonne",
                "language": "fr",
                "timezone": "Europe/Paris",
                "default_circle": "COPIL",
                "facilitators": [f"slack:{DEFAULT_TEAM_ID}/{FABIENNE_S}"],
            },
            "database": {"url": database},
            "circles": [{"name": "COPIL", "channels": [f"slack:{DEFAULT_TEAM_ID}/{CHANNEL}", f"matrix:{room}"]}],
            "matrix": {
                "homeserver": hs.base_url,
                "user_id": bot.user_id,
                "access_token": bot.access_token,
                "device_id": bot.device_id,
                "sync_timeout": 5,
                "max_backoff": 1,
            },
            "slack": {"bot_token": BOT_TOKEN, "app_token": APP_TOKEN, "api_url": standin.api_url},
        }
    )


@pytest_asyncio.fixture
async def two_platforms(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[TwoPlatforms]:
    hs: SynapseServer = request.getfixturevalue("synapse_server")
    new_user: Callable[..., MatrixUser] = request.getfixturevalue("matrix_user")
    bot_u, alice_u, claire_u = new_user("relais"), new_user("alice"), new_user("claire")
    standin = SlackStandin()
    await standin.start()
    standin.add_user(ALICE_S, name="alice", real_name="Alice Martin", tz="Europe/Paris", locale="fr-FR")
    standin.add_user(FABIENNE_S, name="fabienne", real_name="Fabienne Roux", tz="Europe/Paris", locale="fr-FR")
    standin.add_user(BOB_S, name="bob", real_name="Bob Dupont", display_name="Bob", locale="fr-FR")
    standin.set_members(CHANNEL, [ALICE_S, FABIENNE_S, BOB_S, standin.bot_user_id])
    clock = FixedClock(NOW)
    async with contextlib.AsyncExitStack() as stack:
        alice = await stack.enter_async_context(partner(hs, alice_u, "Alice (Mairie)"))
        claire = await stack.enter_async_context(partner(hs, claire_u, "Claire"))
        room = await create_room(claire, alice, invite=(bot_u.user_id,))
        app = build_app(_config(hs, bot_u, standin, room, f"sqlite:///{tmp_path / 'relais.db'}"), clock)
        runner = Runner(app, poll_seconds=0.2)
        stop = asyncio.Event()
        serving = asyncio.create_task(runner.serve(stop))
        try:
            await standin.wait_socket_connected(timeout=DEADLINE)
            await claire.wait_for(joined(bot_u.user_id, room))
            world = TwoPlatforms(hs, standin, clock, bot_u.user_id, room, alice, claire, runner)
            await world.matrix(claire, room, "!aide", "Relais")  # the room's members were read before this
            yield world
        finally:
            stop.set()
            await asyncio.wait_for(serving, 30)
            app.close()
            await standin.stop()
