"""One community on Slack (the stand-in) and Matrix (a real Synapse) at once, as a partnership tries it:
what one side posts the other reads, ✅ on either copy counts, and a person with an account on each is
one member once linked — counted once by /level — until unlinked.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from sqlalchemy import select

from bot.models import OutboxMessage
from tests.slack.harness import shown

from .conftest import ALICE_S, BOB_S, TwoPlatforms

TIMEOUT = 150.0
CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")


def member_lines(level: str, name: str) -> list[str]:
    return [line for line in level.splitlines() if line.startswith(f"• {name}")]


async def test_what_one_platform_posts_the_other_reads_and_reading_counts_everywhere(two_platforms: TwoPlatforms):
    world = two_platforms
    async with asyncio.timeout(TIMEOUT):
        # typed on Slack: the confirmation stays on Slack, the announcement reaches the Matrix room
        answer = await world.slack("info La convention est signée", user=BOB_S)
        assert "Annonce #1 publiée dans COPIL" in answer
        post = await world.in_matrix("La convention est signée")
        assert "#1" in post["content"]["body"] and "Bob" in post["content"]["body"]
        assert any("La convention est signée" in text for text in world.slack_posts())
        # typed in the Matrix room: it reaches the Slack channel, with its author
        await world.matrix(world.claire, world.room, "!info Salle du conseil réservée", "Annonce #2 publiée")
        copy = await world.in_slack("Salle du conseil réservée")
        assert "Claire" in copy.get("text", "") + str(copy.get("blocks", ""))
        # ✅ on the Matrix copy of the Slack item: /who-read typed on Slack shows it
        await world.claire.react(world.room, post["event_id"], "✅")
        who = await world.slack_until("who-read #1", lambda text: "✅ Claire" in text)
        assert "⏳ Alice" in who  # the others have not read it yet


async def test_a_person_on_both_platforms_links_once_and_counts_once(two_platforms: TwoPlatforms):
    world = two_platforms
    async with asyncio.timeout(TIMEOUT):
        await world.slack("whoami", user=ALICE_S)
        await world.slack("info Ordre du jour du COPIL")  # #1: Alice has it to read on both accounts
        await world.in_matrix("Ordre du jour du COPIL")
        level = await world.slack("level")
        assert len(member_lines(level, "Alice")) == 2  # two accounts, two members, before linking

        # never in the room: asked or typed there, a code is refused (and cancelled)
        refused = await world.matrix(world.alice, world.room, "!link", "privés")
        assert not CODE.search(refused)
        dm = await world.direct_chat(world.alice)

        # guessed, expired, then the right code from the other platform
        assert "n’est pas valable" in await world.matrix(world.alice, dm, "link AAAA-BBBB", "valable")
        code = CODE.search(await world.slack("link", user=ALICE_S))
        assert code is not None
        world.clock.advance(timedelta(minutes=11))
        assert "expiré" in await world.matrix(world.alice, dm, f"link {code.group(0)}", "expiré")
        code = CODE.search(await world.slack("link", user=ALICE_S))
        assert code is not None
        done = await world.matrix(world.alice, dm, f"link {code.group(0)}", "un seul membre")
        assert "slack:" in done and "matrix:" in done
        assert "déjà servi" in await world.matrix(world.alice, dm, f"link {code.group(0)}", "déjà servi")

        # one member now: ✅ in Matrix counts for the Slack account too, and /level counts her once
        item = await world.alice.wait_for(lambda e: "Ordre du jour du COPIL" in str(e.get("content", {})))
        await world.alice.react(world.room, item["event_id"], "✅")
        level = await world.slack_until("level", lambda text: len(member_lines(text, "Alice")) == 1 and "1/1" in text)
        (line,) = member_lines(level, "Alice")
        assert "1/1" in line
        whoami = await world.slack("whoami", user=ALICE_S)
        assert "slack:" in whoami and "matrix:" in whoami
        assert "rien à lire" in await world.slack("unread", user=ALICE_S)  # read on her Matrix account
        with world.runner.app.store.unit_of_work() as session:  # the code is nowhere in clear any more
            assert not session.scalars(select(OutboxMessage.id).where(OutboxMessage.text.contains(code.group(0)))).all()

        # unlinking splits them back; the reading done while linked stays with both
        split = await world.slack("unlink", user=ALICE_S)
        assert "de nouveau un membre à part entière" in split
        level = await world.slack("level")
        assert len(member_lines(level, "Alice")) == 2
        assert all("1/1" in line for line in member_lines(level, "Alice"))
        assert "matrix:" not in await world.slack("whoami", user=ALICE_S)


def edit_of(bot: str, room: str, original: str, expect: str):
    """The m.replace edit of `original` by Relais whose new text contains `expect`."""

    def match(event: dict) -> bool:
        content = event.get("content", {})
        relates = content.get("m.relates_to", {})
        return (
            event.get("sender") == bot
            and event.get("room_id") == room
            and relates.get("rel_type") == "m.replace"
            and relates.get("event_id") == original
            and expect in content.get("m.new_content", {}).get("body", "")
        )

    return match


async def test_an_edit_updates_every_copy_in_place_on_both_platforms(two_platforms: TwoPlatforms):
    world = two_platforms
    async with asyncio.timeout(TIMEOUT):
        # edited on Slack: the Slack message is updated, the Matrix event edited (not posted again)
        await world.slack("info Réunion jeudi à 14 h", user=BOB_S)
        post = await world.in_matrix("Réunion jeudi à 14 h")
        slack_copy = await world.in_slack("Réunion jeudi à 14 h")
        answer = await world.slack("edit #1 text Réunion vendredi à 14 h", user=BOB_S)
        assert "#1" in answer
        edit = await world.claire.wait_for(edit_of(world.bot_id, world.room, post["event_id"], "Réunion vendredi"))
        assert edit["content"]["body"].startswith("* ") and edit["content"]["m.mentions"] == {}
        updated = await world.in_slack("Réunion vendredi à 14 h")
        assert updated["ts"] == slack_copy["ts"] and not any("jeudi" in text for text in world.slack_posts())
        mark = len(world.claire.seen)
        await world.claire.sync(0)
        assert not any(  # no second post of the item in the room
            "Réunion vendredi" in str(event.get("content", {}).get("body", ""))
            and "m.relates_to" not in event.get("content", {})
            for event in world.claire.seen[mark:]
        )

        # edited in the Matrix room: the Slack copy follows
        await world.matrix(world.claire, world.room, "!info Compte rendu en ligne", "Annonce #2 publiée")
        first = await world.in_slack("Compte rendu en ligne")
        await world.matrix(world.claire, world.room, "!edit #2 text Compte rendu corrigé en ligne", "#2")
        corrected = await world.in_slack("Compte rendu corrigé en ligne")
        assert corrected["ts"] == first["ts"]


async def test_a_post_names_commands_as_typed_in_each_room(two_platforms: TwoPlatforms):
    """The item is written once; its Slack copy says /relais lu #1 (French on Slack), its Matrix copy !lu #1
    (Element would take /lu for one of its own commands); the member's /lu as written in both."""
    world = two_platforms
    async with asyncio.timeout(TIMEOUT):
        await world.slack("info Tapez /lu dans le salon du GT", user=BOB_S)
        in_slack = shown(await world.in_slack("Tapez /lu dans le salon du GT"))
        assert "tapez /relais lu #1" in in_slack and "!lu" not in in_slack, in_slack
        in_matrix = str((await world.in_matrix("Tapez /lu dans le salon du GT"))["content"]["body"])
        assert "tapez !lu #1" in in_matrix and "/relais" not in in_matrix, in_matrix
