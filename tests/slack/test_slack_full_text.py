"""Whatever must be read arrives whole on Slack: long announcements through the real Bolt app, in
sections of at most 3,000 characters, in as many messages as Slack needs, and in full from the App Home."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from bot.models import Acknowledgement, MessageRef

from .harness import BOB, FABIENNE, GENERAL, Harness, shown
from .standin import app_home_opened_event, reaction_added_event

WORD = re.compile(r"mot\d{5}")


def announcement(size: int) -> str:
    """`size` characters of numbered words, in sentences and paragraphs, with French punctuation."""
    text, number = "", 0
    while True:
        sentence = " ".join(f"mot{number + n:05d}" for n in range(8)) + " : l’ordre du jour ! "
        number += 8
        if len(text) + len(sentence) + 2 > size:
            return text.strip()
        text += sentence + ("\n\n" if number % 96 == 0 else "")


def sections(message: dict[str, Any]) -> list[str]:
    return [block["text"]["text"] for block in message["blocks"] if block["type"] == "section"]


@pytest.mark.parametrize("size", [3000, 12_000])
async def test_a_long_announcement_arrives_whole_in_order(relais_slack: Harness, size: int) -> None:
    text = announcement(size)
    assert size - 100 < len(text) <= size
    await relais_slack.command("info", text, user=FABIENNE)
    assert "2 membres doivent la lire" in relais_slack.replies_to(FABIENNE)[-1]

    posts = relais_slack.posts_in(GENERAL)
    assert len(posts) == (1 if size <= 3000 else 2)  # Slack refuses ~12,000 characters in one message
    texts = [part for post in posts for part in sections(post)]
    assert WORD.findall(" ".join(texts)) == WORD.findall(text)  # every word, in order
    assert all(len(part) <= 3000 for part in texts) and all(len(post["blocks"]) <= 50 for post in posts)
    assert texts[0].startswith("📢 #1") and "/relais lu #1" in texts[-1]  # as typed on Slack
    assert [block["type"] for block in posts[-1]["blocks"]][-1] == "actions"  # ✅ on the last message
    assert all(block["type"] == "section" for post in posts[:-1] for block in post["blocks"])
    assert all(len(post["text"]) <= 300 for post in posts)  # the notification is short; the blocks are whole

    with relais_slack.store.unit_of_work() as session:  # every part stands for the item
        refs = sorted(session.scalars(select(MessageRef.message_id)))
        assert refs == sorted(post["ts"] for post in posts)
    await relais_slack.event(reaction_added_event("white_check_mark", BOB, GENERAL, posts[0]["ts"]))
    assert relais_slack.count(Acknowledgement) == 1  # a ✅ on the first part counts


async def test_the_app_home_abbreviates_and_opens_the_whole_item(relais_slack: Harness) -> None:
    text = announcement(12_000)
    await relais_slack.command("info", text, user=FABIENNE)
    await relais_slack.command("info", "Court et complet", user=FABIENNE)
    await relais_slack.event(app_home_opened_event(BOB))
    home = relais_slack.standin.home_views[BOB]
    readers = [block for block in home["blocks"] if block.get("block_id", "").startswith("home_full_")]
    (button,) = [element for block in readers for element in block["elements"]]  # only the long one
    assert button["value"] == "1" and button["text"]["text"] == "Lire en entier"
    assert len(shown({"blocks": home["blocks"]})) < 3000

    click = relais_slack.standin.block_actions("relais_read_full", "1", user_id=BOB, view=home)
    await relais_slack.interactive(click)
    (opened,) = relais_slack.standin.calls_to("views.open")
    modal = json.loads(opened.params["view"]) if isinstance(opened.params["view"], str) else opened.params["view"]
    assert modal["type"] == "modal" and modal["title"]["text"] == "Élément #1"
    parts = sections(modal)
    assert WORD.findall(" ".join(parts)) == WORD.findall(text) and all(len(part) <= 3000 for part in parts)
    assert "/relais lu #1" in parts[-1]  # where Bob stands: not confirmed yet


async def test_a_stranger_cannot_open_an_item(relais_slack: Harness) -> None:
    await relais_slack.command("info", announcement(500), user=FABIENNE)
    relais_slack.standin.add_user("U0OUTSIDER1", name="outsider", locale="fr-FR")
    await relais_slack.event(app_home_opened_event("U0OUTSIDER1"))
    home = relais_slack.standin.home_views["U0OUTSIDER1"]
    click = relais_slack.standin.block_actions("relais_read_full", "1", user_id="U0OUTSIDER1", view=home)
    await relais_slack.interactive(click)
    assert relais_slack.standin.calls_to("views.open") == []
