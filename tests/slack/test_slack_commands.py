"""Slash commands through the real adapter, in Socket Mode and HTTP mode (parametrized fixture)."""

from __future__ import annotations

import statistics
import threading
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.config import Config
from bot.db import Store
from bot.models import Commitment, Item, Member, MessageRef, OutboxMessage

from .harness import ACK_LIMIT, ALICE, BOB, FABIENNE, GENERAL, GT, SIGNING_SECRET, UNMAPPED, Harness, identity
from .standin import SlackStandin, form_encode_slash_command, signed_request_headers

PARIS = ZoneInfo("Europe/Paris")


def commitments(harness: Harness) -> list[Commitment]:
    with harness.store.unit_of_work() as session:
        return list(session.scalars(select(Commitment).order_by(Commitment.item_id)))


async def test_engage_is_acknowledged_at_once_stored_and_confirmed(relais_slack: Harness) -> None:
    answer = await relais_slack.command("engage", "Envoyer le compte rendu aux partenaires d'ici vendredi")
    assert answer.status == 200 and answer.seconds < ACK_LIMIT
    assert answer.payload in (None, "")  # an empty ack: the confirmation comes ephemeral

    (saved,) = commitments(relais_slack)
    assert saved.title == "Envoyer le compte rendu aux partenaires"
    assert saved.due_at is not None and saved.due_at.astimezone(PARIS).date().isoformat() == "2026-11-27"
    with relais_slack.store.unit_of_work() as session:
        owner = session.get_one(Member, saved.owner_id)
        assert owner.display_name == "Alice Martin"  # from users.info, on first contact
    (confirmation,) = relais_slack.replies_to(ALICE)
    assert "Engagement #1 enregistré" in confirmation and "vendredi 27 novembre 2026" in confirmation
    assert relais_slack.posts_in(GENERAL) == []  # a confirmation is not posted in the channel
    (post,) = relais_slack.standin.response_posts
    assert post.params["response_type"] == "ephemeral"


async def test_update_posts_the_item_in_the_channel_with_a_button_and_metadata(relais_slack: Harness) -> None:
    await relais_slack.command("engage", "Réserver la salle")
    await relais_slack.command("update", "#1 Salle réservée 50%")
    (message,) = relais_slack.posts_in(GENERAL)
    assert "#2" in message["text"] and "Salle réservée" in message["text"]
    button = message["blocks"][-1]["elements"][0]
    assert button["action_id"] == "relais_ack" and button["value"] == "2" and button["text"]["text"] == "✅ Lu"
    with relais_slack.store.unit_of_work() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.item_id.is_not(None))).one()
        assert message["metadata"] == {"event_type": "relais_outbox", "event_payload": {"outbox_id": row.id}}
        assert row.status == "sent" and row.message_id == message["ts"]
        ref = session.scalars(select(MessageRef)).one()  # a ✅ on this message maps back to item #2
        assert (ref.channel, ref.message_id) == (f"slack:T0RELAIS01/{GENERAL}", message["ts"])
    assert any("Point d’étape #2" in text or "#2" in text for text in relais_slack.replies_to(ALICE))


async def test_done_actions_and_the_umbrella_command(relais_slack: Harness) -> None:
    await relais_slack.command("relais", "engage Préparer le COPIL demain 14h")
    await relais_slack.command("relais", "engager Relancer la mairie", channel=GT)
    await relais_slack.command("actions")
    listing = relais_slack.replies_to(ALICE)[-1]
    assert "2 engagements" in listing and "Préparer le COPIL" in listing and "GT Mobilité" in listing
    await relais_slack.command("done", "#1 c'est fait")
    assert "#1" in relais_slack.replies_to(ALICE)[-1] and "fait" in relais_slack.replies_to(ALICE)[-1]
    assert [c.status for c in commitments(relais_slack)] == ["done", "open"]
    await relais_slack.command("relais", "")
    assert "/engage" in relais_slack.replies_to(ALICE)[-1]  # bare /relais shows the help


