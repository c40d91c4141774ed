"""Pure translation of recorded Matrix events (tests/matrix/data/*.json, from a real Synapse).

No homeserver needed: these run in the fast suite too.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from nio import InviteEvent, ReceiptEvent

from adapters.matrix.inbound import (
    Addressing,
    command_line,
    incoming_from_message,
    is_encrypted,
    membership_of,
    reaction_from_event,
    read_receipts,
    redacted_event,
    strip_reply_fallback,
    thread_of,
    timestamp,
    tombstone_replacement,
)
from adapters.matrix.rooms import invite_source

DATA = Path(__file__).parent / "data"
IDS = json.loads((DATA / "ids.json").read_text())
ROOM, BOT, ALICE = IDS["room_id"], IDS["bot"], IDS["alice"]
KNOWN = {"engage", "actions", "update", "help", "who-read"}
ADDRESSING = Addressing(BOT, "!", "Relais", is_command=lambda name: name in KNOWN)


def event(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text())


def test_prefixed_command_becomes_incoming():
    incoming = incoming_from_message(event("command.json"), ROOM, ADDRESSING, direct=False, display_name="Alice")
    assert incoming is not None
    assert incoming.text == "engage Préparer la réunion vendredi"
    assert incoming.identity == f"matrix:{ALICE}" and incoming.channel == f"matrix:{ROOM}"
    assert incoming.event_id == event("command.json")["event_id"]
    assert incoming.thread is None and incoming.direct is False and incoming.display_name == "Alice"
    assert incoming.raw["origin_server_ts"] > 0


def test_reply_fallback_is_stripped_before_parsing():
    incoming = incoming_from_message(event("reply_with_fallback.json"), ROOM, ADDRESSING, direct=False)
    assert incoming is not None and incoming.text == "actions mine"


def test_mention_in_a_thread_is_a_command_answered_in_the_thread():
    raw = event("thread_mention.json")
    incoming = incoming_from_message(raw, ROOM, ADDRESSING, direct=False)
    assert incoming is not None and incoming.text == "engage Envoyer les invitations"
    assert incoming.thread == raw["content"]["m.relates_to"]["event_id"] == thread_of(raw)


def test_an_edited_command_carries_the_event_it_edits():
    raw = event("edit.json")
    incoming = incoming_from_message(raw, ROOM, ADDRESSING, direct=False)
    assert incoming is not None and incoming.text == "engage Autre chose"
    assert incoming.edits == raw["content"]["m.relates_to"]["event_id"] and incoming.event_id == raw["event_id"]
    assert incoming.sent_at == timestamp(raw["origin_server_ts"])  # judged by when it was made (command_edits)
    chat = {**raw, "content": {**raw["content"], "m.new_content": {"body": "Autre chose", "msgtype": "m.text"}}}
    assert incoming_from_message(chat, ROOM, ADDRESSING, direct=False) is None  # an edit of chat stays chat
    broken = {**raw, "content": {**raw["content"], "m.new_content": "!engage X"}}
    assert incoming_from_message(broken, ROOM, ADDRESSING, direct=False) is None


def test_a_mention_anywhere_before_a_known_command():
    pill = {
        "msgtype": "m.text",
        "body": "hey Relais whoami",
        "format": "org.matrix.custom.html",
        "formatted_body": f'hey <a href="https://matrix.to/#/{BOT}">Relais</a> whoami',
        "m.mentions": {"user_ids": [BOT]},
    }
    raw = {**event("chat.json"), "content": pill}
    known = Addressing(BOT, "!", "Relais", is_command=lambda name: name in KNOWN | {"whoami"})
    incoming = incoming_from_message(raw, ROOM, known, direct=False)
    assert incoming is not None and incoming.text == "whoami" and incoming.edits is None
    # the same words without the pill nor m.mentions: a sentence about Relais, not for it
    plain = {**raw, "content": {"msgtype": "m.text", "body": "hey Relais whoami"}}
    assert incoming_from_message(plain, ROOM, known, direct=False) is None
    # the pill shows the name Relais has in that room: that name is the mention
    renamed = {
        **pill,
        "body": "hey Bot du COPIL actions",
        "formatted_body": pill["formatted_body"].replace(">Relais<", ">Bot du COPIL<"),
    }
    incoming = incoming_from_message({**raw, "content": renamed}, ROOM, known, direct=False)
    assert incoming is not None and incoming.text == "actions"


@pytest.mark.parametrize("name", ["chat.json", "bot_notice.json", "encrypted.json", "reaction.json"])
def test_not_for_relais(name):
    assert incoming_from_message(event(name), ROOM, ADDRESSING, direct=False) is None


def test_relais_never_answers_itself():
    own = {**event("command.json"), "sender": BOT}
    assert incoming_from_message(own, ROOM, ADDRESSING, direct=True) is None


def test_chat_in_a_direct_room_is_a_bare_command():
    incoming = incoming_from_message(event("chat.json"), ROOM, ADDRESSING, direct=True)
    assert incoming is not None and incoming.direct and incoming.text.startswith("Bonjour")


@pytest.mark.parametrize(
    ("body", "direct", "expected"),
    [
        ("!engage Faire X", False, "engage Faire X"),
        ("!  engage", False, None),  # a lone prefix followed by a space is not a command
        ("/engage Faire X", False, "/engage Faire X"),
        ("/shrug ¯\\_(ツ)_/¯", False, None),  # another client's command: not ours
        ("/shrug", True, "/shrug"),  # in a direct chat, everything is for Relais
        ("@relais:example.org: actions mine", False, "actions mine"),
        ("@relais actions", False, "actions"),
        ("Relais: !actions", False, "actions"),
        ("relais, aide", False, "aide"),
        ("Relais est super", False, None),  # the name in a sentence is not a command
        ("@relais:example.org", False, "help"),
        ("hey @relais actions mine", False, "actions mine"),
        (f"merci {BOT}, !actions", False, "actions"),
        ("hey @relais tu es là ?", False, None),  # a mention, then chat: not an unknown command
        ("j'ai demandé à @relais hier", False, None),
        ("écris à @relaisbot actions", False, None),  # someone else
        ("Relais actions", False, None),  # a bare name mid-sentence needs a pill (m.mentions)
        ("actions", True, "actions"),
        ("actions", False, None),
        ("   ", True, None),
    ],
)
def test_command_line(body, direct, expected):
    assert command_line(body, ADDRESSING, direct) == expected


def test_configured_prefix():
    dot = Addressing(BOT, "relais!", None)
    assert command_line("relais!engage X", dot, False) == "engage X"
    assert command_line("!engage X", dot, False) is None


def test_strip_reply_fallback():
    assert strip_reply_fallback("> <@a:hs> quoted\n> more\n\n!engage X") == "!engage X"
    assert strip_reply_fallback("!engage X") == "!engage X"


def test_reaction_and_its_redaction():
    reaction = reaction_from_event(event("reaction.json"), ROOM, BOT)
    assert reaction is not None and reaction.key == "✅" and reaction.sender == ALICE
    assert reaction.reacts_to == IDS["item"] and reaction.channel == f"matrix:{ROOM}"
    assert redacted_event(event("redaction.json")) == event("redaction.json")["redacts"]
    # a reaction seen only after its redaction has no content left: nothing to acknowledge
    assert reaction_from_event(event("reaction_redacted.json"), ROOM, BOT) is None
    # room version 11 puts `redacts` in the content only
    v11 = {k: v for k, v in event("redaction.json").items() if k != "redacts"}
    assert redacted_event(v11) == event("redaction.json")["content"]["redacts"]


def test_read_receipts_latest_per_member_main_timeline_only():
    parsed = ReceiptEvent.from_dict(event("receipt.json"))
    reads = read_receipts(parsed.receipts, BOT)
    assert [(r.user_id, r.event_id) for r in reads] == [(ALICE, IDS["item"])]

    class R:
        def __init__(self, user, event_id, ts, thread=None, kind="m.read"):
            self.user_id, self.event_id, self.timestamp, self.thread_id, self.receipt_type = (
                user,
                event_id,
                ts,
                thread,
                kind,
            )

    many = [
        R("@a:hs", "$1", 1),
        R("@a:hs", "$3", 3),
        R("@a:hs", "$2", 2),
        R(BOT, "$9", 9),
        R("@b:hs", "$t", 5, thread="$root"),
        R("@b:hs", "$p", 6, kind="m.read.private"),
        R("@c:hs", "$m", 4, thread="main"),
    ]
    assert {(r.user_id, r.event_id) for r in read_receipts(many, BOT)} == {("@a:hs", "$3"), ("@c:hs", "$m")}


def test_membership_tombstone_encryption_and_invites():
    change = membership_of(event("member_rename.json"))
    assert change is not None and change.user_id == ALICE and change.membership == "join"
    assert change.display_name == event("member_rename.json")["content"]["displayname"] == "Alice Martin"
    assert tombstone_replacement(event("tombstone.json")) == IDS["replacement_room"]
    assert is_encrypted(event("encrypted.json")) and not is_encrypted(event("command.json"))
    invites = [membership_of(invite_source(InviteEvent.parse_event(raw))) for raw in event("invite_state.json")]
    mine = [m for m in invites if m and m.user_id == BOT]
    assert mine and mine[0].membership == "invite" and mine[0].sender == ALICE


def test_timestamp_is_utc():
    assert timestamp(1_795_693_362_661) == datetime(2026, 11, 26, 11, 42, 42, 661000, tzinfo=UTC)


def test_a_command_after_a_pasted_zero_width_space_is_still_a_command():
    """Text copied from a web page may start with U+200B: before, "\u200b!engage …" was taken for chat."""
    assert command_line("\u200b!engage Préparer", ADDRESSING, direct=False) == "engage Préparer"
    assert command_line("\ufeff/actions", ADDRESSING, direct=False) == "/actions"
    assert command_line("\u200b", ADDRESSING, direct=False) is None
