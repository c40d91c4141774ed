"""Pure translation of Matrix events (their JSON `source`) into what the core understands.

No I/O here: every function takes an event dictionary (nio keeps it as `event.source`) or
nio's parsed receipts, and returns an Incoming, a reaction, a receipt watermark… or None.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from typing import Any, Protocol

from bot.reply import Incoming
from bot.text import INVISIBLE

SLASH = "/"


def channel_of(room_id: str) -> str:
    return f"matrix:{room_id}"


def room_of(channel: str) -> str:
    return channel.removeprefix("matrix:")


def identity_of(user_id: str) -> str:
    return f"matrix:{user_id}"


def user_of(identity: str) -> str:
    return identity.removeprefix("matrix:")


def timestamp(ms: int | float) -> datetime:
    """A Matrix `origin_server_ts` (ms since the epoch) as a UTC datetime."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


@dataclass(frozen=True)
class Addressing:
    """How a message says it is for Relais."""

    bot_user_id: str
    prefix: str = "!"
    display_name: str | None = None
    is_command: Callable[[str], bool] = lambda name: True

    def names(self) -> list[str]:
        localpart = self.bot_user_id.partition(":")[0].lstrip("@")
        names = [self.bot_user_id, "@" + localpart, localpart]
        if self.display_name:
            names += ["@" + self.display_name, self.display_name]
        return sorted({name for name in names if name}, key=len, reverse=True)


def _content(event: dict[str, Any]) -> dict[str, Any]:
    content = event.get("content")
    return content if isinstance(content, dict) else {}


def _relation(content: dict[str, Any]) -> dict[str, Any]:
    relation = content.get("m.relates_to")
    return relation if isinstance(relation, dict) else {}


def strip_reply_fallback(body: str) -> str:
    """Drop the `> <@someone> quoted text` lines a client puts before a rich reply."""
    lines = body.split("\n")
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    if index == 0:
        return body
    if index < len(lines) and not lines[index].strip():
        index += 1
    return "\n".join(lines[index:])


def thread_of(event: dict[str, Any]) -> str | None:
    """The thread root when the event was sent in a thread."""
    relation = _relation(_content(event))
    if relation.get("rel_type") == "m.thread" and isinstance(relation.get("event_id"), str):
        return relation["event_id"]
    return None


def _first_word(text: str) -> str:
    return text.strip().split(None, 1)[0].lstrip(SLASH).lower() if text.strip() else ""


def command_line(
    body: str, addressing: Addressing, direct: bool, mentioned: bool = False, pills: tuple[str, ...] = ()
) -> str | None:
    """The command line a message carries for Relais, or None when it is not for Relais.

    `!engage …` (the configured prefix), `/engage …` typed as text (a known command, or any
    in a direct chat), `@relais: engage …` (a mention at the start), a mention anywhere followed by
    a known command (`hey @relais whoami`; see mentioned_command), and a bare `engage …` in a
    direct chat with Relais. `mentioned`: the event says it mentions Relais (m.mentions, a pill);
    `pills`: the texts its pills to Relais show (a room's own display name for it).
    """
    text = body.strip().lstrip(INVISIBLE).strip()  # a zero-width space pasted before `!engage`
    if not text:
        return None
    prefix = addressing.prefix
    if text.startswith(prefix) and len(text) > len(prefix) and not text[len(prefix)].isspace():
        return text[len(prefix) :]
    if text.startswith(SLASH) and len(text) > 1:
        return text if direct or addressing.is_command(_first_word(text)) else None
    for name in addressing.names():
        # `@relais engage`, `@relais: engage`, `Relais: engage` (a pill); a bare name needs : or ,
        separator = r"(?:[:,]|\s)" if name.startswith("@") else r"[:,]"
        match = re.match(re.escape(name) + separator + r"\s*(.*)$", text, flags=re.IGNORECASE | re.DOTALL)
        if match:
            return _without_prefix(match.group(1).strip(), prefix) or "help"
        if name.startswith("@") and text.lower() == name.lower():
            return "help"
    if direct:
        return text
    return mentioned_command(text, addressing, mentioned, pills)


def _without_prefix(rest: str, prefix: str) -> str:
    if rest.startswith(prefix) and not rest.startswith(SLASH):
        return rest[len(prefix) :]
    return rest


def mentioned_command(text: str, addressing: Addressing, mentioned: bool, pills: tuple[str, ...] = ()) -> str | None:
    """`hey @relais whoami`: the words after a mention of Relais anywhere, when they start with a known
    command; else None (a sentence that merely names Relais is chat, not an unknown command).

    An `@` name (user id, `@relais`, `@Display name`) counts anywhere; a bare name (`Relais`, as
    Element writes a pill in `body`) only when the event says it mentions Relais.
    """
    names = sorted({*addressing.names(), *pills}, key=len, reverse=True)
    for name in names:
        if not name.startswith("@") and not mentioned:
            continue
        pattern = r"(?<![\w@])" + re.escape(name) + r"(?![\w:.-]*\w)[:,]?\s+(.+)$"
        for match in re.finditer(pattern, text, flags=re.IGNORECASE | re.DOTALL):
            rest = _without_prefix(match.group(1).strip(), addressing.prefix)
            if rest and addressing.is_command(_first_word(rest)):
                return rest
    return None


