"""A second workspace, end to end: Relais configured with the association's bot token (workspace A, the
stand-in's own) and installed through `Add to Slack` in the foundation's (workspace B). What people do in
B (a slash command, the /engage form, a ✅ reaction, the App Home) is answered with B's token; a
guest of A clicking in B's channel (Slack Connect) is the member they are in A; uninstalling from B
holds B's posts and leaves A posting."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
from sqlalchemy import select

from adapters.slack import members
from bot.clock import FixedClock
from bot.config import Config
from bot.db import Store, make_engine
from bot.models import Acknowledgement, Commitment, Identity, OutboxMessage
from bot.services.channels import map_channels
from relais.slack_stores import slack_stores

from .harness import ALICE, GT, TEAM, Harness, shown
from .standin import SlackStandin, reaction_added_event, recorded
from .standin.oauth import CLIENT_ID, CLIENT_SECRET, Installed
from .test_slack_modal import form
from .test_slack_workspaces import install

FONDA, FONDA_CHANNEL = "T0FONDA0001", "C0FONDAGT01"
PAUL = "U0FONDAPAUL"


@pytest_asyncio.fixture
async def two(
    slack_standin: SlackStandin, store: Store, clock: FixedClock, config: Config, tmp_path: Path
) -> AsyncIterator[tuple[Harness, Installed]]:
    """A mixed configuration: bot_token for A, client id and secret for `Add to Slack`; B installed,
    its channel linked to the GT Mobilité circle (as `/relais map` there does)."""
    stores = slack_stores(make_engine(f"sqlite:///{tmp_path / 'slack.db'}"), CLIENT_ID)
    harness = Harness(
        "http", slack_standin, store, clock, config, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, stores=stores
    )
    fonda = slack_standin.add_workspace(FONDA, "Fondation Mobilité", installer=PAUL, code="code-fonda")
    slack_standin.add_user(PAUL, name="paul", real_name="Paul Girard", locale="fr-FR", team_id=FONDA)
    slack_standin.add_channel(FONDA_CHANNEL, name="gt-fondation")
    slack_standin.set_members(FONDA_CHANNEL, [PAUL, ALICE, fonda.bot_user_id])  # Alice: a Slack Connect guest
    await harness.start()
    try:
        assert (await install(harness, "code-fonda")).startswith("200")
        channel = f"slack:{FONDA}/{FONDA_CHANNEL}"
        runtime = harness.adapter.runtime
        await runtime.blocking(map_channels, harness.dispatcher, {channel: "GT Mobilité"})
        await members.sync_channels(runtime, [channel])
        slack_standin.reset()
        yield harness, fonda
    finally:
        await harness.stop()


def tokens(standin: SlackStandin, method: str) -> set[str | None]:
    return {call.token for call in standin.calls_to(method)}


def item_message(harness: Harness) -> dict[str, Any]:
    (message,) = [m for m in harness.posts_in(FONDA_CHANNEL) if "Salle réservée" in shown(m)]
    return message


async def engage_in_b(harness: Harness) -> None:
    """Paul, in B, opens the form with /engage and submits it, then posts an update (an item to read)."""
    await harness.command("engage", "", user=PAUL, channel=FONDA_CHANNEL, team_id=FONDA)
    view = harness.standin.calls_to("views.open", ok=True)[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    circle = next(block for block in view["blocks"] if block["block_id"] == "circle")
    values = form("Réserver la salle", due_text="vendredi", circle=int(circle["element"]["initial_option"]["value"]))
    payload = harness.standin.view_submission(
        "relais_engage", values, private_metadata=view["private_metadata"], user_id=PAUL, team_id=FONDA
    )
    answer = await harness.interactive(payload)
    assert answer.status == 200 and not answer.payload, answer.payload
    await harness.command("update", "#1 Salle réservée 50%", user=PAUL, channel=FONDA_CHANNEL, team_id=FONDA)


async def test_a_command_the_form_a_reaction_and_the_home_in_workspace_b_use_bs_token(
    two: tuple[Harness, Installed], slack_standin: SlackStandin
) -> None:
    harness, fonda = two
    await engage_in_b(harness)
    assert tokens(slack_standin, "views.open") == {fonda.bot_token}  # A's token could not open it (trigger of B)
    with harness.store.unit_of_work() as session:
        (commitment,) = session.scalars(select(Commitment))
        assert commitment.title == "Réserver la salle"
    item = item_message(harness)
    assert item["bot_id"] == fonda.bot_id  # posted in B's channel by B's bot
    assert any("Réserver la salle" in text for text in harness.replies_to(PAUL))

    event = reaction_added_event("white_check_mark", user_id=PAUL, item_channel=FONDA_CHANNEL, item_ts=item["ts"])
    await harness.event(event, team_id=FONDA)
    assert acknowledged_by(harness) == {f"slack:{FONDA}/{PAUL}"}

    await harness.event(recorded("app_home_opened.json") | {"user": PAUL, "tab": "home"}, team_id=FONDA)
    (publish,) = slack_standin.calls_to("views.publish", ok=True)
    assert publish.token == fonda.bot_token
    home = slack_standin.home_views[PAUL]
    assert home["team_id"] == FONDA and "Réserver la salle" in json.dumps(home, ensure_ascii=False)


async def test_a_guest_from_workspace_a_is_their_own_member_from_the_first_click(
    two: tuple[Harness, Installed], slack_standin: SlackStandin
) -> None:
    """Alice (workspace A) clicks ✅ Lu in B's shared channel: the payload names her own workspace
    (`user.team_id`), so she is Alice of A at once, not a new person of B."""
    harness, fonda = two
    await engage_in_b(harness)
    item = item_message(harness)
    number = next(
        element["value"]
        for block in item["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element.get("action_id") == "relais_ack"
    )
    payload = slack_standin.block_actions(
        "relais_ack", number, user_id=ALICE, team_id=FONDA, channel_id=FONDA_CHANNEL, message=item
    )
    payload["user"]["team_id"] = TEAM  # her home workspace, as Slack writes it for a Slack Connect guest
    runtime = harness.adapter.runtime
    for people in (runtime.people, await runtime.people_for(FONDA)):
        people.forget(ALICE)  # not looked up yet (she came after the last sync, or Relais restarted)
    await harness.interactive(payload)
    assert acknowledged_by(harness) == {f"slack:{TEAM}/{ALICE}"}


async def test_uninstalled_from_b_holds_bs_posts_and_a_goes_on_posting(
    two: tuple[Harness, Installed], slack_standin: SlackStandin
) -> None:
    harness, fonda = two
    await harness.event(recorded("app_uninstalled.json")["event"], team_id=FONDA)
    assert harness.adapter.online.is_set() and not harness.adapter.revoked
    slack_standin.reset()
    await harness.command("engage", "Envoyer le compte rendu d'ici vendredi", user=ALICE, channel=GT)
    await harness.command("update", "#1 Compte rendu envoyé 50%", user=ALICE, channel=GT)
    assert tokens(slack_standin, "chat.postMessage") == {harness.settings.bot_token}  # A posts, with A's token
    assert any("Compte rendu envoyé" in shown(m) for m in harness.posts_in(GT))
    assert not any("Compte rendu envoyé" in shown(m) for m in harness.posts_in(FONDA_CHANNEL))
    with harness.store.unit_of_work() as session:
        b_channel = OutboxMessage.channel == f"slack:{FONDA}/{FONDA_CHANNEL}"
        (held,) = session.scalars(select(OutboxMessage).where(b_channel))
        assert held.status == "pending" and held.attempts == 0 and "uninstalled" in (held.last_error or "")

    slack_standin.add_workspace(FONDA, "Fondation Mobilité", installer=PAUL, code="code-again")
    assert (await install(harness, "code-again")).startswith("200")  # Add to Slack there again
    await harness.settle()
    (posted,) = [m for m in harness.posts_in(FONDA_CHANNEL) if "Compte rendu envoyé" in shown(m)]
    assert posted["bot_id"] == fonda.bot_id  # the held post went out at once, with B's token


async def test_a_refused_bot_token_leaves_only_its_workspace_out_at_start(
    slack_standin: SlackStandin, store: Store, clock: FixedClock, config: Config, tmp_path: Path
) -> None:
    """Relais restarted after workspace A uninstalled it (bot_token refused): B still works."""
    stores = slack_stores(make_engine(f"sqlite:///{tmp_path / 'slack.db'}"), CLIENT_ID)
    harness = Harness(
        "http", slack_standin, store, clock, config, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, stores=stores
    )
    fonda = slack_standin.add_workspace(FONDA, "Fondation Mobilité", installer=PAUL, code="code-fonda")
    slack_standin.add_user(PAUL, name="paul", real_name="Paul Girard", locale="fr-FR", team_id=FONDA)
    slack_standin.valid_tokens = {fonda.bot_token}  # A's token was revoked
    await harness.start()
    try:
        assert harness.adapter.online.is_set()
        assert (await install(harness, "code-fonda")).startswith("200")
        await harness.event(recorded("app_home_opened.json") | {"user": PAUL, "tab": "home"}, team_id=FONDA)
        assert slack_standin.home_views[PAUL]["team_id"] == FONDA  # a stranger's page, from B, with B's token
    finally:
        await harness.stop()


def acknowledged_by(harness: Harness) -> set[str]:
    with harness.store.unit_of_work() as session:
        rows = session.execute(
            select(Identity.identity).join(Acknowledgement, Acknowledgement.member_id == Identity.member_id)
        )
        return {identity for (identity,) in rows if identity.startswith("slack:")}


async def test_a_stranger_in_workspace_b_is_refused_politely_and_nothing_is_stored(
    two: tuple[Harness, Installed], slack_standin: SlackStandin
) -> None:
    """Someone of B in no circle's channel: /engage gets the refusal (no form), the Home the polite page,
    in the language of their Slack, with B's token; no identity of theirs is kept."""
    harness, fonda = two
    slack_standin.add_user("U0FONDASAM1", name="sam", real_name="Sam Leroy", locale="en-GB", team_id=FONDA)
    await harness.command("engage", "", user="U0FONDASAM1", channel="C0FONDAELSE", team_id=FONDA)
    assert slack_standin.calls_to("views.open") == []
    assert harness.replies_to("U0FONDASAM1")[-1].startswith("Sorry, I only answer the members")
    await harness.event(recorded("app_home_opened.json") | {"user": "U0FONDASAM1", "tab": "home"}, team_id=FONDA)
    home = slack_standin.home_views["U0FONDASAM1"]
    assert home["team_id"] == FONDA and "Relais serves the members of this community" in str(home["blocks"])
    with harness.store.unit_of_work() as session:
        assert not list(session.scalars(select(Identity).where(Identity.identity.contains("U0FONDASAM1"))))


