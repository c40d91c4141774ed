"""The shortcuts: "Créer un engagement" on a message, "Nouvel engagement" from anywhere (Socket Mode and HTTP)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from adapters.slack.manifest import GLOBAL_SHORTCUT, MESSAGE_SHORTCUT
from bot.models import Commitment

from .harness import ACK_LIMIT, ALICE, BOB, GENERAL, Harness

OUTSIDER = "U0OUTSIDER1"


def a_message(text: str, user: str = BOB) -> dict[str, Any]:
    return {"type": "message", "ts": "1700000000.000100", "user": user, "text": text}


def opened(harness: Harness) -> dict[str, Any]:
    view = harness.standin.calls_to("views.open")[-1].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def field(view: dict[str, Any], block: str) -> dict[str, Any]:
    return next(each for each in view["blocks"] if each.get("block_id") == block)["element"]


def saved(harness: Harness) -> list[Commitment]:
    with harness.store.unit_of_work() as session:
        return list(session.scalars(select(Commitment)))


async def test_a_message_becomes_a_commitment_prefilled_from_it(relais_slack: Harness) -> None:
    message = a_message(f"Il faudrait <@{ALICE}> pour réserver la salle du 12 &amp; le traiteur")
    answer = await relais_slack.interactive(relais_slack.standin.shortcut(MESSAGE_SHORTCUT, message))
    assert answer.status == 200 and answer.seconds < ACK_LIMIT
    view = opened(relais_slack)
    assert view["callback_id"] == "relais_engage" and view["title"]["text"] == "Nouvel engagement"
    prefilled = "Il faudrait @Alice Martin pour réserver la salle du 12 & le traiteur"
    assert field(view, "what")["initial_value"] == prefilled
    assert field(view, "circle")["initial_option"]["text"]["text"] == "COPIL"  # the channel's circle
    assert view["blocks"][0]["elements"][0]["text"] == "D’après le message de Bob."
    assert json.loads(view["private_metadata"])["channel"] == f"slack:T0RELAIS01/{GENERAL}"
    assert saved(relais_slack) == []  # opening saves nothing

    values = {
        "what": {"value": {"type": "plain_text_input", "value": "Réserver la salle du 12"}},
        "due_text": {"value": {"type": "plain_text_input", "value": "vendredi"}},
    }
    payload = relais_slack.standin.view_submission(
        "relais_engage", values, private_metadata=view["private_metadata"], user_id=ALICE, view_id="V0SHORT0001"
    )
    answer = await relais_slack.interactive(payload)
    assert answer.status == 200 and not answer.payload
    (commitment,) = saved(relais_slack)
    assert commitment.title == "Réserver la salle du 12"
    assert "Engagement #1 enregistré" in relais_slack.replies_to(ALICE)[-1]


async def test_the_global_shortcut_opens_the_empty_modal(relais_slack: Harness) -> None:
    await relais_slack.interactive(relais_slack.standin.shortcut(GLOBAL_SHORTCUT))
    view = opened(relais_slack)
    assert view["callback_id"] == "relais_engage" and "initial_value" not in field(view, "what")
    assert view["blocks"][0]["type"] == "input"  # no line about a message


async def test_a_stranger_gets_the_polite_refusal_and_no_modal(relais_slack: Harness) -> None:
    relais_slack.standin.add_user(OUTSIDER, name="outsider", locale="fr-FR")
    shortcut = relais_slack.standin.shortcut(MESSAGE_SHORTCUT, a_message("Réserver la salle"), user_id=OUTSIDER)
    answer = await relais_slack.interactive(shortcut)
    assert answer.status == 200 and answer.seconds < ACK_LIMIT
    assert relais_slack.standin.calls_to("views.open") == []
    (refusal,) = relais_slack.replies_to(OUTSIDER)
    assert refusal.startswith("Désolé, je ne réponds qu’aux membres de cette communauté d’action")
    await relais_slack.interactive(relais_slack.standin.shortcut(GLOBAL_SHORTCUT, user_id=OUTSIDER))
    assert relais_slack.standin.calls_to("views.open") == [] and saved(relais_slack) == []
