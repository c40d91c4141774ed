"""Buttons where people act (issue 14, part 2): ✅ Done, ✍️ Update and 📅 Postpone beside a commitment,
under the confirmation of /engage and in the personal nudge, through the real Bolt app in Socket Mode
and HTTP mode. Every click runs as its clicker's own command: someone else gets the command's refusal
and nothing changes; only a commitment number is read from a button."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.kinds import Confidence
from bot.models import Commitment, Member, Update
from schedules.rounds import run_due

from .harness import ACK_LIMIT, ALICE, BOB, Harness, shown
from .standin.payloads import recorded

PARIS = ZoneInfo("Europe/Paris")
STRANGER = "U0STRANGER1"


def card(message: dict[str, Any], number: int) -> dict[str, Any]:
    blocks = message["blocks"] if isinstance(message["blocks"], list) else json.loads(message["blocks"])
    return next(block for block in blocks if block.get("block_id") == f"relais_card_{number}")


def labels(block: dict[str, Any]) -> list[str]:
    return [element["text"]["text"] for element in block["elements"]]


def values(**chosen: str) -> dict[str, Any]:
    """A submitted form's state.values, in the recorded shapes (data/view_state_values.json)."""
    shapes = recorded("view_state_values.json")
    state: dict[str, Any] = {}
    for block, value in chosen.items():
        entry = shapes.get(block, shapes["text"])["value"]  # any other block: a plain_text_input
        if "selected_option" in entry:
            entry["selected_option"].update(value=value, text={"type": "plain_text", "text": value, "emoji": True})
        elif "selected_date" in entry:
            entry["selected_date"] = value
        elif "selected_user" in entry:
            entry["selected_user"] = value
        else:
            entry["value"] = value
        state[block] = {"value": entry}
    return state


async def click(harness: Harness, action: str, value: str, message: dict[str, Any], user: str = ALICE, **extra: Any):
    channel = extra.pop("channel_id")
    payload = harness.standin.block_actions(action, value, user_id=user, message=message, channel_id=channel)
    payload["container"].update(extra)
    answer = await harness.interactive(payload)
    assert answer.status == 200 and answer.seconds < ACK_LIMIT
    return payload


def last_view(harness: Harness) -> dict[str, Any]:
    view = harness.standin.calls_to("views.open")[-1].params["view"]
    return json.loads(view) if isinstance(view, str) else view


async def submit(harness: Harness, view: dict[str, Any], state: dict[str, Any], user: str = ALICE) -> Any:
    payload = harness.standin.view_submission(
        view["callback_id"], state, private_metadata=view["private_metadata"], user_id=user
    )
    answer = await harness.interactive(payload)
    assert answer.status == 200 and answer.seconds < ACK_LIMIT
    return answer.payload or None


def commitment(harness: Harness) -> Commitment:
    with harness.store.unit_of_work() as session:
        return session.scalars(select(Commitment)).one()


def dm(harness: Harness, user: str) -> tuple[str, list[dict[str, Any]]]:
    channel = harness.standin.dm_channels[(user,)]
    return channel, harness.standin.messages_in(channel)


async def nudged(harness: Harness) -> dict[str, Any]:
    """Alice's commitment due Saturday: Friday's 09:30 round nudges her, in her messages with Relais."""
    await harness.command("engage", "Réserver la salle d'ici samedi")
    harness.clock.set(datetime(2026, 11, 27, 9, 30, tzinfo=PARIS))
    run_due(harness.store, harness.dispatcher.config, harness.clock.now())
    await harness.settle()
    _, messages = dm(harness, ALICE)
    (nudge,) = [message for message in messages if "rappel" in shown(message)]
    return nudge


async def test_done_from_the_engage_confirmation_closes_it_and_the_card_says_so(relais_slack: Harness) -> None:
    await relais_slack.command("engage", "Réserver la salle d'ici vendredi")
    confirmation = relais_slack.standin.response_posts[-1].params
    assert "Engagement #1 enregistré" in shown(confirmation)
    assert labels(card(confirmation, 1)) == ["✅ #1 fait", "✍️ Point d’étape", "📅 Reporter"]

    message = {"ts": "1700000000.000100", "text": confirmation["text"], "blocks": confirmation["blocks"]}
    await click(relais_slack, "relais_card_done", "1", message, channel_id="C0GENERAL01", is_ephemeral=True)
    assert commitment(relais_slack).status == "done"
    assert any("#1" in reply and "Merci" in reply for reply in relais_slack.replies_to(ALICE))
    replaced = [call.params for call in relais_slack.standin.response_posts if call.params.get("replace_original")]
    (updated,) = replaced
    done = card(updated, 1)
    assert done["type"] == "context" and done["elements"][0]["text"] == "✅ #1 fait"
    assert "Engagement #1 enregistré" in shown(updated)  # the card keeps its words


