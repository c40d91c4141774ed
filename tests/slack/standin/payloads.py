"""What Slack sends, built from the payloads recorded under tests/slack/data/ (pure functions).

Each builder starts from a recorded payload (see data/README.md for where each one comes from)
and fills in this test's ids, text and times, so the shapes are Slack's own; the test
`test_builders_keep_the_recorded_shapes` (test_standin.py) checks that no recorded key is lost.
"""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .common import (
    DEFAULT_APP_ID,
    DEFAULT_BOT_ID,
    DEFAULT_BOT_USER_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_TEAM_DOMAIN,
    DEFAULT_TEAM_ID,
    DEFAULT_USER_ID,
    DEFAULT_VERIFICATION_TOKEN,
    new_id,
    new_trigger_id,
)

DATA = Path(__file__).resolve().parent.parent / "data"


@functools.cache
def _recorded_text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def recorded(name: str) -> Any:
    """A fresh copy of tests/slack/data/<name> (change it freely)."""
    return json.loads(_recorded_text(name))


def _channel_type(channel_id: str) -> str:
    return {"D": "im", "G": "group"}.get(channel_id[:1], "channel")


def slash_command(
    command: str,
    text: str = "",
    user_id: str = DEFAULT_USER_ID,
    channel_id: str = DEFAULT_CHANNEL_ID,
    team_id: str = DEFAULT_TEAM_ID,
    trigger_id: str | None = None,
    *,
    response_url: str = "https://hooks.slack.com/commands/T0/0/standin",
    user_name: str | None = None,
    channel_name: str | None = None,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    api_app_id: str = DEFAULT_APP_ID,
    enterprise_id: str | None = None,
    token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, str]:
    """A slash command payload: the dict Socket Mode puts in ``payload``; form-encode it with
    :func:`form_encode_slash_command` for HTTP mode. All values are strings, as on the wire.
    From data/slash_command.json (and data/slash_command_enterprise.json on an Enterprise Grid)."""
    payload: dict[str, str] = recorded("slash_command.json")["payload"]
    payload.update(
        token=token,
        team_id=team_id,
        team_domain=team_domain,
        channel_id=channel_id,
        channel_name=channel_name or ("directmessage" if channel_id.startswith("D") else channel_id.lower()),
        user_id=user_id,
        user_name=user_name or user_id.lower(),
        command=command if command.startswith("/") else "/" + command,
        text=text,
        api_app_id=api_app_id,
        is_enterprise_install="false",
        response_url=response_url,
        trigger_id=trigger_id or new_trigger_id(),
    )
    if enterprise_id:  # the two fields data/slash_command_enterprise.json adds on an Enterprise Grid
        payload.update(enterprise_id=enterprise_id, enterprise_name="Relais Grid")
    return payload


