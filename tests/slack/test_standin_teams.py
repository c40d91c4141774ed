"""The stand-in with two workspaces (standin/teams.py): each Web API call answers as its token's
workspace, so a test shows which token Relais used."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from .conftest import BOT_TOKEN
from .standin import DEFAULT_TEAM_ID, SlackStandin

FONDA = "T0FONDA0001"


def clients(standin: SlackStandin) -> tuple[AsyncWebClient, AsyncWebClient]:
    fonda = standin.add_workspace(FONDA, "Fondation", installer="U0FONDAPAUL", code="code")
    standin.add_user("U0FONDAPAUL", name="paul", team_id=FONDA)
    base = standin.api_url
    return AsyncWebClient(token=BOT_TOKEN, base_url=base), AsyncWebClient(token=fonda.bot_token, base_url=base)


async def test_a_trigger_opens_a_view_only_with_its_workspaces_token(slack_standin: SlackStandin) -> None:
    asso, fonda = clients(slack_standin)
    trigger = slack_standin.new_trigger_id(FONDA)
    view = {"type": "modal", "title": {"type": "plain_text", "text": "x"}, "blocks": []}
    with pytest.raises(SlackApiError) as refused:
        await asso.views_open(trigger_id=trigger, view=view)
    assert refused.value.response["error"] == "invalid_arguments"
    opened = await fonda.views_open(trigger_id=trigger, view=view)
    assert opened["view"]["team_id"] == FONDA


async def test_homes_and_direct_messages_reach_the_callers_users_only(slack_standin: SlackStandin) -> None:
    asso, fonda = clients(slack_standin)
    home = {"type": "home", "blocks": []}
    for call in (asso.views_publish(user_id="U0FONDAPAUL", view=home), asso.conversations_open(users="U0FONDAPAUL")):
        with pytest.raises(SlackApiError) as refused:
            await call
        assert refused.value.response["error"] == "user_not_found"
    published = await fonda.views_publish(user_id="U0FONDAPAUL", view=home)
    assert published["view"]["team_id"] == FONDA
    assert (await asso.users_info(user="U0FONDAPAUL"))["user"]["team_id"] == FONDA  # readable by both


async def test_a_message_is_its_workspaces_bots_and_only_it_updates_it(slack_standin: SlackStandin) -> None:
    asso, fonda = clients(slack_standin)
    posted = await fonda.chat_postMessage(channel="C0SHARED001", text="Bonjour")
    assert posted["message"]["team"] == FONDA and posted["message"]["bot_id"] != slack_standin.bot_id
    with pytest.raises(SlackApiError) as refused:
        await asso.chat_update(channel="C0SHARED001", ts=posted["ts"], text="Modifié")
    assert refused.value.response["error"] == "cant_update_message"
    assert (await fonda.chat_update(channel="C0SHARED001", ts=posted["ts"], text="Modifié"))["ok"]
    mine = await asso.chat_postMessage(channel="C0SHARED001", text="Salut")
    assert mine["message"]["team"] == DEFAULT_TEAM_ID