async def test_news_about_a_done_commitment_from_its_card(relais_slack: Harness) -> None:
    """✍️ Update on the card of a commitment done meanwhile: the form opens (as /update takes news about it), with
    no progress to change; the news is shared and the commitment stays done. 📅 Postpone says to reopen it."""
    nudge = await nudged(relais_slack)
    channel, _ = dm(relais_slack, ALICE)
    await click(relais_slack, "relais_card_done", "1", nudge, channel_id=channel)
    assert commitment(relais_slack).status == "done"
    opened = len(relais_slack.standin.calls_to("views.open"))
    await click(relais_slack, "relais_card_update", "1", nudge, channel_id=channel)
    assert len(relais_slack.standin.calls_to("views.open")) == opened + 1
    view = last_view(relais_slack)
    progress = next(block for block in view["blocks"] if block.get("block_id") == "progress")["element"]
    assert not progress.get("initial_value")  # not its 100 % to send back unchanged
    assert await submit(relais_slack, view, values(text="Compte rendu en ligne")) is None
    assert relais_slack.count(Update) == 1 and commitment(relais_slack).status == "done"
    await relais_slack.settle()
    assert "Compte rendu en ligne" in shown(relais_slack.standin.messages_in("C0GENERAL01")[-1])
    await click(relais_slack, "relais_card_postpone", "1", nudge, channel_id=channel)
    assert len(relais_slack.standin.calls_to("views.open")) == opened + 1
    assert "rouvrez-le d’abord" in shown(dm(relais_slack, ALICE)[1][-1])


async def test_buttons_in_english_for_an_english_member(relais_slack: Harness) -> None:
    await relais_slack.command("lang", "en")
    await relais_slack.command("engage", "Book the room by Friday")
    assert labels(card(relais_slack.standin.response_posts[-1].params, 1)) == ["✅ #1 done", "✍️ Update", "📅 Postpone"]


async def test_update_and_postpone_from_a_nudge(relais_slack: Harness) -> None:
    nudge = await nudged(relais_slack)
    channel, _ = dm(relais_slack, ALICE)
    assert "#1" in shown(nudge) and labels(card(nudge, 1))[0] == "✅ #1 fait"

    await click(relais_slack, "relais_card_update", "1", nudge, channel_id=channel)
    view = last_view(relais_slack)
    assert view["callback_id"] == "relais_update_form" and view["title"]["text"] == "Point d’étape"
    assert [block["block_id"] for block in view["blocks"][1:]] == ["text", "progress", "confidence"]
    answer = await submit(relais_slack, view, values(text="Devis reçus", progress="140", confidence="high"))
    assert set(answer["errors"]) == {"progress"} and "de 0 à 100" in answer["errors"]["progress"]
    assert await submit(relais_slack, view, values(text="Devis reçus", progress="60", confidence="high")) is None
    with relais_slack.store.unit_of_work() as session:
        assert [(row.progress, row.confidence) for row in session.scalars(select(Update))] == [(60, Confidence.HIGH)]
    assert commitment(relais_slack).progress == 60
    _, messages = dm(relais_slack, ALICE)
    assert "Confiance\u00a0: haute." in shown(messages[-1]) and "60\u00a0%" in shown(messages[-1])

    await click(relais_slack, "relais_card_postpone", "1", nudge, channel_id=channel)
    view = last_view(relais_slack)
    picker = next(block for block in view["blocks"] if block.get("block_id") == "day")["element"]
    assert picker["type"] == "datepicker" and picker["initial_date"] == "2026-11-28"
    recorded_day = recorded("block_actions_datepicker.json")["selected_date"]  # the day as Slack writes it
    assert len(recorded_day) == len(picker["initial_date"]) and recorded_day[4] == picker["initial_date"][4] == "-"
    answer = await submit(relais_slack, view, values(day="2026-11-20", reason="Salle prise"))
    assert set(answer["errors"]) == {"day"} and "passée" in answer["errors"]["day"]  # said inline, in French
    assert commitment(relais_slack).due_at.astimezone(PARIS).date().isoformat() == "2026-11-28"
    assert await submit(relais_slack, view, values(day="2026-12-15", reason="Salle prise")) is None
    assert commitment(relais_slack).due_at.astimezone(PARIS).date().isoformat() == "2026-12-15"
    _, messages = dm(relais_slack, ALICE)
    assert "mardi 15 décembre 2026" in shown(messages[-1])
    await relais_slack.command("show", "#1")
    history = relais_slack.standin.response_posts[-1].params
    assert "Historique" in shown(history) and "(Salle prise)" in shown(history)


