"""Reading on Slack: the "✅ Lu" button, ✅ reactions (and withdrawing them), the App Home and *seen*."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.models import Acknowledgement, SeenItem

from .harness import ACK_LIMIT, ALICE, BOB, FABIENNE, GENERAL, Harness, identity
from .standin import app_home_opened_event, reaction_added_event, reaction_removed_event


async def an_item(harness: Harness) -> dict[str, Any]:
    """Fabienne posts an announcement in the COPIL channel: Bob, who is in it, must read #1."""
    await harness.command("info", "Le COPIL de décembre est déplacé au 10", user=FABIENNE)
    (message,) = harness.posts_in(GENERAL)
    return message


def acks(harness: Harness, user: str = BOB) -> list[tuple[int, str]]:
    with harness.store.unit_of_work() as session:
        member = harness.dispatcher.member(session, identity(user))
        rows = session.scalars(select(Acknowledgement).where(Acknowledgement.member_id == member.id))
        return [(row.item_id, row.via) for row in rows]


async def test_button_click_acknowledges_and_says_so(relais_slack: Harness) -> None:
    message = await an_item(relais_slack)
    click = relais_slack.standin.block_actions("relais_ack", "1", user_id=BOB, channel_id=GENERAL, message=message)
    answer = await relais_slack.interactive(click)
    assert answer.status == 200 and answer.seconds < ACK_LIMIT
    assert [via for _, via in acks(relais_slack)] == ["button"]
    assert relais_slack.replies_to(BOB)[-1] == "Merci, lecture confirmée\u00a0: #1."
    await relais_slack.interactive(relais_slack.standin.block_actions("relais_ack", "1", user_id=BOB, message=message))
    assert relais_slack.replies_to(BOB)[-1] == "Déjà confirmé\u00a0: #1."
    assert len(acks(relais_slack)) == 1


async def test_check_reaction_acknowledges_and_removing_it_withdraws(relais_slack: Harness) -> None:
    message = await an_item(relais_slack)
    await relais_slack.event(reaction_added_event("white_check_mark", BOB, GENERAL, message["ts"]))
    assert [via for _, via in acks(relais_slack)] == ["reaction"]
    await relais_slack.event(reaction_removed_event("white_check_mark", BOB, GENERAL, message["ts"]))
    assert acks(relais_slack) == []
    await relais_slack.event(reaction_added_event("+1::skin-tone-3", BOB, GENERAL, message["ts"]))
    assert len(acks(relais_slack)) == 1
    await relais_slack.event(reaction_added_event("eyes", ALICE, GENERAL, message["ts"]))
    await relais_slack.event(reaction_added_event("white_check_mark", ALICE, GENERAL, "1600000000.000001"))
    assert acks(relais_slack, ALICE) == []  # another emoji, another message: nothing


async def test_app_home_lists_my_situation_and_records_seen(relais_slack: Harness) -> None:
    await an_item(relais_slack)
    await relais_slack.command("engage", "Préparer la salle d'ici vendredi", user=BOB)
    await relais_slack.command("meeting", "COPIL jeudi prochain 14h", user=FABIENNE)
    answer = await relais_slack.event(app_home_opened_event(BOB))
    assert answer.status == 200
    (publish,) = relais_slack.standin.calls_to("views.publish")
    assert publish.params["user_id"] == BOB
    home = relais_slack.standin.home_views[BOB]
    text = "\n".join(str(block) for block in home["blocks"])
    assert "Mes engagements en cours" in text and "Préparer la salle" in text
    assert "1 élément à lire" in text and "Le COPIL de décembre" in text
    buttons = [b["accessory"] for b in home["blocks"] if b.get("accessory", {}).get("action_id") == "relais_ack"]
    assert [button["value"] for button in buttons] == ["1"]
    assert "Prochaines réunions" in text and "COPIL" in text
    with relais_slack.store.unit_of_work() as session:
        bob = relais_slack.dispatcher.member(session, identity(BOB))
        seen = session.scalars(select(SeenItem).where(SeenItem.member_id == bob.id)).all()
        assert len(seen) == 1  # seen, not acknowledged
    assert acks(relais_slack) == []

    mark_all = next(b for b in home["blocks"] if b.get("block_id") == "home_ack_all")["elements"][0]
    assert mark_all["action_id"] == "relais_ack_all" and mark_all["value"] == "1"
    click = relais_slack.standin.block_actions("relais_ack_all", "1", user_id=BOB, view=home)
    await relais_slack.interactive(click)
    assert [via for _, via in acks(relais_slack)] == ["all"]
    refreshed = "\n".join(str(block) for block in relais_slack.standin.home_views[BOB]["blocks"])
    assert "Vous êtes à jour" in refreshed


async def test_button_in_the_home_refreshes_it(relais_slack: Harness) -> None:
    await an_item(relais_slack)
    await relais_slack.event(app_home_opened_event(BOB))
    home = relais_slack.standin.home_views[BOB]
    await relais_slack.interactive(relais_slack.standin.block_actions("relais_ack", "1", user_id=BOB, view=home))
    assert [via for _, via in acks(relais_slack)] == ["button"]
    assert len(relais_slack.standin.calls_to("views.publish")) == 2
    assert "Vous êtes à jour" in str(relais_slack.standin.home_views[BOB]["blocks"])


async def test_messages_tab_is_not_the_home(relais_slack: Harness) -> None:
    await relais_slack.event(app_home_opened_event(BOB, tab="messages"))
    assert relais_slack.standin.calls_to("views.publish") == []


async def test_app_home_with_more_unread_items_than_it_lists(relais_slack: Harness) -> None:
    for number in range(1, 23):
        await relais_slack.command("info", f"Annonce numéro {number}", user=FABIENNE)
    answer = await relais_slack.event(app_home_opened_event(BOB))
    assert answer.status == 200
    text = "\n".join(str(block) for block in relais_slack.standin.home_views[BOB]["blocks"])
    assert "22 éléments à lire" in text and "… et 2 plus anciens." in text
    assert "Annonce numéro 22" in text and "Annonce numéro 2\\n" not in text
