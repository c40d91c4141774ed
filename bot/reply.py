"""The neutral message types: what comes in from a platform, and what the core answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.i18n import typed_on
from bot.images import Picture

Target = Literal["reply", "circle", "direct"]


@dataclass(frozen=True)
class Incoming:
    """A command line typed by someone, translated from a platform event.

    `identity` is the platform identity (`console:alice`, `slack:T1/U1`, `matrix:@a:hs`);
    `channel` the platform channel (`console:copil`, `slack:T1/C1`, `matrix:!r:hs`);
    `event_id` de-duplicates platform retries (and is the message an answer replies to);
    `language` is the platform's hint (a Slack locale) for a member met for the first time;
    `edits` is the platform message id of the command this message edits (a Matrix m.replace:
    bot.services.command_edits); `sent_at` when the platform says it was sent (an edit read after a
    restart is judged by when it was made); `raw` keeps the platform payload aside.
    """

    identity: str
    text: str
    channel: str | None = None
    display_name: str | None = None
    thread: str | None = None
    event_id: str | None = None
    direct: bool = False
    language: str | None = None
    edits: str | None = None
    sent_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Post:
    """One message to send. `text` is markup (see bot.markup).

    target "reply": back to where the command came from (ephemeral on Slack);
    "circle": into the circle's channels (`circle_id`); "direct": to `member_id` privately.
    `item_id` is set when the post is an item to read (buttons, reactions map back to it).
    `edit`: the item's new post (it was edited): its copies already posted are updated in place
    where the platform can (bot.copies), and it is posted only where none could be.
    `secret_until`: the text carries a secret valid until then (a sign-in link, a linking code): once
    delivered and past that time, the copy kept in the outbox is blanked (bot.services.secrets).
    `image`: a picture posted right after the text in the circle's channels (its own outbox row:
    bot.outbox.enqueue_post); a reply shows its `note` only where the text is printed (the console).
    `commitments`: the numbers of the commitments a personal post lists for its reader (a nudge, a
    digest, the confirmation of /engage), where a platform that can offers buttons (Slack: Done,
    Update, Postpone); the text says the same in words for the others.
    """

    text: str
    target: Target = "reply"
    circle_id: int | None = None
    member_id: int | None = None
    item_id: int | None = None
    notify: bool = False
    edit: bool = False
    secret_until: datetime | None = None
    image: Picture | None = None
    commitments: tuple[int, ...] = ()


@dataclass(frozen=True)
class Reply:
    """What a command answers. `resync` names channels whose members the adapter must read again
    from the platform (a room was just linked to a circle)."""

    posts: tuple[Post, ...] = ()
    ok: bool = True
    resync: tuple[str, ...] = ()

    @staticmethod
    def say(text: str, ok: bool = True) -> Reply:
        return Reply(posts=(Post(text),), ok=ok)

    def plus(self, *posts: Post) -> Reply:
        return Reply(posts=self.posts + posts, ok=self.ok, resync=self.resync)

    @property
    def text(self) -> str:
        """All posts' text, one after the other (tests and the console read this)."""
        return "\n\n".join(typed_on(post.text, None) for post in self.posts)  # a circle's post: as on the console
