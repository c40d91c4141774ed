"""Messages that stay true: updating the copies of an item already posted on the platforms.

An item (update, announcement, decision, recap…) is posted once per channel of its circle: each
post is an outbox row with the item's id, and once sent it knows its platform message id (a Slack
ts, a Matrix event id) and where it landed. Those rows are the item's *copies*, and a copy's row
text is what the copy says now.

`update_copies(session, item_id, now, text=…, line=…)` brings every copy of the item up to date:

* `text` (optional): the copy's new text (an edited item's post). It becomes the copy row's
  text, so later updates build on it;
* `line` (optional): a live line shown under that text (✅ 4/9 confirmed), not kept: the next
  update recomputes it;
* for each copy sent on a platform that can edit (EDITABLE_PLATFORMS), an outbox row with
  `replaces` = the copy's platform message id and `channel` = where it landed: the platform's
  sender updates that message in place (Slack chat.update, Matrix m.replace) instead of posting.
  `Outgoing.replaces` tells a sender which message to update;
* updates of one copy are coalesced: while an update row of that copy is still waiting, its text
  is replaced (one call to the platform carries the latest text); a new update row waits until
  `every` after the previous one (the platform's rate limits; several ✅ in a burst make one edit);
* a copy not yet sent takes the new `text` in its own row (it goes out already true).

Returns the channels whose copies were updated (or will go out with the new text): an edited item
is posted anew only where no copy could be updated (a platform that cannot edit, a channel added
since). A platform joins EDITABLE_PLATFORMS when its sender handles `Outgoing.replaces`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from bot.db import store_of
from bot.kinds import OutboxStatus
from bot.models import MessageRef, OutboxMessage
from bot.outbox import enqueue
from bot.spelling import typed_there

EDITABLE_PLATFORMS: frozenset[str] = frozenset({"slack", "matrix"})
CHUNK = 500  # items read per statement
EVERY = timedelta(seconds=3)  # at most one update of a copy every few seconds (chat.update: ~50 a minute)


@dataclass(frozen=True)
class Copy:
    """One posted copy of an item: its outbox row, where it landed and its platform message id."""

    post_id: str
    platform: str
    channel: str
    message_id: str | None  # None: not sent yet
    text: str
    status: OutboxStatus


_COPIES = select(  # built once (as _UPDATES): building a statement costs about what running it for one item does
    OutboxMessage.item_id,
    OutboxMessage.id,
    OutboxMessage.platform,
    OutboxMessage.channel,
    OutboxMessage.message_id,
    OutboxMessage.text,
    OutboxMessage.status,
).where(
    OutboxMessage.item_id.in_(bindparam("ids", expanding=True)),
    OutboxMessage.replaces.is_(None),
    OutboxMessage.ephemeral.is_(False),
    OutboxMessage.platform.in_(bindparam("platforms", expanding=True)),
    OutboxMessage.status != OutboxStatus.FAILED,
)
_UPDATES = select(
    OutboxMessage.id,
    OutboxMessage.item_id,
    OutboxMessage.replaces,
    OutboxMessage.channel,
    OutboxMessage.status,
    OutboxMessage.created_at,
).where(OutboxMessage.item_id.in_(bindparam("ids", expanding=True)), OutboxMessage.replaces.is_not(None))


def copies_of(session: Session, item_id: int, platforms: frozenset[str] = EDITABLE_PLATFORMS) -> list[Copy]:
    """The item's posts in channels and direct conversations (not ephemeral replies, not updates)."""
    return [copy for _item_id, copy in _copies_of_many(session, [item_id], platforms)]


def _copies_of_many(
    session: Session, item_ids: Sequence[int], platforms: frozenset[str] = EDITABLE_PLATFORMS
) -> list[tuple[int, Copy]]:
    """copies_of for several items (one query, and one for where direct messages landed)."""
    rows = session.execute(_COPIES, {"ids": list(item_ids), "platforms": sorted(platforms)}).all()
    direct = [(row.item_id, row.message_id) for row in rows if row.channel is None and row.message_id]
    landed: dict[tuple[int, str], str] = {}
    if direct:  # a direct message's row names the member; where it landed is in its message ref
        found = session.execute(
            select(MessageRef.item_id, MessageRef.message_id, MessageRef.channel).where(
                MessageRef.item_id.in_(sorted({item for item, _message in direct})),
                MessageRef.message_id.in_(sorted({message for _item, message in direct})),
            )
        )
        landed = {(item_id, message_id): channel for item_id, message_id, channel in found}
    copies = []
    for row in rows:
        channel = row.channel or landed.get((row.item_id, row.message_id or ""))
        if channel is not None or row.status == OutboxStatus.PENDING:
            copy = Copy(row.id, row.platform, channel or "", row.message_id, row.text, row.status)
            copies.append((row.item_id, copy))
    return copies