def mentions_relais(content: dict[str, Any], bot_user_id: str) -> tuple[bool, tuple[str, ...]]:
    """Whether the event says it mentions Relais (`m.mentions.user_ids`, or a pill: a matrix.to link
    in its HTML), and the texts of its pills to Relais (what `body` shows for them)."""
    mentions = content.get("m.mentions")
    listed = isinstance(mentions, dict) and bot_user_id in (mentions.get("user_ids") or [])
    html = content.get("formatted_body")
    if not isinstance(html, str) or "matrix.to/#/" not in html:
        return listed, ()
    link = r"<a\s[^>]*href=[\"']https://matrix\.to/#/" + re.escape(bot_user_id) + r"[\"'][^>]*>([^<]{1,100})</a>"
    pills = tuple(unescape(text).strip() for text in re.findall(link, html, flags=re.IGNORECASE))
    return listed or bool(pills), tuple(pill for pill in pills if pill)


def _edited(content: dict[str, Any]) -> tuple[dict[str, Any], str | None] | None:
    """For an edit (`m.replace`), the new content and the edited event's id; the content itself and
    None for any other message; None for an edit Relais cannot read."""
    relation = _relation(content)
    if relation.get("rel_type") != "m.replace":
        return (content, None) if "m.new_content" not in content else None
    new, target = content.get("m.new_content"), relation.get("event_id")
    if not isinstance(new, dict) or not isinstance(target, str):
        return None
    return new, target


def incoming_from_message(
    event: dict[str, Any],
    room_id: str,
    addressing: Addressing,
    direct: bool,
    display_name: str | None = None,
) -> Incoming | None:
    """An `m.room.message` addressed to Relais, as the core's Incoming; None otherwise.

    An edit (`m.replace`) whose new text is a command line is an Incoming with `edits` = the
    edited event (bot.services.command_edits decides what it does); other edits are ignored.
    Ignored: Relais' own messages, notices (other bots), emotes, anything not text.
    """
    if event.get("type") != "m.room.message" or event.get("sender") == addressing.bot_user_id:
        return None
    edited = _edited(_content(event))
    if edited is None:
        return None
    content, edits = edited
    body = content.get("body")
    if content.get("msgtype") != "m.text" or not isinstance(body, str):
        return None
    relation = _relation(content)
    if isinstance(relation.get("m.in_reply_to"), dict) and not relation.get("is_falling_back"):
        body = strip_reply_fallback(body)
    mentioned, pills = mentions_relais(content, addressing.bot_user_id)
    line = command_line(body, addressing, direct, mentioned, pills)
    if line is None:
        return None
    sender = str(event.get("sender", ""))
    return Incoming(
        identity=identity_of(sender),
        text=line,
        channel=channel_of(room_id),
        display_name=display_name,
        thread=thread_of(event),
        event_id=event.get("event_id"),
        direct=direct,
        edits=edits,
        sent_at=timestamp(event["origin_server_ts"])
        if edits and isinstance(event.get("origin_server_ts"), int)
        else None,
        raw=event,
    )


@dataclass(frozen=True)
class Reaction:
    event_id: str  # the reaction's own id (a redaction names it)
    sender: str
    channel: str
    reacts_to: str
    key: str


def reaction_from_event(event: dict[str, Any], room_id: str, bot_user_id: str) -> Reaction | None:
    if event.get("type") != "m.reaction" or event.get("sender") == bot_user_id:
        return None
    relation = _relation(_content(event))
    target, key = relation.get("event_id"), relation.get("key")
    if relation.get("rel_type") != "m.annotation" or not isinstance(target, str) or not isinstance(key, str):
        return None
    sender = str(event.get("sender", ""))
    return Reaction(str(event.get("event_id", "")), sender, channel_of(room_id), target, key)


def redacted_event(event: dict[str, Any]) -> str | None:
    """The event a redaction removes (top level before room version 11, in content since)."""
    if event.get("type") != "m.room.redaction":
        return None
    redacts = event.get("redacts") or _content(event).get("redacts")
    return redacts if isinstance(redacts, str) else None


class ReceiptLike(Protocol):
    event_id: str
    receipt_type: str
    user_id: str
    timestamp: int
    thread_id: str | None


@dataclass(frozen=True)
class ReadUpTo:
    user_id: str
    event_id: str


def read_receipts(receipts: Iterable[ReceiptLike], bot_user_id: str) -> list[ReadUpTo]:
    """Public read receipts on the main timeline, the latest per member (Relais' own ignored)."""
    latest: dict[str, tuple[int, str]] = {}
    for receipt in receipts:
        if receipt.receipt_type != "m.read" or receipt.user_id == bot_user_id:
            continue
        if receipt.thread_id not in (None, "main"):
            continue
        current = latest.get(receipt.user_id)
        if current is None or receipt.timestamp >= current[0]:
            latest[receipt.user_id] = (receipt.timestamp, receipt.event_id)
    return [ReadUpTo(user, event_id) for user, (_, event_id) in latest.items()]


def tombstone_replacement(event: dict[str, Any]) -> str | None:
    if event.get("type") != "m.room.tombstone" or event.get("state_key") != "":
        return None
    room = _content(event).get("replacement_room")
    return room if isinstance(room, str) and room.startswith("!") else None


def is_encrypted(event: dict[str, Any]) -> bool:
    """An encrypted message, or the state event that turns encryption on in a room."""
    return event.get("type") in ("m.room.encrypted", "m.room.encryption")


@dataclass(frozen=True)
class Membership:
    user_id: str
    membership: str
    display_name: str | None
    is_direct: bool
    sender: str


def membership_of(event: dict[str, Any]) -> Membership | None:
    if event.get("type") != "m.room.member" or not isinstance(event.get("state_key"), str):
        return None
    content = _content(event)
    name = content.get("displayname")
    return Membership(
        user_id=event["state_key"],
        membership=str(content.get("membership", "")),
        display_name=name.strip()[:200] if isinstance(name, str) and name.strip() else None,
        is_direct=content.get("is_direct") is True,
        sender=str(event.get("sender", "")),
    )
