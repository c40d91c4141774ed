"""Interactions as this stand-in's Slack sends them: slash commands, events, button clicks and
modal submissions carrying its team, app, a fresh trigger_id and a ``response_url`` it serves
(``/response/<id>``, posts recorded in ``response_posts``). Mixed into :class:`SlackStandin`."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from . import payloads
from .common import DEFAULT_CHANNEL_ID, DEFAULT_USER_ID, ApiError, RecordedCall, maybe_json
from .members import check_blocks
from .web_api import read_params


class Interactions:
    """Payloads addressed from this stand-in, and the response_url endpoint."""

    team_id: str
    team_domain: str
    app_id: str
    enterprise_id: str | None
    bot_user_id: str
    bot_id: str
    users: dict[str, dict[str, Any]]
    channels: dict[str, dict[str, Any]]
    response_posts: list[RecordedCall]
    new_trigger_id: Callable[..., str]
    bot_of: Callable[[str], tuple[str, str]]
    new_response_url: Callable[[], str]

    def slash_command(
        self,
        command: str,
        text: str = "",
        user_id: str = DEFAULT_USER_ID,
        channel_id: str = DEFAULT_CHANNEL_ID,
        **kwargs: Any,
    ) -> dict[str, str]:
        """:func:`payloads.slash_command` with this stand-in's team/app, response_url and a fresh trigger."""
        kwargs.setdefault("team_id", self.team_id)
        kwargs.setdefault("team_domain", self.team_domain)
        kwargs.setdefault("api_app_id", self.app_id)
        kwargs.setdefault("enterprise_id", self.enterprise_id)
        kwargs.setdefault("response_url", self.new_response_url())
        kwargs.setdefault("trigger_id", self.new_trigger_id(kwargs["team_id"]))
        kwargs.setdefault("user_name", self._user_name(user_id))
        kwargs.setdefault("channel_name", self._channel_name(channel_id))
        return payloads.slash_command(command, text, user_id, channel_id, **kwargs)

    def event_callback(self, event: Mapping[str, Any], event_id: str | None = None, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("team_id", self.team_id)
        kwargs.setdefault("api_app_id", self.app_id)
        kwargs.setdefault("enterprise_id", self.enterprise_id)
        kwargs.setdefault("bot_user_id", self.bot_of(kwargs["team_id"])[0])
        return payloads.event_callback(event, event_id, **kwargs)

    def block_actions(self, action_id: str, value: str | None = None, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("team_id", self.team_id)
        kwargs.setdefault("team_domain", self.team_domain)
        kwargs.setdefault("api_app_id", self.app_id)
        kwargs.setdefault("trigger_id", self.new_trigger_id(kwargs["team_id"]))
        if kwargs.get("view") is None:
            kwargs.setdefault("response_url", self.new_response_url())
        return payloads.block_actions(action_id, value, **kwargs)

    def shortcut(self, callback_id: str, message: Mapping[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        """:func:`payloads.shortcut`: global, or on ``message`` (then with a response_url it serves)."""
        kwargs.setdefault("team_id", self.team_id)
        kwargs.setdefault("team_domain", self.team_domain)
        kwargs.setdefault("trigger_id", self.new_trigger_id(kwargs["team_id"]))
        if message is not None:
            kwargs.setdefault("response_url", self.new_response_url())
        return payloads.shortcut(callback_id, message=message, **kwargs)

    def view_submission(
        self,
        view_callback_id: str,
        state_values: Mapping[str, Any] | None = None,
        private_metadata: str = "",
        user_id: str = DEFAULT_USER_ID,
        **kwargs: Any,
    ) -> dict[str, Any]:
        kwargs.setdefault("team_id", self.team_id)
        kwargs.setdefault("team_domain", self.team_domain)
        kwargs.setdefault("api_app_id", self.app_id)
        kwargs.setdefault("bot_id", self.bot_of(kwargs["team_id"])[1])
        kwargs.setdefault("trigger_id", self.new_trigger_id(kwargs["team_id"]))
        return payloads.view_submission(view_callback_id, state_values, private_metadata, user_id, **kwargs)

    def _user_name(self, user_id: str) -> str:
        user = self.users.get(user_id)
        return str(user["name"]) if user else user_id.lower()

    def _channel_name(self, channel_id: str) -> str:
        channel = self.channels.get(channel_id)
        if channel is None:
            return "directmessage" if channel_id.startswith("D") else channel_id.lower()
        if channel.get("is_im"):
            return "directmessage"
        return str(channel.get("name", channel_id.lower()))

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        params = await read_params(request)
        headers = {k.lower(): v for k, v in request.headers.items()}
        body: dict[str, Any] = {"ok": True}
        status = 200
        try:
            check_blocks(maybe_json(params.get("blocks")))
        except ApiError as exc:
            body, status = {"ok": False, "error": exc.error}, 400
        self.response_posts.append(
            RecordedCall(
                method="response_url",
                params=params,
                headers=headers,
                status=status,
                response=body,
                http_verb=request.method,
                at=time.monotonic(),
                response_id=request.match_info["response_id"],
            )
        )
        return web.json_response(body, status=status)