def update_copies(
    session: Session,
    item_id: int,
    now: datetime,
    *,
    text: str | None = None,
    line: str | None = None,
    every: timedelta = EVERY,
    platforms: frozenset[str] = EDITABLE_PLATFORMS,
) -> list[str]:
    """Make every copy of the item say `text` (when given) followed by `line`; see the module's doc.

    Returns the channels of the copies brought up to date (sent ones through an update row,
    waiting ones in their own row).
    """
    channels: list[str] = []
    for copy in copies_of(session, item_id, platforms):
        base = copy.text if text is None else typed_there(store_of(session), text, copy.platform)
        if text is not None and base != copy.text:
            session.execute(update(OutboxMessage).where(OutboxMessage.id == copy.post_id).values(text=base))
        if copy.message_id is None:  # not sent yet: it goes out with the new text (a live line waits)
            if copy.status == OutboxStatus.PENDING:
                channels.append(copy.channel)
            continue
        _update_one(session, item_id, copy, base + (f"\n{line}" if line else ""), now, every)
        channels.append(copy.channel)
    return channels


def _update_one(session: Session, item_id: int, copy: Copy, text: str, now: datetime, every: timedelta) -> None:
    """One copy: the waiting update takes the new text, else a new update row (held until `every`
    after the previous one)."""
    same_copy = (
        OutboxMessage.item_id == item_id,
        OutboxMessage.replaces == copy.message_id,
        OutboxMessage.channel == copy.channel,
    )
    waiting = session.execute(
        update(OutboxMessage).where(*same_copy, OutboxMessage.status == OutboxStatus.PENDING).values(text=text)
    )
    if int(getattr(waiting, "rowcount", 0) or 0) > 0:
        return
    last = session.scalar(select(func.max(OutboxMessage.created_at)).where(*same_copy))
    _new_update(session, item_id, copy, text, now, last, every)


def _new_update(
    session: Session, item_id: int, copy: Copy, text: str, now: datetime, last: datetime | None, every: timedelta
) -> None:
    """A new update row of the copy, held until `every` after the `last` one."""
    held = last + every if last is not None and last + every > now else None
    enqueue(
        session,
        now,
        text,
        channel=copy.channel,
        platform=copy.platform,
        item_id=item_id,
        replaces=copy.message_id,
        not_before=held,
    )


def update_lines(
    session: Session, lines: Mapping[int, str | None], now: datetime, every: timedelta = EVERY
) -> set[int]:
    """`update_copies(session, item, now, line=line)` for many items at once (a batch of ✅): the same
    rows written, with their copies, waiting updates and last updates read in one query each.

    Returns the items that have a copy on a platform that can edit."""
    items = sorted(lines)
    copies: dict[int, list[Copy]] = {}
    for first in range(0, len(items), CHUNK):
        for item_id, copy in _copies_of_many(session, items[first : first + CHUNK]):
            copies.setdefault(item_id, []).append(copy)
    sent = [(item_id, copy) for item_id in sorted(copies) for copy in copies[item_id] if copy.message_id is not None]
    waiting, last = _updates_of(session, sorted({item_id for item_id, _copy in sent}))
    texts = []
    for item_id, copy in sent:
        line = lines[item_id]
        text = copy.text + (f"\n{line}" if line else "")
        key = (item_id, copy.message_id or "", copy.channel)
        if key in waiting:  # the waiting update takes the new text
            texts += [{"row": row_id, "new_text": text} for row_id in waiting[key]]
            continue
        _new_update(session, item_id, copy, text, now, last.get(key), every)
    if texts:
        table = OutboxMessage.__table__
        session.execute(update(table).where(table.c.id == bindparam("row")).values(text=bindparam("new_text")), texts)
    return set(copies)


def _updates_of(
    session: Session, item_ids: list[int]
) -> tuple[dict[tuple[int, str, str], list[str]], dict[tuple[int, str, str], datetime]]:
    """For each copy (item, message id, channel) of these items: its update rows still waiting, and
    when its last update row was written."""
    waiting: dict[tuple[int, str, str], list[str]] = {}
    last: dict[tuple[int, str, str], datetime] = {}
    for first in range(0, len(item_ids), CHUNK):
        rows = session.execute(_UPDATES, {"ids": item_ids[first : first + CHUNK]})
        for row_id, item_id, replaces, channel, status, created_at in rows:
            key = (item_id, replaces, channel)
            if status == OutboxStatus.PENDING:
                waiting.setdefault(key, []).append(row_id)
            last[key] = max(last.get(key, created_at), created_at)
    return waiting, last
