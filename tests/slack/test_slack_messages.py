"""What reaches the bot's Messages tab, in the shapes Slack documents for the message event's subtypes
(api.slack.com/events/message/*): a person's line with a file attached (file_share) or sent to the
conversation from a thread (thread_broadcast) is a command like any other line; an edit
(message_changed), a deletion (message_deleted), another bot's message (bot_message) and Relais' own
messages run nothing and answer nothing: no command runs twice, no bot talks with Relais in a loop."""

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


async def test_edits_deletions_and_bots_run_nothing_and_get_no_answer(relais_slack: Harness) -> None:
    standin = relais_slack.standin
    dm = standin.dm_channel_for(ALICE)
    first = message_event("engage Appeler la préfecture", ALICE, dm)
    await relais_slack.event(first)
    assert relais_slack.count(Commitment) == 1
    (answer,) = relais_slack.posts_in(dm)
    edited = {**first["blocks"][0]}
    changed = {
        "type": "message", "subtype": "message_changed", "hidden": True, "channel": dm, "channel_type": "im",
        "ts": "1800000000.000200", "event_ts": "1800000000.000200",
        "message": {**first, "text": "engage Appeler la préfecture lundi", "blocks": [edited],
                    "edited": {"user": ALICE, "ts": "1800000000.000200"}},
        "previous_message": first,
    }  # fmt: skip
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
    for event in (changed, deleted, other_bot):
        await relais_slack.event(event)
    await unheard(relais_slack, own)
    assert relais_slack.count(Commitment) == 1  # the edit did not run the command again
    assert len(relais_slack.posts_in(dm)) == 1  # no answer to anything but the first line
    with relais_slack.store.unit_of_work() as session:
        assert len(list(session.scalars(select(ProcessedEvent)))) == 1  # the ignored events are not even kept
