"""A commitment's buttons where its owner reads about it, and its two small forms (pure Block Kit).

Under a personal message that lists commitments (a nudge, a digest, the confirmation of /engage:
Outgoing.commitments), each one gets a row: ✅ #N Done, ✍️ Update (a form: what happened, progress,
confidence), 📅 Postpone (a form: a day picked in Slack's date picker, and why). Every button's
value is the commitment's number only: what a click may do is decided by the core with the rights
of whoever clicks (commitment_actions.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from adapters.slack.blocks import plain, section
from adapters.slack.engage_form import VALUE, input_element, submitted_values
from bot.i18n import N_, Translator
from bot.markup import esc, to_mrkdwn
from bot.services.commitment_forms import CONFIDENCE, DAY, PROGRESS, REASON, TEXT, Opened

CARD = "relais_card"  # + _N: the block of commitment #N's buttons
DONE, UPDATE, POSTPONE = "relais_card_done", "relais_card_update", "relais_card_postpone"
UPDATE_FORM, POSTPONE_FORM = "relais_update_form", "relais_postpone_form"  # the modals' callback_id
LEVELS = {"high": N_("High"), "medium": N_("Medium"), "low": N_("Low")}  # bot.kinds.Confidence


def buttons(tr: Translator, number: int) -> dict[str, Any]:
    """The row of buttons of commitment #N."""

    def button(action: str, label: str) -> dict[str, Any]:
        return {"type": "button", "action_id": action, "value": str(number), "text": plain(label)}

    done = {**button(DONE, tr.t("✅ #{number} done", number=number)), "style": "primary"}
    return {
        "type": "actions",
        "block_id": f"{CARD}_{number}",
        "elements": [done, button(UPDATE, tr.t("✍️ Update")), button(POSTPONE, tr.t("📅 Postpone"))],
    }


def card_done(blocks: list[Mapping[str, Any]], number: int, line: str) -> list[dict[str, Any]]:
    """The message's blocks with commitment #N's buttons replaced by `line` (it is done)."""
    done = {"type": "context", "block_id": f"{CARD}_{number}", "elements": [{"type": "mrkdwn", "text": line}]}
    return [done if block.get("block_id") == f"{CARD}_{number}" else dict(block) for block in blocks]


def _input(block: str, label: str, element: dict[str, Any], optional: bool = False) -> dict[str, Any]:
    return {"type": "input", "block_id": block, "optional": optional, "label": plain(label, 2000), "element": element}


def _modal(tr: Translator, callback: str, title: str, opened: Opened, metadata: Mapping[str, Any]) -> dict[str, Any]:
    head = tr.t("#{number} {title}", number=opened.number, title=esc(opened.title, 200))
    return {
        "type": "modal",
        "callback_id": callback,
        "title": plain(title, 24),
        "submit": plain(tr.t("Save"), 24),
        "close": plain(tr.t("Cancel"), 24),
        "private_metadata": json.dumps({**metadata, "number": opened.number})[:3000],
        "blocks": [section(to_mrkdwn(head))],
    }


def update_view(tr: Translator, opened: Opened, metadata: Mapping[str, Any]) -> dict[str, Any]:
    """✍️ Update: what happened, the progress (0 to 100), the confidence (high, medium, low)."""
    view = _modal(tr, UPDATE_FORM, tr.t("Update"), opened, metadata)
    text = {"type": "plain_text_input", "action_id": VALUE, "multiline": True, "max_length": 3000}
    text["placeholder"] = plain(tr.t("Room booked, invitations sent"), 150)
    progress: dict[str, Any] = {"type": "number_input", "action_id": VALUE, "is_decimal_allowed": False}
    progress.update(min_value="0", max_value="100")
    if opened.progress is not None:
        progress["initial_value"] = str(opened.progress)
    options = [{"text": plain(tr.t(label)), "value": value} for value, label in LEVELS.items()]
    confidence = {"type": "static_select", "action_id": VALUE, "options": options}
    confidence["placeholder"] = plain(tr.t("How sure are you to deliver?"), 150)
    view["blocks"] += [
        _input(TEXT, tr.t("What happened?"), text),
        _input(PROGRESS, tr.t("Progress (%)"), progress, optional=True),
        _input(CONFIDENCE, tr.t("Confidence"), confidence, optional=True),
    ]
    return view


def postpone_view(tr: Translator, opened: Opened, metadata: Mapping[str, Any]) -> dict[str, Any]:
    """📅 Postpone: the new day (Slack's date picker, at the current due day) and why."""
    view = _modal(tr, POSTPONE_FORM, tr.t("Postpone"), opened, metadata)
    picker: dict[str, Any] = {"type": "datepicker", "action_id": VALUE, "placeholder": plain(tr.t("Pick a day"))}
    if opened.due_day:
        picker["initial_date"] = opened.due_day
    reason = {"type": "plain_text_input", "action_id": VALUE, "multiline": True, "max_length": 500}
    view["blocks"] += [
        _input(DAY, tr.t("New due date"), picker),
        _input(REASON, tr.t("Why?"), reason, optional=True),
    ]
    return view


def _element(view: Mapping[str, Any], block: str) -> Mapping[str, Any]:
    return input_element(submitted_values(view), block)


def text_value(view: Mapping[str, Any], block: str) -> str:
    value = _element(view, block).get("value")
    return str(value) if value else ""


def picked(view: Mapping[str, Any], block: str) -> str | None:
    """A static_select's chosen value, or a datepicker's day (YYYY-MM-DD)."""
    element = _element(view, block)
    option = element.get("selected_option")
    if isinstance(option, Mapping) and option.get("value"):
        return str(option["value"])
    day = element.get("selected_date")
    return str(day) if day else None
