"""Membership comes from Slack: communities start with people already in their channels.

The COPIL channel holds Alice, Bob and Camille, who never typed anything, plus a bot, Slackbot and
Relais itself; #random is linked to no circle. Relais starts, reads the channels, and from then on
follows joins and leaves. Strangers get a polite refusal and nothing is stored for them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.config import Config
from bot.db import Store
from bot.models import Acknowledgement, Circle, CircleMember, Identity, Member

from .harness import ALICE, BOB, FABIENNE, GENERAL, GT, MODES, UNMAPPED, Harness, identity
from .standin import SLACKBOT, SlackStandin, app_home_opened_event, message_event, reaction_added_event

CAMILLE = "U0CAMILLE01"
DANIEL = "U0DANIEL001"  # joins later; his Slack is in English
ERIC = "U0ERIC00001"  # only in #random
SAM = "U0SAM000001"  # only in #random: a stranger until #random is linked; his Slack is in English
AGENDA_BOT = "U0AGENDABOT"
OTHER_BOT = "U0OTHERBOT1"
WORKFLOW = "U0WORKFLOW1"  # an app user


@pytest_asyncio.fixture(params=MODES)
async def community(
    request: pytest.FixtureRequest, slack_standin: SlackStandin, store: Store, clock: FixedClock, config: Config
) -> AsyncIterator[Harness]:
    standin = slack_standin
    harness = Harness(request.param, standin, store, clock, config)
    standin.add_user(CAMILLE, name="camille", real_name="Camille Petit", locale="fr-FR")
    standin.add_user(DANIEL, name="daniel", real_name="Daniel Green", locale="en-GB")
    standin.add_user(ERIC, name="eric", real_name="Éric Blanc", locale="fr-FR")
    standin.add_user(SAM, name="sam", real_name="Sam Taylor", locale="en-US")
    standin.add_user(AGENDA_BOT, name="agenda", real_name="Agenda", is_bot=True, bot_id="B0AGENDA01")
    standin.add_user(OTHER_BOT, name="polly", real_name="Polly", is_bot=True, bot_id="B0POLLY001")
    standin.add_user(WORKFLOW, name="workflow", real_name="Workflow", is_app_user=True)
    standin.set_members(GENERAL, [ALICE, BOB, CAMILLE, standin.bot_user_id, AGENDA_BOT, SLACKBOT])
    standin.set_members(GT, [FABIENNE, standin.bot_user_id])
    standin.add_channel(UNMAPPED, name="random", members=[FABIENNE, ERIC, SAM, WORKFLOW, standin.bot_user_id])
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


def circle_members(harness: Harness, slug: str = "copil") -> set[str]:
    with harness.store.unit_of_work() as session:
        rows = session.scalars(
            select(Member.display_name)
            .join(CircleMember, CircleMember.member_id == Member.id)
            .join(Circle, Circle.id == CircleMember.circle_id)
            .where(Circle.slug == slug, CircleMember.left_at.is_(None))
        )
        return set(rows)


def known(harness: Harness, user: str) -> bool:
    with harness.store.unit_of_work() as session:
        return session.scalar(select(Identity.id).where(Identity.identity == identity(user))) is not None


def last_reply(harness: Harness, user: str = ALICE) -> str:
    return harness.replies_to(user)[-1]


async def test_people_who_never_typed_are_the_audience(community: Harness) -> None:
    harness = community
    assert circle_members(harness) == {"Alice Martin", "Bob", "Camille Petit"}  # no bot, no Slackbot, no Relais
    assert circle_members(harness, "gt-mobilite") == {"Fabienne Roux"}

    await harness.command("info", "Le COPIL de décembre se tient en mairie, salle 2")
    assert "Annonce #1 publiée dans COPIL\u00a0: 2 membres doivent la lire." in last_reply(harness)
    await harness.command("relais", "who-read #1")
    listing = last_reply(harness)
    assert "0 sur 2 confirmés" in listing and "⏳ Bob" in listing and "⏳ Camille Petit" in listing
    assert "Agenda" not in listing and "Slackbot" not in listing and "Alice" not in listing

    (message,) = harness.posts_in(GENERAL)
    click = harness.standin.block_actions("relais_ack", "1", user_id=BOB, channel_id=GENERAL, message=message)
    await harness.interactive(click)
    assert last_reply(harness, BOB) == "Merci, lecture confirmée\u00a0: #1."
    await harness.event(reaction_added_event("white_check_mark", CAMILLE, GENERAL, message["ts"]))
    await harness.command("relais", "who-read #1")
    assert "2 sur 2 confirmés" in last_reply(harness)


async def test_joins_and_leaves_follow_the_channel(community: Harness) -> None:
    harness = community
    await harness.command("info", "Première annonce")
    await harness.event(harness.standin.leave_channel(GENERAL, CAMILLE))
    assert circle_members(harness) == {"Alice Martin", "Bob"}
    await harness.command("info", "Deuxième annonce")
    assert "Annonce #2 publiée dans COPIL\u00a0: 1 membre doit la lire." in last_reply(harness)
    await harness.command("relais", "who-read #2")
    assert "Camille" not in last_reply(harness) and "⏳ Bob" in last_reply(harness)
    await harness.command("relais", "who-read #1")
    assert "⏳ Camille Petit" in last_reply(harness)  # she was there when #1 was posted

    joined = harness.standin.join_channel(GENERAL, DANIEL, inviter=ALICE)
    await harness.event(joined, event_id="Ev0DANIEL001")
    await harness.event(joined, event_id="Ev0DANIEL001", retry=1)  # Slack's retry changes nothing
    await harness.event(harness.standin.join_channel(GENERAL, OTHER_BOT, inviter=ALICE))  # a bot is no member
    assert circle_members(harness) == {"Alice Martin", "Bob", "Daniel Green"}
    await harness.command("info", "Troisième annonce")
    assert "Annonce #3 publiée dans COPIL\u00a0: 2 membres doivent la lire." in last_reply(harness)
    await harness.command("relais", "who-read #3")
    assert "⏳ Daniel Green" in last_reply(harness) and "Polly" not in last_reply(harness)
    await harness.command("relais", "whoami", user=DANIEL)
    assert "You are Daniel Green" in last_reply(harness, DANIEL)  # the language of his Slack

    await harness.event(harness.standin.join_channel(GENERAL, CAMILLE))  # coming back
    assert "Camille Petit" in circle_members(harness)


async def test_a_stranger_is_refused_and_nothing_is_stored(community: Harness) -> None:
    harness = community
    await harness.command("info", "Une annonce pour le COPIL")
    (message,) = harness.posts_in(GENERAL)
    dm = harness.standin.dm_channel_for(SAM)

    await harness.command("actions", user=SAM, channel=dm)
    assert last_reply(harness, SAM).startswith("Sorry, I only answer the members of this community")
    await harness.command("engage", "Organiser un atelier", user=SAM, channel=UNMAPPED)
    assert last_reply(harness, SAM).startswith("Sorry, I only answer the members")
    await harness.command("engage", "", user=SAM, channel=UNMAPPED)  # no modal for a stranger
    assert harness.standin.calls_to("views.open") == []
    assert last_reply(harness, SAM).startswith("Sorry, I only answer the members")
    await harness.event(message_event("engage Organiser un atelier", SAM, dm))
    assert last_reply(harness, SAM).startswith("Sorry, I only answer the members")

    await harness.event(app_home_opened_event(SAM))
    home = str(harness.standin.home_views[SAM]["blocks"])
    assert "Relais serves the members of this community of action" in home and "COPIL" not in home

    answered = len(harness.replies_to(SAM))
    # someone previewing a public channel can react and click there: it does not count
    await harness.event(reaction_added_event("white_check_mark", SAM, GENERAL, message["ts"]))
    click = harness.standin.block_actions("relais_ack", "1", user_id=SAM, channel_id=GENERAL, message=message)
    await harness.interactive(click)
    home_click = harness.standin.block_actions("relais_ack", "1", user_id=SAM, view=harness.standin.home_views[SAM])
    await harness.interactive(home_click)
    assert len(harness.replies_to(SAM)) == answered  # not even a "thank you"
    assert harness.count(Acknowledgement) == 0
    assert not known(harness, SAM)  # nothing stored: no member, no identity
    assert "Sam Taylor" not in circle_members(harness)


async def test_a_channel_linked_to_no_circle_says_so(community: Harness) -> None:
    harness = community
    await harness.command("actions", channel=UNMAPPED)
    assert "Ce salon n’est rattaché à aucune instance" in last_reply(harness)
    assert harness.standin.response_posts[-1].params["response_type"] == "ephemeral"
    await harness.command("engage", "", channel=UNMAPPED)  # no modal either
    assert harness.standin.calls_to("views.open") == []
    assert "Ce salon n’est rattaché à aucune instance" in last_reply(harness)
    await harness.command("engage", "")  # in the COPIL channel the modal opens
    assert len(harness.standin.calls_to("views.open")) == 1


async def test_a_facilitator_links_a_channel_and_its_members_are_read(community: Harness) -> None:
    harness = community
    harness.standin.reset()
    await harness.command("relais", "map COPIL", user=FABIENNE, channel=UNMAPPED)
    assert "Ce salon est maintenant rattaché à COPIL" in last_reply(harness, FABIENNE)
    (read,) = harness.standin.calls_to("conversations.members")
    assert read.params["channel"] == UNMAPPED
    assert circle_members(harness) == {
        "Alice Martin",
        "Bob",
        "Camille Petit",
        "Fabienne Roux",
        "Éric Blanc",
        "Sam Taylor",
    }
    await harness.command("info", "Annonce après le rattachement")
    assert "5 membres doivent la lire" in last_reply(harness)
    await harness.command("actions", user=ERIC, channel=UNMAPPED)  # Éric never typed before: now a member
    assert "Ce salon n’est rattaché" not in last_reply(harness, ERIC)


async def test_a_big_channel_is_read_page_by_page(
    slack_standin: SlackStandin, store: Store, clock: FixedClock, config: Config
) -> None:
    standin = slack_standin
    harness = Harness("socket", standin, store, clock, config)
    people = [f"U0MEMBER{n:03d}" for n in range(250)]
    for user in people:
        standin.add_user(user, real_name=f"Membre {user[-3:]}", locale="fr-FR")
    standin.set_members(GENERAL, [ALICE, *people, standin.bot_user_id])
    await harness.start()
    try:
        pages = [call for call in standin.calls_to("conversations.members") if call.params["channel"] == GENERAL]
        assert len(pages) == 2 and pages[1].params["cursor"]  # 252 user ids, 200 per page
        assert len(standin.calls_to("users.list")) >= 1 and len(standin.calls_to("users.info")) < 10
        with harness.store.unit_of_work() as session:
            copil = session.scalars(select(Circle.id).where(Circle.slug == "copil")).one()
            count = session.scalar(
                select(func.count()).where(CircleMember.circle_id == copil, CircleMember.left_at.is_(None))
            )
        assert count == 251
        await harness.command("info", "Bienvenue à toutes et à tous")
        assert "250 membres doivent la lire" in harness.replies_to(ALICE)[-1]
    finally:
        await harness.stop()


async def test_a_private_channel_is_read_once_relais_is_invited(
    slack_standin: SlackStandin, store: Store, clock: FixedClock, config: Config
) -> None:
    standin = slack_standin
    bureau = "G0BUREAU001"
    standin.add_user(CAMILLE, name="camille", real_name="Camille Petit", locale="fr-FR")
    standin.add_channel(bureau, name="bureau", is_private=True, is_member=False, members=[ALICE, CAMILLE])
    harness = Harness("socket", standin, store, clock, config, channels={bureau: "Bureau"})
    await harness.start()  # Slack answers channel_not_found for a private channel Relais is not in
    try:
        assert circle_members(harness, "bureau") == set()
        await harness.event(standin.join_channel(bureau, standin.bot_user_id, inviter=ALICE))
        assert circle_members(harness, "bureau") == {"Alice Martin", "Camille Petit"}
    finally:
        await harness.stop()


async def test_a_mention_creates_nobody_unless_a_facilitator_names_them(community: Harness) -> None:
    harness = community
    harness.standin.add_user("U0NEWBIE001", name="newbie", real_name="Nina Nouvelle", locale="fr-FR")
    await harness.command("actions", "<@U0NEWBIE001|newbie>")
    assert not known(harness, "U0NEWBIE001")  # a partner's mention stores nothing
    await harness.command("relais", "member <@U0NEWBIE001|newbie> org Mairie", user=FABIENNE)
    assert known(harness, "U0NEWBIE001") and "Mairie" in last_reply(harness, FABIENNE)
