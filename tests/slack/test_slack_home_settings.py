"""The App Home's settings: language and nudges as buttons, run as the member's own commands."""

from __future__ import annotations

from typing import Any

from .harness import ACK_LIMIT, ALICE, Harness
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