async def test_a_guests_command_and_reaction_are_theirs_before_any_sync(
    two: tuple[Harness, Installed], slack_standin: SlackStandin
) -> None:
    """A slash command and a ✅ name no user's workspace: Relais asks Slack (with B's token) who Alice
    is before counting, so a guest from A met for the first time in B is Alice of A, not a new person."""
    harness, _fonda = two
    await engage_in_b(harness)
    item = item_message(harness)
    runtime = harness.adapter.runtime
    for people in (runtime.people, await runtime.people_for(FONDA)):
        people.forget(ALICE)
    await harness.command(
        "engage", "Préparer l'atelier d'ici vendredi", user=ALICE, channel=FONDA_CHANNEL, team_id=FONDA
    )
    for people in (runtime.people, await runtime.people_for(FONDA)):
        people.forget(ALICE)
    runtime._homes.clear()  # noqa: SLF001 - as after a restart
    event = reaction_added_event("white_check_mark", user_id=ALICE, item_channel=FONDA_CHANNEL, item_ts=item["ts"])
    await harness.event(event, team_id=FONDA)
    assert acknowledged_by(harness) == {f"slack:{TEAM}/{ALICE}"}
    with harness.store.unit_of_work() as session:
        owners = session.scalars(
            select(Identity.identity).join(Commitment, Commitment.owner_id == Identity.member_id)
        ).all()
        assert f"slack:{TEAM}/{ALICE}" in owners
        assert not session.scalars(select(Identity).where(Identity.identity == f"slack:{FONDA}/{ALICE}")).all()
