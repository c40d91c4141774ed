"""A post's picture in the outbox (the weekly recap's chart: bot.posts.chart).

The picture is a row of its own, written right after its text's for each channel: sent, retried
and de-duplicated on its own (its occurrence key is the text's with `#image`), so that a picture
that cannot be sent leaves the text posted, and a restart posts neither twice. Its `text` is the
picture's alternative text, its `image` the PNG. Only a circle's channels get it (a reply to a
command, ephemeral on Slack, carries no picture).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.models import OutboxMessage
from bot.outbox import enqueue, platform_of
from bot.reply import Post

PICTURE_PLATFORMS = ("matrix", "slack")  # where a post's picture is sent: their senders post images


def with_picture(session: Session, post: Post, rows: list[OutboxMessage], now: datetime) -> list[OutboxMessage]:
    """The rows enqueue_post wrote for `post`, then its picture's after its text in each channel."""
    picture = post.image
    if picture is None or post.target != "circle":
        return rows
    pictures = [
        enqueue(
            session,
            now,
            picture.alt,
            channel=row.channel,
            thread=row.thread,
            image=picture.png,
            occurrence_key=f"{row.occurrence_key}#image" if row.occurrence_key else None,
        )
        for row in rows
        if row.channel and row.replaces is None and platform_of(row.channel) in PICTURE_PLATFORMS
    ]
    session.flush()
    return rows + pictures
