"""/engage without text: the modal, inline errors in the member's language, then the commitment saved."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.models import Circle, Commitment, ProcessedEvent

from .harness import ACK_LIMIT, ALICE, FABIENNE, GENERAL, GT, Harness

PARIS = ZoneInfo("Europe/Paris")


def text(value: str | None) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def form(
    what: str = "", due_text: str | None = None, due_date: str | None = None, circle: int | None = None, **extra: str
) -> dict[str, Any]:
    values: dict[str, Any] = {"what": text(what), "due_text": text(due_text)}
    values["due_date"] = {"value": {"type": "datepicker", "selected_date": due_date}}
    if circle is not None:
        values["circle"] = {"value": {"type": "static_select", "selected_option": {"value": str(circle)}}}
    for block in ("result", "human", "financial", "material", "immaterial"):
        values[block] = text(extra.get(block))
    return values


async def open_modal(harness: Harness, user: str = ALICE) -> dict[str, Any]:
    answer = await harness.command("engage", "", user=user)
    assert answer.seconds < ACK_LIMIT
    call = harness.standin.calls_to("views.open")[-1]
    view = call.params["view"]
    return json.loads(view) if isinstance(view, str) else view


async def submit(
    harness: Harness, view: dict[str, Any], values: dict[str, Any], view_id: str = "V0MODAL0001", user: str = ALICE
) -> Any:
    payload = harness.standin.view_submission(
        "relais_engage", values, private_metadata=view["private_metadata"], user_id=user, view_id=view_id
    )
    answer = await harness.interactive(payload)
    assert answer.status == 200 and answer.seconds < ACK_LIMIT
    return answer.payload or None


def saved(harness: Harness) -> list[Commitment]:
    with harness.store.unit_of_work() as session:
        return list(session.scalars(select(Commitment)))


async def test_modal_opens_in_french_with_the_channel_circle_preselected(relais_slack: Harness) -> None:
    view = await open_modal(relais_slack)
    assert view["callback_id"] == "relais_engage" and view["title"]["text"] == "Nouvel engagement"
    labels = [block["label"]["text"] for block in view["blocks"]]
    assert labels[0] == "À quoi vous engagez-vous\u202f?" and "Moyens humains mobilisés" in labels
    circle = next(block for block in view["blocks"] if block["block_id"] == "circle")
    assert circle["element"]["initial_option"]["text"]["text"] == "COPIL"
    assert json.loads(view["private_metadata"])["channel"] == f"slack:T0RELAIS01/{GENERAL}"
    assert saved(relais_slack) == []  # opening saves nothing


async def test_bad_date_then_fixed_is_stored_with_result_and_resources(relais_slack: Harness) -> None:
    view = await open_modal(relais_slack)
    answer = await submit(relais_slack, view, form("Réserver la salle", due_text="le 45 truc"))
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"due_text"}
    assert answer["errors"]["due_text"].startswith("Je n’ai pas compris la date «\u202fle 45 truc\u202f»")
    assert saved(relais_slack) == [] and relais_slack.count(ProcessedEvent) == 0  # nothing recorded

    answer = await submit(relais_slack, view, form("Réserver la salle", due_text="hier"))
    assert "passée" in answer["errors"]["due_text"] and saved(relais_slack) == []

    answer = await submit(relais_slack, view, form("   ", due_text="vendredi"))
    assert set(answer["errors"]) == {"what"} and saved(relais_slack) == []

    answer = await submit(relais_slack, view, form("Faire le bilan d'ici le 45 truc"))
    assert set(answer["errors"]) == {"what"} and "le 45 truc" in answer["errors"]["what"]

    answer = await submit(relais_slack, view, form("Réserver la salle", due_text="vendredi", due_date="2026-12-15"))
    assert set(answer["errors"]) == {"due_date"} and "Deux dates différentes" in answer["errors"]["due_date"]

    fixed = form(
        "Réserver la salle",
        due_text="vendredi 14h",
        due_date="2026-11-27",
        result="Salle réservée",
        human="Camille, 1 jour",
        financial="80 €",
    )
    assert await submit(relais_slack, view, fixed) is None  # closes the modal
    (commitment,) = saved(relais_slack)
    assert commitment.title == "Réserver la salle"
    assert commitment.due_at is not None and commitment.due_has_time
    assert commitment.due_at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M") == "2026-11-27 14:00"
    assert (commitment.expected_result, commitment.resources_human, commitment.resources_financial) == (
        "Salle réservée",
        "Camille, 1 jour",
        "80 €",
    )
    assert commitment.resources_material is None
    confirmation = relais_slack.replies_to(ALICE)[-1]
    assert "Engagement #1 enregistré" in confirmation and "vendredi 27 novembre 2026 à 14:00" in confirmation

    # the same submission delivered again (a double click, a redelivery): saved once
    assert await submit(relais_slack, view, fixed) is None
    assert len(saved(relais_slack)) == 1


async def test_date_in_the_title_the_picker_alone_and_another_circle(relais_slack: Harness) -> None:
    view = await open_modal(relais_slack)
    with relais_slack.store.unit_of_work() as session:
        gt = session.scalars(select(Circle).where(Circle.slug == "gt-mobilite")).one().id
    assert await submit(relais_slack, view, form("Relancer la mairie d'ici lundi", circle=gt), "V0A") is None
    assert await submit(relais_slack, view, form("Préparer le forum", due_date="2027-01-15"), "V0B") is None
    first, second = sorted(saved(relais_slack), key=lambda c: c.item_id)
    assert first.title == "Relancer la mairie" and first.due_at is not None
    assert first.due_at.astimezone(PARIS).date().isoformat() == "2026-11-30"
    with relais_slack.store.unit_of_work() as session:
        assert session.get_one(Circle, gt).name == "GT Mobilité"
        assert first.item.circle_id == gt
    assert second.due_at is not None and not second.due_has_time
    assert second.due_at.astimezone(PARIS).date().isoformat() == "2027-01-15"


async def test_errors_are_in_the_members_language(relais_slack: Harness) -> None:
    await relais_slack.command("relais", "lang en")
    view = await open_modal(relais_slack)
    assert view["title"]["text"] == "New commitment"
    answer = await submit(relais_slack, view, form("Book the room", due_text="yesterday"))
    assert "in the past" in answer["errors"]["due_text"]
    answer = await submit(relais_slack, view, form("Book the room", due_text="the 45th of Whatever"))
    assert "I did not understand the date" in answer["errors"]["due_text"]
    assert await submit(relais_slack, view, form("Book the room", due_text="next Friday 2pm")) is None
    assert "Commitment #1 saved" in relais_slack.replies_to(ALICE)[-1]


async def test_a_submission_from_where_relais_no_longer_listens_is_refused(relais_slack: Harness) -> None:
    view = await open_modal(relais_slack)
    await relais_slack.command("relais", "unmap", user=FABIENNE)  # the COPIL channel is unlinked meanwhile
    answer = await submit(relais_slack, view, form("Réserver la salle"), "V0LATE0001")
    assert answer["response_action"] == "errors"
    assert answer["errors"]["what"].startswith("Ce salon n’est rattaché à aucune instance")
    await relais_slack.event(relais_slack.standin.leave_channel(GT, ALICE))  # and Alice is in no circle now
    answer = await submit(relais_slack, view, form("Réserver la salle"), "V0LATE0002")
    assert answer["errors"]["what"].startswith("Désolé, je ne réponds qu’aux membres")
    assert saved(relais_slack) == []
