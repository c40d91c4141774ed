"""The /engage modal: its view (pure Block Kit) and the values read back from a submission (EngageForm)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from adapters.slack.blocks import plain
from bot.i18n import N_, Translator
from bot.services.engage import CIRCLE, DUE_DATE, DUE_TEXT, OWNER, RESOURCES, RESULT, WHAT, EngageForm

CALLBACK_ID = "relais_engage"  # each input block's block_id is the name of its field (bot.services.engage)
VALUE = "value"  # the action_id of every input element
RESOURCE_LABELS = {
    "human": N_("Human resources mobilised"),
    "financial": N_("Financial resources mobilised"),
    "material": N_("Material resources mobilised"),
    "immaterial": N_("Immaterial resources mobilised"),
}
RESOURCE_HINTS = {
    "human": N_("Who, how many days"),
    "financial": N_("Budget, funding"),
    "material": N_("Rooms, equipment, vehicles"),
    "immaterial": N_("Network, know-how, communication"),
}


def _text_input(
    tr: Translator,
    block: str,
    label: str,
    *,
    optional: bool,
    hint: str | None = None,
    placeholder: str | None = None,
    multiline: bool = False,
    max_length: int = 2000,
    initial: str = "",
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": VALUE,
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain(tr.t(placeholder), 150)
    block_json: dict[str, Any] = {
        "type": "input",
        "block_id": block,
        "optional": optional,
        "label": plain(tr.t(label), 2000),
        "element": element,
    }
    if hint:
        block_json["hint"] = plain(tr.t(hint), 2000)
    return block_json


def _circle_select(tr: Translator, circles: Sequence[tuple[int, str]], circle_id: int | None) -> dict[str, Any] | None:
    """The circle to choose, `circle_id` preselected; None when there is no circle to offer."""
    options = [{"text": plain(name), "value": str(number)} for number, name in circles[:100]]
    if not options:
        return None
    select: dict[str, Any] = {
        "type": "static_select",
        "action_id": VALUE,
        "options": options,
        "placeholder": plain(tr.t("Choose a circle")),
    }
    chosen = next((option for option in options if option["value"] == str(circle_id)), None)
    if chosen is not None:
        select["initial_option"] = chosen
    return {
        "type": "input",
        "block_id": CIRCLE,
        "optional": True,
        "label": plain(tr.t("Circle"), 2000),
        "element": select,
    }


def _owner_select(tr: Translator, owner: str | None, facilitator: bool) -> dict[str, Any]:
    """Whose commitment it is: `owner` (a Slack user id) preselected; a partner may only choose themselves."""
    select: dict[str, Any] = {"type": "users_select", "action_id": VALUE, "placeholder": plain(tr.t("Choose a member"))}
    if owner:
        select["initial_user"] = owner
    block: dict[str, Any] = {
        "type": "input",
        "block_id": OWNER,
        "optional": True,
        "label": plain(tr.t("Owner"), 2000),
        "element": select,
    }
    if not facilitator:
        block["hint"] = plain(tr.t("Only a facilitator can commit someone else."), 2000)
    return block


def _note_inputs(tr: Translator) -> list[dict[str, Any]]:
    """The expected result, then the four kinds of resources mobilised."""
    result = _text_input(
        tr,
        RESULT,
        N_("Expected result"),
        optional=True,
        multiline=True,
        placeholder=N_("What will be different when it is done?"),
    )
    resources = [
        _text_input(tr, kind, RESOURCE_LABELS[kind], optional=True, multiline=True, placeholder=RESOURCE_HINTS[kind])
        for kind in RESOURCES
    ]
    return [result, *resources]


def engage_view(
    tr: Translator,
    circles: Sequence[tuple[int, str]],
    circle_id: int | None,
    metadata: Mapping[str, Any],
    what: str = "",
    context: str = "",
    owner: str | None = None,
    facilitator: bool = False,
) -> dict[str, Any]:
    """The modal; `circles` are (id, name) and `circle_id` the one preselected (the channel's).

    `what` prefills the commitment (a message shortcut: the message's text), `context` is a line shown
    above the fields (whose message it was), `owner` the Slack user preselected as its owner."""
    blocks: list[dict[str, Any]] = [
        _text_input(
            tr,
            WHAT,
            N_("What do you commit to?"),
            optional=False,
            max_length=500,
            placeholder=N_("Send the minutes to the partners"),
            initial=what,
        ),
        _text_input(
            tr,
            DUE_TEXT,
            N_("Due date, in words"),
            optional=True,
            max_length=200,
            placeholder=N_("next Friday 2pm, 15/12, end of January"),
            hint=N_("Written as you would say it; or pick a day below."),
        ),
        {
            "type": "input",
            "block_id": DUE_DATE,
            "optional": True,
            "label": plain(tr.t("…or pick a day"), 2000),
            "element": {"type": "datepicker", "action_id": VALUE, "placeholder": plain(tr.t("Pick a day"))},
        },
    ]
    blocks.append(_owner_select(tr, owner, facilitator))
    circle = _circle_select(tr, circles, circle_id)
    if circle is not None:
        blocks.append(circle)
    blocks += _note_inputs(tr)
    if context:
        blocks.insert(0, {"type": "context", "elements": [plain(context, 2000)]})
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain(tr.t("New commitment"), 24),
        "submit": plain(tr.t("Save"), 24),
        "close": plain(tr.t("Cancel"), 24),
        "private_metadata": json.dumps(dict(metadata))[:3000],
        "blocks": blocks,
    }


def submitted_values(view: Mapping[str, Any]) -> Mapping[str, Any]:
    """A submitted view's state.values (block id -> action id -> element), {} when missing."""
    state = view.get("state") or {}
    values = state.get("values") or {} if isinstance(state, Mapping) else {}
    return values if isinstance(values, Mapping) else {}


def input_element(values: Mapping[str, Any], block: str) -> Mapping[str, Any]:
    """The submitted element of input block `block` (under VALUE, else its only action)."""
    entry = values.get(block)
    if not isinstance(entry, Mapping):
        return {}
    element = entry.get(VALUE)
    if not isinstance(element, Mapping):
        element = next((v for v in entry.values() if isinstance(v, Mapping)), {})
    return element


def input_text(values: Mapping[str, Any], block: str) -> str:
    value = input_element(values, block).get("value")
    return str(value) if value else ""


def read_form(view: Mapping[str, Any]) -> EngageForm:
    """The submitted values (missing or empty fields become "" / None)."""
    values = submitted_values(view)
    option = input_element(values, CIRCLE).get("selected_option")
    circle = option.get("value") if isinstance(option, Mapping) else None
    picked = input_element(values, DUE_DATE).get("selected_date")
    return EngageForm(
        what=input_text(values, WHAT),
        due_text=input_text(values, DUE_TEXT),
        due_date=str(picked) if picked else None,
        circle_id=int(circle) if isinstance(circle, str) and circle.isdigit() else None,
        result=input_text(values, RESULT),
        **{kind: input_text(values, kind) for kind in RESOURCES},
    )


def selected_user(view: Mapping[str, Any]) -> str | None:
    """The owner chosen in the form (a Slack user id), if any."""
    values = submitted_values(view)
    user = input_element(values, OWNER).get("selected_user")
    return str(user) if user else None


def read_metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(str(view.get("private_metadata") or "{}"))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
