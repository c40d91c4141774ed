"""What people type is data, through the real Bolt app: what a member sees and what the database holds
when a slash command carries Slack's own markup, control characters or 40,000 characters."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Commitment, Item

from .harness import ALICE, BOB, GENERAL, Harness


async def test_a_line_turned_around_by_a_bidi_override_is_not_stored_nor_shown(relais_slack: Harness) -> None:
    """U+202E typed at the end of a title would turn around what Relais writes after it on the line
    (its owner, its due date): it is removed, like the terminal escape sequences."""
    await relais_slack.command("engage", "Payer la facture\u202e \x1b[31mvendredi 4 décembre", user=ALICE)
    with relais_slack.store.unit_of_work() as session:
        (commitment,) = session.scalars(select(Commitment))
        assert commitment.title == "Payer la facture"
    await relais_slack.command("actions", "", user=BOB)
    listed = relais_slack.replies_to(BOB)[-1]
    assert "Payer la facture" in listed and "\u202e" not in listed and "\x1b" not in listed


async def test_slack_markup_is_shown_as_words_and_a_label_never_hides_its_address(relais_slack: Harness) -> None:
    typed = "Voir <https://evil.example/login|le compte rendu> <!here> <@U0BOB000001|bob> &lt;!channel&gt;"
    await relais_slack.command("update", typed, user=ALICE)
    (post,) = relais_slack.posts_in(GENERAL)
    assert "le compte rendu (https://evil.example/login)" in post["text"]  # the address is visible
    assert "<" not in post["text"].replace("&lt;", "")  # no markup Slack would act on: nobody pinged
    with relais_slack.store.unit_of_work() as session:
        (item,) = session.scalars(select(Item))
        assert "<!here>" not in item.text and "@here" in item.text


async def test_40000_characters_are_refused_with_their_length_and_nothing_is_stored(relais_slack: Harness) -> None:
    await relais_slack.command("update", "Compte rendu : " + "mot " * 9997, user=ALICE)
    answer = relais_slack.replies_to(ALICE)[-1]
    # 40,003 typed, counted with the command's name ("update "), French typography before the semicolon
    assert answer.startswith("Ce message est trop long (40\u202f010 caractères\u202f; 20\u202f000 au plus)")
    assert "Rien n’a été enregistré" in answer
    assert relais_slack.count(Item) == 0 and relais_slack.posts_in(GENERAL) == []