def event_callback(
    event: Mapping[str, Any],
    event_id: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
    *,
    api_app_id: str = DEFAULT_APP_ID,
    event_time: int | None = None,
    enterprise_id: str | None = None,
    bot_user_id: str = DEFAULT_BOT_USER_ID,
    token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """An Events API ``event_callback`` body (data/event_callback.json); ``event_id`` is unique
    unless given."""
    body: dict[str, Any] = recorded("event_callback.json")["payload"]
    (authorization,) = body["authorizations"]
    authorization.update(enterprise_id=enterprise_id, team_id=team_id, user_id=bot_user_id, is_bot=True)
    authorization["is_enterprise_install"] = False
    body.update(
        token=token,
        team_id=team_id,
        enterprise_id=enterprise_id,
        context_team_id=team_id,
        context_enterprise_id=enterprise_id,
        api_app_id=api_app_id,
        event=dict(event),
        type="event_callback",
        event_id=event_id or new_id("Ev", 12),
        event_time=event_time if event_time is not None else int(time.time()),
        is_ext_shared_channel=False,
        event_context="4-" + uuid.uuid4().hex,
    )
    return body


def message_event(
    text: str,
    user_id: str = DEFAULT_USER_ID,
    channel_id: str = DEFAULT_CHANNEL_ID,
    *,
    ts: str | None = None,
    thread_ts: str | None = None,
    channel_type: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
) -> dict[str, Any]:
    """A user's ``message`` event, its text in one rich_text block (data/message.json; put it in
    :func:`event_callback`)."""
    ts = ts or f"{time.time():.6f}"
    event: dict[str, Any] = recorded("message.json")["event"]
    (block,) = event["blocks"]
    (section,) = block["elements"]
    block["block_id"] = uuid.uuid4().hex[:5]
    section["elements"] = [{"type": "text", "text": text}]
    event.update(
        type="message",
        user=user_id,
        text=text,
        ts=ts,
        client_msg_id=str(uuid.uuid4()),
        team=team_id,
        channel=channel_id,
        event_ts=ts,
        channel_type=channel_type or _channel_type(channel_id),
    )
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def reaction_added_event(
    reaction: str,
    user_id: str = DEFAULT_USER_ID,
    item_channel: str = DEFAULT_CHANNEL_ID,
    item_ts: str = "1700000000.000100",
    item_user: str | None = DEFAULT_BOT_USER_ID,
) -> dict[str, Any]:
    """A ``reaction_added`` event (data/reaction_added.json; put it in :func:`event_callback`)."""
    return _reaction("reaction_added.json", reaction, user_id, item_channel, item_ts, item_user)


def reaction_removed_event(
    reaction: str,
    user_id: str = DEFAULT_USER_ID,
    item_channel: str = DEFAULT_CHANNEL_ID,
    item_ts: str = "1700000000.000100",
    item_user: str | None = DEFAULT_BOT_USER_ID,
) -> dict[str, Any]:
    """A ``reaction_removed`` event (data/reaction_removed.json, the same shape as an added one)."""
    return _reaction("reaction_removed.json", reaction, user_id, item_channel, item_ts, item_user)


def _reaction(
    name: str, reaction: str, user_id: str, item_channel: str, item_ts: str, item_user: str | None
) -> dict[str, Any]:
    event: dict[str, Any] = recorded(name)["event"]
    event["item"].update(type="message", channel=item_channel, ts=item_ts, channel_type=_channel_type(item_channel))
    event.update(user=user_id, reaction=reaction, event_ts=f"{time.time():.6f}")
    if item_user:
        event["item_user"] = item_user
    else:  # a message no user wrote (an incoming webhook's): Slack leaves item_user out
        del event["item_user"]
    return event


def app_home_opened_event(
    user_id: str = DEFAULT_USER_ID, tab: str = "home", channel_id: str = "D0HOME0001", view: Any = None
) -> dict[str, Any]:
    """An ``app_home_opened`` event: the user opened the app's Home (or Messages) tab
    (data/app_home_opened.json; the view is there only once a Home was published)."""
    event: dict[str, Any] = recorded("app_home_opened.json")
    event.update(user=user_id, channel=channel_id, tab=tab, event_ts=f"{time.time():.6f}")
    if view is not None:
        event["view"] = view
    else:
        del event["view"]
    return event


def block_actions(
    action_id: str,
    value: str | None = None,
    *,
    block_id: str | None = None,
    user_id: str = DEFAULT_USER_ID,
    channel_id: str = DEFAULT_CHANNEL_ID,
    team_id: str = DEFAULT_TEAM_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    api_app_id: str = DEFAULT_APP_ID,
    message_ts: str | None = None,
    message: Mapping[str, Any] | None = None,
    view: Mapping[str, Any] | None = None,
    state_values: Mapping[str, Any] | None = None,
    trigger_id: str | None = None,
    response_url: str | None = "https://hooks.slack.com/actions/T0/0/standin",
    action_type: str = "button",
    action_extra: Mapping[str, Any] | None = None,
    token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A ``block_actions`` payload for one action, clicked in a message (data/block_actions.json)
    or, when ``view`` is given, inside a modal / home tab (data/block_actions_in_view.json: then
    there is no channel nor response_url)."""
    payload: dict[str, Any] = recorded("block_actions.json")
    (action,) = payload["actions"]
    action.update(action_id=action_id, block_id=block_id or uuid.uuid4().hex[:5], type=action_type)
    action["action_ts"] = f"{time.time():.6f}"
    del action["text"], action["value"]
    if action_type == "button":
        action["text"] = {"type": "plain_text", "text": value or action_id, "emoji": True}
        if value is not None:
            action["value"] = value
    elif action_type in ("static_select", "external_select", "overflow"):
        action["selected_option"] = {"text": {"type": "plain_text", "text": value or ""}, "value": value or ""}
    elif value is not None:
        action["value"] = value
    action.update(action_extra or {})
    in_view = recorded("block_actions_in_view.json")["payload"]
    payload.update(
        user={"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id},
        api_app_id=api_app_id,
        token=token,
        trigger_id=trigger_id or new_trigger_id(),
        team={"id": team_id, "domain": team_domain},
        enterprise=in_view["enterprise"],
        is_enterprise_install=in_view["is_enterprise_install"],
        state={"values": dict(state_values or {})},
    )
    for key in ("container", "channel", "response_url"):
        del payload[key]
    payload["actions"] = payload.pop("actions")  # after the state, as Slack orders them
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", new_id("V"))}
        payload["view"] = dict(view)
        return payload
    ts = message_ts or (message or {}).get("ts") or f"{time.time():.6f}"
    payload["container"] = {"type": "message", "message_ts": ts, "channel_id": channel_id, "is_ephemeral": False}
    payload["channel"] = {"id": channel_id, "name": channel_id.lower()}
    payload["message"] = dict(message) if message else {"type": "message", "ts": ts, "text": "", "blocks": []}
    if response_url:
        payload["response_url"] = response_url
    return payload


def view_submission(
    view_callback_id: str,
    state_values: Mapping[str, Any] | None = None,
    private_metadata: str = "",
    user_id: str = DEFAULT_USER_ID,
    *,
    team_id: str = DEFAULT_TEAM_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    api_app_id: str = DEFAULT_APP_ID,
    bot_id: str = DEFAULT_BOT_ID,
    view_id: str | None = None,
    blocks: list[dict[str, Any]] | None = None,
    title: str = "Relais",
    trigger_id: str | None = None,
    response_urls: list[dict[str, Any]] | None = None,
    token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A ``view_submission`` payload (data/view_submission.json). ``state_values`` is Slack's
    ``{block_id: {action_id: {"type": "plain_text_input", "value": "..."}}}``."""
    view_id = view_id or new_id("V")
    payload: dict[str, Any] = recorded("view_submission.json")
    view = payload["view"]
    view.update(
        id=view_id,
        team_id=team_id,
        type="modal",
        blocks=blocks or [],
        private_metadata=private_metadata,
        callback_id=view_callback_id,
        state={"values": dict(state_values or {})},
        hash=f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
        title={"type": "plain_text", "text": title, "emoji": True},
        clear_on_close=False,
        notify_on_close=False,
        close={"type": "plain_text", "text": "Cancel", "emoji": True},
        submit={"type": "plain_text", "text": "Submit", "emoji": True},
        previous_view_id=None,
        root_view_id=view_id,
        app_id=api_app_id,
        external_id="",
        app_installed_team_id=team_id,
        bot_id=bot_id,
    )
    payload.update(
        type="view_submission",
        team={"id": team_id, "domain": team_domain},
        user={"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id},
        api_app_id=api_app_id,
        token=token,
        trigger_id=trigger_id or new_trigger_id(),
        response_urls=list(response_urls or []),
        is_enterprise_install=False,
        enterprise=None,
    )
    return payload


def shortcut(
    callback_id: str,
    *,
    user_id: str = DEFAULT_USER_ID,
    team_id: str = DEFAULT_TEAM_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    trigger_id: str | None = None,
    message: Mapping[str, Any] | None = None,
    channel_id: str = DEFAULT_CHANNEL_ID,
    response_url: str = "https://hooks.slack.com/app/T0/0/standin",
    token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A global shortcut used (data/shortcut.json) or, given the ``message`` it was used on, a message
    shortcut (data/message_action.json: with the channel, the message and a response_url)."""
    if message is None:
        payload: dict[str, Any] = recorded("shortcut.json")
        payload["user"] = {"id": user_id, "username": user_id.lower(), "team_id": team_id}
    else:
        payload = recorded("message_action.json")
        payload.update(
            user={"id": user_id, "name": user_id.lower()},
            channel={"id": channel_id, "name": channel_id.lower()},
            message_ts=message.get("ts"),
            message={**payload["message"], **message},
            response_url=response_url,
        )
    payload.update(
        token=token,
        action_ts=f"{time.time():.6f}",
        team={"id": team_id, "domain": team_domain},
        callback_id=callback_id,
        trigger_id=trigger_id or new_trigger_id(),
    )
    return payload


def url_verification(challenge: str | None = None) -> dict[str, Any]:
    """The Events API's ``url_verification`` request (data/url_verification.json)."""
    body: dict[str, Any] = recorded("url_verification.json")
    if challenge is not None:
        body["challenge"] = challenge
    return body
