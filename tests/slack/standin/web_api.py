"""The stand-in's Web API: ``/api/<method>`` with a little state (messages, views, reactions, users,
channels) so that the answers look like Slack's; any other method answers ``{"ok": true}`` and is
recorded. Mixed into :class:`SlackStandin`.

Methods with state: auth.test, apps.connections.open, chat.postMessage/postEphemeral/update/delete
(metadata kept), conversations.history/replies (metadata only with ``include_all_metadata``, like
Slack), conversations.open/info, views.open/push/update/publish, users.info, reactions.add, and
users.list / conversations.members (members.py).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from .common import DEFAULT_USER_ID, ApiError, Fault, RecordedCall, maybe_json, truthy
from .members import ChannelMembers, check_blocks
from .views import Views


class WebApi:
    """The Web API methods; the state they read and change lives on :class:`SlackStandin`."""

    team_id: str
    team_domain: str
    team_name: str
    enterprise_id: str | None
    app_id: str
    bot_user_id: str
    bot_id: str
    bot_name: str
    valid_tokens: set[str] | None
    trigger_ttl: float | None
    calls: list[RecordedCall]
    users: dict[str, dict[str, Any]]
    channels: dict[str, dict[str, Any]]
    messages: dict[tuple[str, str], dict[str, Any]]
    ephemerals: list[dict[str, Any]]
    views: dict[str, dict[str, Any]]
    home_views: dict[str, dict[str, Any]]
    reactions: list[dict[str, str]]
    dm_channels: dict[tuple[str, ...], str]
    triggers: dict[str, float]
    socket_url: str
    _take_fault: Callable[[str], Fault | None]
    new_ts: Callable[[], str]
    dm_channel_for: Callable[..., str]
    add_channel: Callable[..., dict[str, Any]]

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await read_params(request)
        headers = {k.lower(): v for k, v in request.headers.items()}
        status, body, extra_headers = self._dispatch(method, params, headers)
        self.calls.append(
            RecordedCall(
                method=method,
                params=params,
                headers=headers,
                status=status,
                response=body,
                http_verb=request.method,
                at=time.monotonic(),
            )
        )
        return web.json_response(body, status=status, headers=extra_headers)

    def _dispatch(
        self, method: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        fault = self._take_fault(method)
        if fault is not None:
            return fault.status, dict(fault.body), dict(fault.headers)
        if method == "oauth.v2.access":  # client id and secret, no token (oauth.py)
            try:
                return 200, self._oauth_v2_access(params, headers), {}  # type: ignore[attr-defined]
            except ApiError as exc:
                return 200, {"ok": False, "error": exc.error}, {}
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else params.get("token")
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        other = self.workspace_of(token)  # type: ignore[attr-defined]
        if other is not None and method == "auth.test":
            return 200, {"ok": True, "team": other.team_name, "team_id": other.team_id, "user_id": other.bot_user_id,
                         "bot_id": other.bot_id, "user": "relais", "is_enterprise_install": False}, {}  # fmt: skip
        if self.valid_tokens is not None and token not in self.valid_tokens and other is None:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        is_app_token = str(token).startswith("xapp-")
        if (method == "apps.connections.open") != is_app_token:
            return 200, {"ok": False, "error": "not_allowed_token_type"}, {}
        handler = self._methods.get(method)
        if handler is None:
            return 200, {"ok": True}, {}
        self.caller = self.speaker(token)  # type: ignore[attr-defined]  # teams.py: the token's workspace
        try:
            return 200, handler(self, params), {}
        except ApiError as exc:  # members.py raises it as StandinError
            return 200, {"ok": False, "error": exc.error, **exc.extra}, {}
        finally:
            self.caller = None

    # ------------------------------------------------------------------ Web API methods

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }
        if self.enterprise_id:
            body["enterprise_id"] = self.enterprise_id
        return body

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        ticket = uuid.uuid4()
        return {"ok": True, "url": f"{self.socket_url}?ticket={ticket}&app_id={self.app_id}"}

    def _resolve_channel(self, channel: Any) -> str:
        if not channel:
            raise ApiError("channel_not_found")
        channel = str(channel)
        if channel[:1] in ("U", "W"):  # posting to a user id opens/uses the DM, like Slack
            return self.dm_channel_for(channel)
        return channel

    def _bot_message(self, params: dict[str, Any], ts: str) -> dict[str, Any]:
        bot = self.speaking  # type: ignore[attr-defined]  # the workspace of the token (teams.py)
        message: dict[str, Any] = {
            "user": bot.bot_user_id,
            "type": "message",
            "ts": ts,
            "bot_id": bot.bot_id,
            "app_id": self.app_id,
            "text": str(params.get("text") or ""),
            "team": bot.team_id,
            "bot_profile": {
                "id": bot.bot_id,
                "app_id": self.app_id,
                "name": self.bot_name,
                "deleted": False,
                "team_id": bot.team_id,
            },
        }
        for key in ("blocks", "attachments", "metadata"):
            if params.get(key) not in (None, ""):
                message[key] = maybe_json(params[key])
        if params.get("thread_ts"):
            message["thread_ts"] = str(params["thread_ts"])
            message["parent_user_id"] = self.bot_user_id
        return message

    @staticmethod
    def _require_content(params: dict[str, Any]) -> None:
        if not any(params.get(k) not in (None, "", "[]") for k in ("text", "blocks", "attachments")):
            raise ApiError("no_text")
        check_blocks(maybe_json(params.get("blocks")))

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(params.get("channel"))
        self._require_content(params)
        ts = self.new_ts()
        message = self._bot_message(params, ts)
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(params.get("channel"))
        if not params.get("user"):
            raise ApiError("user_not_in_channel")
        self._require_content(params)
        ts = self.new_ts()
        self.ephemerals.append(
            {"channel": channel, "user": str(params["user"]), "message": self._bot_message(params, ts)}
        )
        return {"ok": True, "message_ts": ts}

    def _find_message(self, params: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
        channel = self._resolve_channel(params.get("channel"))
        ts = str(params.get("ts") or "")
        message = self.messages.get((channel, ts))
        if message is None:
            raise ApiError("message_not_found")
        return channel, ts, message

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        """As Slack documents chat.update: `channel` is a conversation id (a user id is not found),
        only the caller's own messages can be updated, one of text/blocks/attachments is required;
        `text` without `blocks` removes the blocks, metadata left out is kept (`{}` removes it), and
        the "edited" flag shows only on a message without blocks."""
        channel = str(params.get("channel") or "")
        if not channel or channel[:1] in ("U", "W"):
            raise ApiError("channel_not_found")
        channel, ts, message = self._find_message(params)
        if message.get("bot_id") != self.speaking.bot_id:  # type: ignore[attr-defined]
            raise ApiError("cant_update_message")
        self._require_content(params)
        if "text" in params:
            message["text"] = str(params["text"] or "")
            if "blocks" not in params:
                message.pop("blocks", None)
        for key in ("blocks", "attachments", "metadata"):
            if key in params:
                value = maybe_json(params[key])
                if value in ({}, [], None, ""):
                    message.pop(key, None)
                else:
                    message[key] = value
        edited = {"user": self.bot_user_id, "ts": self.new_ts()}
        message.pop("edited", None)
        if not message.get("blocks"):
            message["edited"] = edited
        return {"ok": True, "channel": channel, "ts": ts, "text": message.get("text", ""), "message": message}

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts, _ = self._find_message(params)
        del self.messages[(channel, ts)]
        return {"ok": True, "channel": channel, "ts": ts}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user") or ""))
        if user is None:
            raise ApiError("user_not_found")
        public = {k: v for k, v in user.items() if not k.startswith("_")}
        if truthy(params.get("include_locale", False)):
            public["locale"] = user["_locale"]
        return {"ok": True, "user": public}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("channel"):
            return {
                "ok": True,
                "no_op": True,
                "already_open": True,
                "channel": {"id": str(params["channel"])},
            }
        raw = params.get("users")
        users = raw if isinstance(raw, list) else str(raw or "").split(",")
        users = [u.strip() for u in users if u and u.strip()]
        if not users:
            raise ApiError("users_list_not_supplied")
        for user_id in users:
            if user_id not in self.users:
                raise ApiError("user_not_found")
            self.check_user_here(user_id)  # type: ignore[attr-defined]
        known = tuple(sorted(u for u in users if u != self.bot_user_id)) in self.dm_channels
        channel_id = self.dm_channel_for(*users)
        channel: dict[str, Any] = {"id": channel_id}
        if truthy(params.get("return_im", False)):
            channel = dict(self.channels[channel_id])
        return {"ok": True, "no_op": known, "already_open": known, "channel": channel}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(params.get("channel") or "")
        channel = self.channels.get(channel_id)
        if channel is None:
            if channel_id[:1] == "C":
                channel = self.add_channel(channel_id)
            elif channel_id[:1] == "G":
                channel = self.add_channel(channel_id, is_private=True)
            elif channel_id[:1] == "D":
                channel = self.add_channel(channel_id, is_im=True, user=DEFAULT_USER_ID)
            else:
                raise ApiError("channel_not_found")
        body = dict(channel)
        if truthy(params.get("include_locale", False)):
            body["locale"] = "en-US"
        if truthy(params.get("include_num_members", False)):
            body["num_members"] = 2
        return {"ok": True, "channel": body}

    def _reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(params.get("channel"))
        ts = str(params.get("timestamp") or "")
        name = str(params.get("name") or "").strip(":")
        if not ts or not name:
            raise ApiError("invalid_arguments")
        reaction = {"channel": channel, "ts": ts, "name": name, "user": self.bot_user_id}
        if reaction in self.reactions:
            raise ApiError("already_reacted")
        self.reactions.append(reaction)
        message = self.messages.get((channel, ts))
        if message is not None:
            message.setdefault("reactions", []).append({"name": name, "users": [self.bot_user_id], "count": 1})
        return {"ok": True}

    def _history_page(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        """Newest first, ``limit`` per page, an opaque cursor; metadata only when asked (like Slack)."""
        try:
            limit = max(1, min(int(params.get("limit") or 100), 1000))
            start = int(str(params.get("cursor") or "0").removeprefix("next_"))
        except ValueError as exc:
            raise ApiError("invalid_cursor") from exc
        oldest, latest = float(params.get("oldest") or 0), float(params.get("latest") or "inf")
        chosen = [m for m in messages if oldest <= float(m["ts"]) <= latest]
        page = chosen[start : start + limit]
        with_metadata = truthy(params.get("include_all_metadata", False))
        out = [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(chosen)
        body: dict[str, Any] = {"ok": True, "messages": out, "has_more": more}
        body["response_metadata"] = {"next_cursor": f"next_{start + limit}" if more else ""}
        return body

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(params.get("channel"))
        messages = sorted(
            (m for (c, _), m in self.messages.items() if c == channel and "thread_ts" not in m),
            key=lambda m: float(m["ts"]),
            reverse=True,
        )
        return self._history_page(messages, params)

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(params.get("channel"))
        parent = str(params.get("ts") or "")
        if (channel, parent) not in self.messages:
            raise ApiError("thread_not_found")
        thread = [
            m for (c, ts), m in self.messages.items() if c == channel and (ts == parent or m.get("thread_ts") == parent)
        ]
        return self._history_page(sorted(thread, key=lambda m: float(m["ts"])), params)

    _methods: dict[str, Callable[[Any, dict[str, Any]], dict[str, Any]]] = {
        "auth.test": _auth_test,
        "apps.connections.open": _apps_connections_open,
        "chat.postMessage": _chat_post_message,
        "chat.postEphemeral": _chat_post_ephemeral,
        "chat.update": _chat_update,
        "chat.delete": _chat_delete,
        "views.open": Views._views_open,
        "views.push": Views._views_push,
        "views.update": Views._views_update,
        "views.publish": Views._views_publish,
        "users.info": _users_info,
        "conversations.open": _conversations_open,
        "conversations.info": _conversations_info,
        "conversations.history": _conversations_history,
        "conversations.replies": _conversations_replies,
        "reactions.add": _reactions_add,
        "conversations.members": ChannelMembers._conversations_members,
        "users.list": ChannelMembers._users_list,
    }


async def read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str):
                params[key] = value
            else:  # uploaded file
                params[key] = {"filename": value.filename, "size": len(value.file.read())}
        return params
    raw = await request.read()
    if not raw:
        return params
    text = raw.decode("utf-8", errors="replace")
    if request.content_type == "application/json" or text.lstrip().startswith("{"):
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if isinstance(body, dict):
            params.update(body)
            return params
    params.update(parse_qsl(text, keep_blank_values=True))
    return params
