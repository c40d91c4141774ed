"""Several workspaces: Relais installed through `Add to Slack` (OAuth) in an association's workspace
and a foundation's, each posting into its own channels with its own token, against the stand-in
(oauth.v2.access in the shape of Slack's documented example)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from sqlalchemy import select

from adapters.slack import members
from adapters.slack.settings import parse_settings
from bot.clock import FixedClock
from bot.config import Config, ConfigError
from bot.db import Store, make_engine
from bot.delivery import Outgoing, PermanentFailure
from bot.models import Identity
from bot.services.channel_members import belongs
from bot.services.channels import map_channels
from relais.slack_stores import slack_stores

from .harness import Harness
from .standin import SlackStandin
from .standin.oauth import CLIENT_ID, CLIENT_SECRET

ASSO, FONDA = "T0ASSO00001", "T0FONDA0001"
ASSO_CHANNEL, FONDA_CHANNEL = "C0ASSOCOPIL", "C0FONDAGT01"


@pytest_asyncio.fixture
async def oauth_relais(
    slack_standin: SlackStandin, store: Store, clock: FixedClock, config: Config, tmp_path: Path
) -> AsyncIterator[Harness]:
    """Relais in HTTP mode with a client id and secret, and no bot token: nothing installed yet.

    The installations go to a database file of their own here: the test's `store` keeps one
    transaction open (rolled back after the test), which SQLite would not share."""
    stores = slack_stores(make_engine(f"sqlite:///{tmp_path / 'slack.db'}"), CLIENT_ID)
    harness = Harness(
        "http", slack_standin, store, clock, config,
        bot_token="", client_id=CLIENT_ID, client_secret=CLIENT_SECRET, stores=stores,
    )  # fmt: skip
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


async def install(harness: Harness, code: str) -> str:
    """A person clicks `Add to Slack`, allows the app in Slack, and comes back with `code`."""
    base = harness.url.removesuffix(harness.settings.path)
    async with aiohttp.ClientSession() as browser:
        async with browser.get(f"{base}/slack/install", allow_redirects=False) as page:
            assert page.status in (200, 302)
            cookie = page.headers.get("Set-Cookie", "")
            state = re.search(r"slack-app-oauth-state=([^;]+)", cookie)
            assert state is not None, cookie
            assert "slack.com/oauth/v2/authorize" in (await page.text()) + page.headers.get("Location", "")
        async with browser.get(
            f"{base}/slack/oauth_redirect",
            params={"code": code, "state": state.group(1)},
            headers={"Cookie": f"slack-app-oauth-state={state.group(1)}"},
            allow_redirects=False,
        ) as back:
            return f"{back.status} {await back.text()}"


def tokens_used(standin: SlackStandin, channel: str) -> set[str]:
    return {
        call.headers.get("authorization", "").removeprefix("Bearer ")
        for call in standin.calls
        if call.method == "chat.postMessage" and call.params.get("channel") == channel
    }


async def test_two_workspaces_installed_through_oauth_post_into_their_own_channels(
    oauth_relais: Harness, slack_standin: SlackStandin
) -> None:
    asso = slack_standin.add_workspace(ASSO, "Association Vélo", installer="U0ASSOADMIN", code="code-asso")
    fonda = slack_standin.add_workspace(FONDA, "Fondation Mobilité", installer="U0FONDADMIN", code="code-fonda")
    for code in ("code-asso", "code-fonda"):
        answer = await install(oauth_relais, code)
        assert answer.startswith("200"), answer
    dispatcher = oauth_relais.dispatcher
    wanted = {f"slack:{ASSO}/{ASSO_CHANNEL}": "COPIL", f"slack:{FONDA}/{FONDA_CHANNEL}": "GT Mobilité"}
    await oauth_relais.adapter.runtime.blocking(map_channels, dispatcher, wanted)  # as /relais map does
    sender = oauth_relais.adapter.sender
    for number, channel in enumerate(wanted, start=1):
        message = Outgoing(id=f"out-{number}", platform="slack", text=f"Point {number}", channel=channel)
        await sender.send(message, False)
    assert tokens_used(slack_standin, ASSO_CHANNEL) == {asso.bot_token}
    assert tokens_used(slack_standin, FONDA_CHANNEL) == {fonda.bot_token}


async def test_a_workspace_where_relais_is_not_installed_gets_nothing(oauth_relais: Harness) -> None:
    message = Outgoing(id="out-x", platform="slack", text="Bonjour", channel="slack:T0NOWHERE01/C0SOMEWHERE")
    with pytest.raises(PermanentFailure, match="not installed"):
        await oauth_relais.adapter.sender.send(message, False)


async def test_a_code_used_twice_installs_nothing_more(oauth_relais: Harness, slack_standin: SlackStandin) -> None:
    slack_standin.add_workspace(ASSO, "Association Vélo", installer="U0ASSOADMIN", code="code-asso")
    assert (await install(oauth_relais, "code-asso")).startswith("200")
    again = await install(oauth_relais, "code-asso")
    assert not again.startswith("200"), again


def test_oauth_configuration_is_checked() -> None:
    with pytest.raises(ConfigError, match="client_secret"):
        parse_settings({"mode": "http", "signing_secret": "s", "client_id": CLIENT_ID})
    with pytest.raises(ConfigError, match="http"):
        parse_settings({"mode": "socket", "app_token": "xapp-1", "client_id": CLIENT_ID, "client_secret": "x"})
    settings = parse_settings({"mode": "http", "signing_secret": "s", "client_id": CLIENT_ID, "client_secret": "x"})
    assert settings.oauth and not settings.bot_token and "chat:write" in settings.scopes


async def test_a_channel_mapped_in_the_second_workspace_gets_its_members_with_that_token(
    oauth_relais: Harness, slack_standin: SlackStandin
) -> None:
    fonda = slack_standin.add_workspace(FONDA, "Fondation Mobilité", installer="U0FONDADMIN", code="code-fonda")
    slack_standin.add_user("U0FONDAPAUL", name="paul", real_name="Paul Girard", locale="fr-FR", team_id=FONDA)
    slack_standin.add_channel(FONDA_CHANNEL, name="gt-fondation")
    slack_standin.set_members(FONDA_CHANNEL, ["U0FONDAPAUL", fonda.bot_user_id])
    assert (await install(oauth_relais, "code-fonda")).startswith("200")
    channel = f"slack:{FONDA}/{FONDA_CHANNEL}"
    runtime = oauth_relais.adapter.runtime
    await runtime.blocking(map_channels, oauth_relais.dispatcher, {channel: "GT Mobilité"})
    await members.sync_channels(runtime, [channel])  # what /relais map typed in that channel does
    listed = [call for call in slack_standin.calls if call.method == "conversations.members"]
    assert {call.headers.get("authorization") for call in listed} == {f"Bearer {fonda.bot_token}"}
    assert await runtime.blocking(belongs, oauth_relais.dispatcher, f"slack:{FONDA}/U0FONDAPAUL")


async def test_a_person_in_a_slack_connect_channel_is_counted_once(
    oauth_relais: Harness, slack_standin: SlackStandin
) -> None:
    """One channel shared by the two workspaces (Slack Connect), Relais installed in both and the
    channel linked in both: each side lists both people; each person is one member, in their own
    workspace, however many installations see them."""
    slack_standin.add_workspace(ASSO, "Association Vélo", installer="U0ASSOADMIN", code="code-asso")
    slack_standin.add_workspace(FONDA, "Fondation Mobilité", installer="U0FONDADMIN", code="code-fonda")
    shared = "C0SHAREDCH1"
    slack_standin.add_user("U0ASSOCLAIR", name="claire", real_name="Claire Petit", team_id=ASSO)
    slack_standin.add_user("U0FONDAPAUL", name="paul", real_name="Paul Girard", team_id=FONDA)
    slack_standin.add_channel(shared, name="velo-fondation")
    slack_standin.set_members(shared, ["U0ASSOCLAIR", "U0FONDAPAUL"])
    for code in ("code-asso", "code-fonda"):
        assert (await install(oauth_relais, code)).startswith("200")
    runtime = oauth_relais.adapter.runtime
    channels = {f"slack:{ASSO}/{shared}": "COPIL", f"slack:{FONDA}/{shared}": "COPIL"}
    await runtime.blocking(map_channels, oauth_relais.dispatcher, channels)
    await members.sync_channels(runtime, channels)
    people = await runtime.blocking(identities_of, oauth_relais, ("U0ASSOCLAIR", "U0FONDAPAUL"))
    assert people == {f"slack:{ASSO}/U0ASSOCLAIR", f"slack:{FONDA}/U0FONDAPAUL"}
    assert runtime.identity("U0FONDAPAUL", ASSO) == f"slack:{FONDA}/U0FONDAPAUL"  # a ✅ seen from either side


def identities_of(harness: Harness, users: tuple[str, ...]) -> set[str]:
    with harness.store.unit_of_work() as session:
        return {found for found in session.scalars(select(Identity.identity)) if found.endswith(users)}
