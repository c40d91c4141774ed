"""What reaches the bot's Messages tab, in the shapes Slack documents for the message event's subtypes
(api.slack.com/events/message/*): a person's line with a file attached (file_share) or sent to the
conversation from a thread (thread_broadcast) is a command like any other line; an edit
(message_changed) is understood as on Matrix (an edited engage changes its commitment, once; other
commands are not run again), a link unfurled is no edit; a deletion (message_deleted), another bot's
message (bot_message) and Relais' own messages run nothing and answer nothing: no command runs twice,
no bot talks with Relais in a loop."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.models import Commitment, ProcessedEvent

from .harness import ALICE, SIGNING_SECRET, Harness
from .standin import json_encode_event, message_event, signed_request_headers


def file_share(text: str, user: str, dm: str) -> dict[str, Any]:
    file = {"id": "F0RAPPORT01", "name": "rapport.pdf", "title": "rapport.pdf", "mimetype": "application/pdf",
            "filetype": "pdf", "pretty_type": "PDF", "user": user, "size": 48213, "mode": "hosted"}  # fmt: skip
    return {**message_event(text, user, dm), "subtype": "file_share", "files": [file], "upload": False,
            "display_as_bot": False}  # fmt: skip


async def unheard(harness: Harness, event: dict[str, Any]) -> None:
    """An event Bolt acknowledges and drops before any listener (its own messages: Bolt's self-event filter)."""
    body = harness.standin.event_callback(event)
    if harness.mode == "socket":
        await harness.standin.wait_ack(await harness.standin.socket_send("events_api", body))
    else:
        raw = json_encode_event(body)
        assert (await harness.post(raw, signed_request_headers(raw, SIGNING_SECRET))).status == 200
    await harness.settle()


async def test_a_line_with_a_file_attached_is_a_command(relais_slack: Harness) -> None:
    dm = relais_slack.standin.dm_channel_for(ALICE)
    await relais_slack.event(file_share("engage Relire le rapport joint", ALICE, dm))
    with relais_slack.store.unit_of_work() as session:
        assert [c.title for c in session.scalars(select(Commitment))] == ["Relire le rapport joint"]
    (answer,) = relais_slack.posts_in(dm)
    assert "Engagement #1 enregistré" in answer["text"]


async def test_a_line_sent_from_a_thread_to_the_conversation_is_a_command(relais_slack: Harness) -> None:
    dm = relais_slack.standin.dm_channel_for(ALICE)
    root = message_event("une question", ALICE, dm)
    line = {**message_event("unread", ALICE, dm, thread_ts=root["ts"]), "subtype": "thread_broadcast",
            "root": {**root, "reply_count": 1, "latest_reply": root["ts"]}}  # fmt: skip
    await relais_slack.event(line)
    assert len(relais_slack.posts_in(dm)) == 1  # the answer to /unread


def changed(first: dict[str, Any], text: str, ts: str, *, by: str | None = None) -> dict[str, Any]:
    """message_changed as Slack sends it: the message as it is now, and as it was."""
    dm = first["channel"]
    edited = {"user": by or first["user"], "ts": ts} if text != first["text"] else None
    kept = {key: value for key, value in first.items() if key != "blocks"}  # as in Slack's own example
    message = {**kept, "text": text} | ({"edited": edited} if edited else {})
    return {"type": "message", "subtype": "message_changed", "hidden": True, "channel": dm, "channel_type": "im",
            "ts": ts, "event_ts": ts, "message": message, "previous_message": first}  # fmt: skip


async def test_an_edited_engage_changes_its_commitment_once_and_an_unfurl_is_no_edit(relais_slack: Harness) -> None:
    dm = relais_slack.standin.dm_channel_for(ALICE)
    first = message_event("engage Appeler la préfecture", ALICE, dm)
    await relais_slack.event(first)
    await relais_slack.event(changed(first, first["text"], "1800000000.000100"))  # Slack unfurled something
    assert len(relais_slack.posts_in(dm)) == 1  # no answer to that
    edit = changed(first, "engage Appeler la préfecture vendredi 4 décembre", "1800000000.000200")
    for retry in range(2):  # Slack sends it again: applied once
        await relais_slack.event(edit, event_id="Ev0EDIT00001", retry=retry)
    with relais_slack.store.unit_of_work() as session:
        (commitment,) = session.scalars(select(Commitment))
        assert commitment.title == "Appeler la préfecture" and commitment.due_at is not None
    answers = [message["text"] for message in relais_slack.posts_in(dm)]
    assert len(answers) == 2 and "vendredi 4 décembre 2026" in answers[1]  # echoed back absolute, in French

    await relais_slack.event(changed(first := message_event("unread", ALICE, dm), "unread?", "1800000000.000300"))
    assert len(relais_slack.posts_in(dm)) == 2  # "unread" was never answered in this conversation: not a command
    await relais_slack.event(first)
    await relais_slack.event(changed(first, "actions", "1800000000.000400"))
    assert "je ne relance pas une commande modifiée" in relais_slack.posts_in(dm)[-1]["text"].lower()


async def test_deletions_bots_and_relais_own_messages_run_nothing_and_get_no_answer(relais_slack: Harness) -> None:
    standin = relais_slack.standin
    dm = standin.dm_channel_for(ALICE)
    first = message_event("engage Appeler la préfecture", ALICE, dm)
    await relais_slack.event(first)
    (answer,) = relais_slack.posts_in(dm)
    deleted = {
        "type": "message", "subtype": "message_deleted", "hidden": True, "channel": dm, "channel_type": "im",
        "ts": "1800000000.000300", "event_ts": "1800000000.000300", "deleted_ts": first["ts"],
        "previous_message": first,
    }  # fmt: skip
    other_bot = {
        "type": "message", "subtype": "bot_message", "text": "engage Spam", "bot_id": "B0POLLY001",
        "username": "Polly", "icons": {}, "channel": dm, "channel_type": "im",
        "ts": "1800000000.000400", "event_ts": "1800000000.000400",
    }  # fmt: skip
    own = {  # Relais' own answer, as Slack echoes it to the app
        "type": "message", "user": standin.bot_user_id, "bot_id": "B0RELAISBOT", "app_id": "A0RELAIS01",
        "text": answer["text"], "channel": dm, "channel_type": "im", "ts": answer["ts"], "event_ts": answer["ts"],
        "team": "T0RELAIS01", "bot_profile": {"id": "B0RELAISBOT", "name": "Relais", "deleted": False},
    }  # fmt: skip
    own_card_updated = changed(own, "engage Spam", "1800000000.000500")  # Relais' card updated in place
    for event in (deleted, other_bot):
        await relais_slack.event(event)
    await unheard(relais_slack, own)
    await unheard(relais_slack, own_card_updated)
    assert relais_slack.count(Commitment) == 1
    assert len(relais_slack.posts_in(dm)) == 1  # no answer to anything but the first line
    with relais_slack.store.unit_of_work() as session:
        assert len(list(session.scalars(select(ProcessedEvent)))) == 1  # the ignored events are not even kept
