"""The engage form's owner (issue 14, part 2): who opens it is proposed; a message shortcut proposes the
message's author to a facilitator; a partner may only commit themselves (the rights of /edit #N owner)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from adapters.slack.manifest import MESSAGE_SHORTCUT
from bot.models import Commitment

from .harness import ACK_LIMIT, ALICE, BOB, FABIENNE, Harness, shown
from .standin.payloads import recorded


def opened(harness: Harness) -> dict[str, Any]:
    view = harness.standin.calls_to("views.open")[-1].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(each for each in view["blocks"] if each.get("block_id") == block_id)


def state(what: str, owner: str) -> dict[str, Any]:
    """state.values in the recorded shapes (data/view_state_values.json): a plain_text_input, a users_select."""
    shapes = recorded("view_state_values.json")
    shapes["text"]["value"]["value"] = what
    shapes["owner"]["value"]["selected_user"] = owner
    return {"what": shapes["text"], "owner": shapes["owner"]}


async def submit(harness: Harness, view: dict[str, Any], values: dict[str, Any], user: str) -> Any:
    payload = harness.standin.view_submission(
        "relais_engage", values, private_metadata=view["private_metadata"], user_id=user
    )
    answer = await harness.interactive(payload)
    assert answer.status == 200 and answer.seconds < ACK_LIMIT
    return answer.payload or None


def owners(harness: Harness) -> list[str]:
    with harness.store.unit_of_work() as session:
        return [each.owner.display_name for each in session.scalars(select(Commitment))]


async def test_a_partner_is_proposed_and_may_only_commit_themselves(relais_slack: Harness) -> None:
    await relais_slack.command("engage", "", user=ALICE)
    view = opened(relais_slack)
    owner = block(view, "owner")
    assert owner["element"]["type"] == "users_select" and owner["element"]["initial_user"] == ALICE
    assert owner["hint"]["text"] == "Seule l’animation peut engager quelqu’un d’autre."
    answer = await submit(relais_slack, view, state("Réserver la salle", BOB), ALICE)
    assert set(answer["errors"]) == {"owner"} and "Seule l’animation" in answer["errors"]["owner"]
    assert owners(relais_slack) == []
    assert await submit(relais_slack, view, state("Réserver la salle", ALICE), ALICE) is None
    assert owners(relais_slack) == ["Alice Martin"]

    message = {"type": "message", "ts": "1700000000.000100", "user": BOB, "text": "Qui réserve la salle ?"}
    await relais_slack.interactive(relais_slack.standin.shortcut(MESSAGE_SHORTCUT, message, user_id=ALICE))
    assert block(opened(relais_slack), "owner")["element"]["initial_user"] == ALICE  # not Bob: she may not


async def test_a_facilitator_commits_the_messages_author_who_is_told_with_the_buttons(relais_slack: Harness) -> None:
    message = {"type": "message", "ts": "1700000000.000100", "user": BOB, "text": "Je m'occupe du traiteur"}
    answer = await relais_slack.interactive(relais_slack.standin.shortcut(MESSAGE_SHORTCUT, message, user_id=FABIENNE))
    assert answer.seconds < ACK_LIMIT
    view = opened(relais_slack)
    assert block(view, "owner")["element"]["initial_user"] == BOB and "hint" not in block(view, "owner")
    assert await submit(relais_slack, view, state("Commander le traiteur", BOB), FABIENNE) is None
    assert owners(relais_slack) == ["Bob"]
    assert any("Responsable\u00a0: Bob" in text for text in relais_slack.replies_to(FABIENNE))
    told = relais_slack.standin.messages_in(relais_slack.standin.dm_channels[(BOB,)])[-1]
    assert "Fabienne Roux vous a confié cet engagement" in shown(told) and "Commander le traiteur" in shown(told)
    assert "/relais modifier #1 échéance" in shown(told), shown(told)  # as Bob types it on Slack
    buttons = next(each for each in told["blocks"] if each.get("block_id") == "relais_card_1")
    assert buttons["elements"][0]["text"]["text"] == "✅ #1 fait"
