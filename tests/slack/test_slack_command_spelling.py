"""Commands named in a personal nudge as the reader can type them on Slack: its slash commands are the English
names, so a French speaker is told /relais relances, an English one /nudges (a slash command of its own)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from schedules.rounds import run_due

from .harness import ALICE, GT, Harness, shown

PARIS = ZoneInfo("Europe/Paris")


async def nudge_text(harness: Harness, title: str) -> str:
    """Alice's commitment due Saturday: Friday's 09:30 round nudges her, in her messages with Relais."""
    await harness.command("engage", title)
    harness.clock.set(datetime(2026, 11, 27, 9, 30, tzinfo=PARIS))
    run_due(harness.store, harness.dispatcher.config, harness.clock.now())
    await harness.settle()
    messages = harness.standin.messages_in(harness.standin.dm_channels[(ALICE,)])
    (nudge,) = [shown(message) for message in messages if "#1" in shown(message)]
    return nudge


async def test_a_french_nudge_names_the_umbrella_command(relais_slack: Harness) -> None:
    nudge = await nudge_text(relais_slack, "Relire /lu et /relances d'ici samedi")
    assert "rappel" in nudge and "/relais relances non" in nudge, nudge
    assert "Relire /lu et /relances" in nudge  # the title as its owner wrote it


async def test_an_english_nudge_names_the_slash_command(relais_slack: Harness) -> None:
    await relais_slack.command("lang", "en")
    nudge = await nudge_text(relais_slack, "Read /lu again by Saturday")
    assert "reminder" in nudge and "/nudges off" in nudge and "/relais" not in nudge, nudge
    assert "Read /lu again" in nudge


async def test_a_post_to_the_circle_names_the_umbrella_command_and_keeps_the_members_words(
    relais_slack: Harness,
) -> None:
    await relais_slack.command("info", "Tapez /lu dans le canal du GT")
    (post,) = relais_slack.posts_in()
    assert "Tapez /lu dans le canal du GT" in shown(post) and "/relais lu #1" in shown(post), shown(post)


async def test_a_refused_post_tells_its_french_author_the_umbrella_command(relais_slack: Harness) -> None:
    relais_slack.standin.fail("chat.postMessage", "is_archived")
    await relais_slack.command("info", "Réunion annulée jeudi", channel=GT)
    notice = relais_slack.replies_to(ALICE)[-1]
    assert "l’instance avec /relais détacher." in notice, notice


async def test_a_linking_code_is_to_be_typed_as_on_the_other_account(relais_slack: Harness) -> None:
    """Relais runs on Slack alone here: the other account is on Slack too (another workspace)."""
    await relais_slack.command("relais", "lier")
    said = relais_slack.replies_to(ALICE)[-1]
    assert "tapez /relais lier " in said, said