async def test_unknown_command_and_bad_input_get_a_clear_answer(relais_slack: Harness) -> None:
    await relais_slack.command("relais", "engag Quelque chose")
    said = relais_slack.replies_to(ALICE)[-1]
    assert "Vouliez-vous dire" in said and "/relais engager" in said  # the French name, to a French speaker
    await relais_slack.command("relais", "shedule")
    said = relais_slack.replies_to(ALICE)[-1]
    # named as a French speaker can type it on Slack, whose slash commands are the English names
    assert "/relais programme" in said and "/schedule" not in said and "/relais aide liste les commandes" in said
    await relais_slack.command("done", "#99")
    assert "#99" in relais_slack.replies_to(ALICE)[-1]
    await relais_slack.command("engage", "Faire X d'ici le 45 truc")
    assert commitments(relais_slack)[0].due_at is None  # saved, with the not-understood date said


async def test_read_commands_and_info(relais_slack: Harness) -> None:
    await relais_slack.command("info", "Le prochain COPIL a lieu en mairie", user=FABIENNE)
    (announcement,) = relais_slack.posts_in(GENERAL)
    assert "#1" in announcement["text"]
    await relais_slack.command("unread", user=ALICE)
    assert "#1" in relais_slack.replies_to(ALICE)[-1]
    await relais_slack.command("read", "#1", user=ALICE)
    await relais_slack.command("unread", user=ALICE)
    assert "rien" in relais_slack.replies_to(ALICE)[-1].lower() or "jour" in relais_slack.replies_to(ALICE)[-1]
    await relais_slack.command("level", user=FABIENNE)
    assert relais_slack.standin.response_posts[-1].params["text"]


async def test_a_command_in_a_channel_the_bot_is_not_in_is_answered_by_dm_without_response_url(
    relais_slack: Harness,
) -> None:
    """A circle's channel Relais was removed from: Slack refuses the ephemeral, the answer comes by DM."""
    relais_slack.adapter.runtime.response_urls.remember = lambda *args: None  # type: ignore[method-assign]
    relais_slack.standin.fail("chat.postEphemeral", "not_in_channel")
    await relais_slack.command("engage", "Tester le repli", channel=GT)
    dm = relais_slack.standin.dm_channels[(ALICE,)]
    (message,) = relais_slack.posts_in(dm)
    assert "Tester le repli" in message["text"]


async def test_member_mention_sets_the_organisation_of_that_slack_user(relais_slack: Harness) -> None:
    await relais_slack.command("relais", f"member <@{BOB}|bob> org Mairie de Corbeil", user=FABIENNE)
    assert "Mairie de Corbeil" in relais_slack.replies_to(FABIENNE)[-1]
    with relais_slack.store.unit_of_work() as session:
        bob = relais_slack.dispatcher.member(session, identity(BOB))
        assert bob.organisation is not None and bob.organisation.name == "Mairie de Corbeil"
        assert bob.display_name == "Bob"
    await relais_slack.command("relais", f"member <@{BOB}|bob> role facilitator", user=ALICE)
    assert "animation" in relais_slack.replies_to(ALICE)[-1].lower()  # only a facilitator can do this


async def test_channel_mention_and_entities_in_commands(relais_slack: Harness) -> None:
    await relais_slack.command("engage", "Préparer l'atelier &amp; la salle")
    await relais_slack.command("actions", f"<#{GT}|gt-mobilite>")
    assert "Aucun engagement" in relais_slack.replies_to(ALICE)[-1]
    assert commitments(relais_slack)[0].title == "Préparer l'atelier & la salle"
    with relais_slack.store.unit_of_work() as session:
        assert session.scalars(select(Item)).one().text == "Préparer l'atelier & la salle"