async def test_someone_else_or_a_stranger_gets_a_refusal_and_nothing_changes(relais_slack: Harness) -> None:
    nudge = await nudged(relais_slack)
    alice_dm, before = dm(relais_slack, ALICE)
    opened = len(relais_slack.standin.calls_to("views.open"))

    await click(relais_slack, "relais_card_done", "1", nudge, user=BOB, channel_id=alice_dm)  # a forged click
    await click(relais_slack, "relais_card_postpone", "1", nudge, user=BOB, channel_id=alice_dm)
    assert commitment(relais_slack).status == "open"
    assert dm(relais_slack, ALICE)[1] == before  # nothing said in Alice's conversation
    refusals = [shown(message) for message in dm(relais_slack, BOB)[1]]  # in his own messages with Relais
    assert len(refusals) == 2 and all("#1 appartient à Alice Martin" in text for text in refusals)
    assert len(relais_slack.standin.calls_to("views.open")) == opened  # no form for him

    relais_slack.standin.add_user(STRANGER, name="zoe", real_name="Zoé Inconnue", locale="fr-FR")
    members = relais_slack.count(Member)
    await click(relais_slack, "relais_card_update", "1", nudge, user=STRANGER, channel_id=alice_dm)
    assert "Désolé" in shown(dm(relais_slack, STRANGER)[1][-1])
    assert len(relais_slack.standin.calls_to("views.open")) == opened and relais_slack.count(Member) == members

    # a form submitted by someone who may not (its metadata copied): refused beside the field, nothing saved
    await click(relais_slack, "relais_card_postpone", "1", nudge, channel_id=alice_dm)
    view = last_view(relais_slack)
    answer = await submit(relais_slack, view, values(day="2026-12-15"), user=BOB)
    assert "appartient à Alice Martin" in answer["errors"]["day"]
    assert commitment(relais_slack).due_at.astimezone(PARIS).date().isoformat() == "2026-11-28"


async def test_forged_values_run_nothing(relais_slack: Harness) -> None:
    nudge = await nudged(relais_slack)
    channel, before = dm(relais_slack, ALICE)
    opened = len(relais_slack.standin.calls_to("views.open"))
    for action, value in (
        ("relais_card_done", "1; /member @alice role facilitator"),
        ("relais_card_done", "-1"),
        ("relais_card_update", "#1"),
        ("relais_card_postpone", ""),
    ):
        await click(relais_slack, action, value, nudge, channel_id=channel)
    assert commitment(relais_slack).status == "open" and dm(relais_slack, ALICE)[1] == before
    assert len(relais_slack.standin.calls_to("views.open")) == opened
    await click(relais_slack, "relais_card_done", "99", nudge, channel_id=channel)  # no such commitment
    assert "Il n’y a pas de #99" in shown(dm(relais_slack, ALICE)[1][-1])
    assert commitment(relais_slack).status == "open"


async def test_done_from_a_nudge_updates_the_nudge_in_place(relais_slack: Harness) -> None:
    nudge = await nudged(relais_slack)
    channel, _ = dm(relais_slack, ALICE)
    await click(relais_slack, "relais_card_done", "1", nudge, channel_id=channel)
    assert commitment(relais_slack).status == "done"
    (updated,) = [message for message in dm(relais_slack, ALICE)[1] if message["ts"] == nudge["ts"]]
    done = card(updated, 1)
    assert done["type"] == "context" and done["elements"][0]["text"] == "✅ #1 fait"
    assert shown(updated) == shown(nudge)  # the nudge keeps its words
    assert "Merci" in shown(dm(relais_slack, ALICE)[1][-1])


async def test_update_and_postpone_from_the_app_home(relais_slack: Harness) -> None:
    """The Home lists the member's commitments with the same buttons: the forms open from there and their
    answers go to the member's messages with Relais."""
    from .standin import app_home_opened_event

    await relais_slack.command("engage", "Réserver la salle d'ici vendredi")
    await relais_slack.event(app_home_opened_event(ALICE))
    home = relais_slack.standin.home_views[ALICE]
    row = next(block for block in home["blocks"] if block.get("block_id") == "home_card_1")
    update = next(element for element in row["elements"] if element["action_id"] == "relais_card_update")
    payload = relais_slack.standin.block_actions(
        "relais_card_update", update["value"], user_id=ALICE, view=home, block_id="home_card_1"
    )
    answer = await relais_slack.interactive(payload)
    assert answer.status == 200 and answer.seconds < ACK_LIMIT
    view = last_view(relais_slack)
    assert view["callback_id"] == "relais_update_form"
    assert await submit(relais_slack, view, values(text="Salle réservée", progress="100", confidence="high")) is None
    assert commitment(relais_slack).progress == 100
    _, messages = dm(relais_slack, ALICE)
    assert "100\u00a0%" in shown(messages[-1])
    payload = relais_slack.standin.block_actions("relais_card_postpone", "1", user_id=BOB, view=home)
    await relais_slack.interactive(payload)  # a forged click from Bob: refused, no form
    assert last_view(relais_slack)["callback_id"] == "relais_update_form"
