"""The App Home's settings: language and nudges as buttons, run as the member's own commands."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.models import Commitment

from .harness import ACK_LIMIT, ALICE, BOB, Harness
from .standin import app_home_opened_event


def settings(home: dict[str, Any]) -> dict[str, dict[str, Any]]:
    block = next(block for block in home["blocks"] if block.get("block_id") == "home_settings")
    return {button["value"]: button for button in block["elements"]}


async def click(harness: Harness, value: str, user: str = ALICE, action: str | None = None) -> None:
    home = harness.standin.home_views[user]
    action_id = action or f"relais_setting_{value.split()[-1]}"
    payload = harness.standin.block_actions(action_id, value, user_id=user, view=home)
    answer = await harness.interactive(payload)
    assert answer.status == 200 and answer.seconds < ACK_LIMIT


def texts(home: dict[str, Any]) -> str:
    return "\n".join(str(block.get("text", {}).get("text", "")) for block in home["blocks"])


async def test_switching_language_and_nudges_from_the_home(relais_slack: Harness) -> None:
    await relais_slack.event(app_home_opened_event(ALICE))
    home = relais_slack.standin.home_views[ALICE]
    buttons = settings(home)
    assert buttons["lang fr"]["style"] == "primary" and "style" not in buttons["lang en"]
    assert buttons["nudges off"]["text"]["text"] == "🔕 Arrêter les relances"
    assert "Les relances sont activées." in texts(home)

    await click(relais_slack, "nudges off", action="relais_setting_nudges")
    home = relais_slack.standin.home_views[ALICE]
    assert "Les relances sont désactivées." in texts(home) and "nudges on" in settings(home)

    await click(relais_slack, "lang en")
    home = relais_slack.standin.home_views[ALICE]
    assert settings(home)["lang en"]["style"] == "primary"
    assert "Nudges are off." in texts(home) and "Settings" in str(home["blocks"])


async def test_a_forged_value_runs_nothing(relais_slack: Harness) -> None:
    await relais_slack.event(app_home_opened_event(ALICE))
    before = relais_slack.standin.home_views[ALICE]
    await click(relais_slack, "member @bob facilitator", action="relais_setting_fr")
    assert relais_slack.standin.home_views[ALICE] == before
    assert settings(before)["nudges off"]  # still on


async def test_done_from_the_home_and_a_partner_cannot_close_anothers(relais_slack: Harness) -> None:
    await relais_slack.command("engage", "Réserver la salle d'ici vendredi")
    await relais_slack.event(app_home_opened_event(ALICE))
    await relais_slack.event(app_home_opened_event(BOB))
    block = next(b for b in relais_slack.standin.home_views[ALICE]["blocks"] if b.get("block_id") == "home_card_1")
    button, update, postpone = block["elements"]
    assert button["text"]["text"] == "✅ #1 fait" and button["value"] == "1"
    assert (update["text"]["text"], postpone["text"]["text"]) == ("✍️ Point d’étape #1", "📅 Reporter #1")

    bob_home = relais_slack.standin.home_views[BOB]  # a forged click: Bob is not the owner
    payload = relais_slack.standin.block_actions("relais_done_1", "1", user_id=BOB, view=bob_home)
    await relais_slack.interactive(payload)
    assert statuses(relais_slack) == ["open"]
    assert "#1 appartient à Alice Martin" in relais_slack.replies_to(BOB)[-1]  # the refusal /done gives, in his DMs

    await click(relais_slack, "1", action="relais_done_1")
    assert statuses(relais_slack) == ["done"]
    assert "Réserver la salle" not in texts(relais_slack.standin.home_views[ALICE])
    assert any("#1" in reply and "Merci" in reply for reply in relais_slack.replies_to(ALICE))


def statuses(harness: Harness) -> list[str]:
    with harness.store.unit_of_work() as session:
        return [str(each.status.value) for each in session.scalars(select(Commitment))]