async def test_the_ack_comes_before_the_work(relais_slack: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Slack is answered while the core is still busy (here: held until the ack has arrived)."""
    release = threading.Event()
    handle = relais_slack.dispatcher.handle

    def held(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(10), "the ack never arrived"
        return handle(*args, **kwargs)

    monkeypatch.setattr(relais_slack.dispatcher, "handle", held)
    payload = relais_slack.standin.slash_command("/engage", "Préparer le forum")
    if relais_slack.mode == "socket":
        envelope = await relais_slack.standin.socket_send("slash_commands", payload)
        ack = await relais_slack.standin.wait_ack(envelope)
        assert ack["elapsed"] < ACK_LIMIT
    else:
        raw = form_encode_slash_command(payload)
        answer = await relais_slack.post(raw, signed_request_headers(raw, SIGNING_SECRET))
        assert answer.status == 200 and answer.seconds < ACK_LIMIT
    assert commitments(relais_slack) == []  # acknowledged, not yet done
    release.set()
    await relais_slack.adapter.runtime.wait_completed(1)
    await relais_slack.settle()
    assert [c.title for c in commitments(relais_slack)] == ["Préparer le forum"]


async def test_ack_times(relais_slack: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    seconds = [(await relais_slack.command("engage", f"Action {n} d'ici vendredi")).seconds for n in range(20)]
    seconds += [(await relais_slack.command("actions")).seconds for _ in range(5)]
    assert max(seconds) < ACK_LIMIT and len(commitments(relais_slack)) == 20
    with capsys.disabled():
        print(
            f"\n[{relais_slack.mode}] slash command ack over {len(seconds)} commands: "
            f"median {statistics.median(seconds) * 1000:.1f} ms, max {max(seconds) * 1000:.1f} ms"
        )


async def test_facilitators_and_channels_from_the_slack_section(
    slack_standin: SlackStandin, store: Store, clock: FixedClock, config: Config
) -> None:
    harness = Harness(
        "socket", slack_standin, store, clock, config, facilitators=(BOB,), channels={UNMAPPED: "GT Mobilité"}
    )
    await harness.start()
    try:
        await harness.command("level", user=BOB)
        assert "Seule l’animation" not in harness.replies_to(BOB)[-1]
        await harness.command("info", "Atelier vélo samedi", user=BOB, channel=UNMAPPED)
        assert "GT Mobilité" in harness.replies_to(BOB)[-1]
        assert [len(harness.posts_in(channel)) for channel in (UNMAPPED, GT, GENERAL)] == [1, 1, 0]
        with harness.store.unit_of_work() as session:
            assert harness.dispatcher.member(session, identity(BOB)).display_name == "Bob"
    finally:
        await harness.stop()


async def test_commands_are_named_as_the_reader_can_type_them_on_slack(relais_slack: Harness) -> None:
    """Slack knows only the English slash commands: a French speaker is told /relais lu, an English one /read;
    what a member wrote is repeated as they wrote it."""
    await relais_slack.command("relais", "lou")
    said = relais_slack.replies_to(ALICE)[-1]
    assert "/relais lu" in said and " /lu" not in said and "/relais aide liste les commandes" in said
    await relais_slack.command("relais", "lu n'importe quoi")  # a usage line
    said = relais_slack.replies_to(ALICE)[-1]
    assert "Utilisation\u00a0: /relais lu #N" in said, said
    await relais_slack.command("read", "n'importe quoi")  # under the name typed, a slash command of its own
    assert "Utilisation\u00a0: /read #N" in relais_slack.replies_to(ALICE)[-1]
    await relais_slack.command("engage", "Relire /lu et /aide d'ici vendredi")
    said = relais_slack.replies_to(ALICE)[-1]
    assert "Relire /lu et /aide" in said and "/relais lu et" not in said  # the member's words, untouched

    await relais_slack.command("lang", "en", user=BOB)
    await relais_slack.command("relais", "lou", user=BOB)
    said = relais_slack.replies_to(BOB)[-1]
    assert "I do not know the command /relais lou." in said  # as she typed it
    assert "Did you mean: /read?" in said and "/relais read" not in said and "/help lists the commands" in said
    await relais_slack.command("read", "whatever", user=BOB)
    assert "Usage: /read #N" in relais_slack.replies_to(BOB)[-1]
