"""Modals and Home tabs for the stand-in's Web API: views.open/push/update/publish, with the 3-second
trigger_id Slack allows, exchanged once (views.open's `exchanged_trigger_id`). Mixed into
:class:`SlackStandin` (web_api.py routes the methods here)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from .common import ApiError, maybe_json, new_id


class Views:
    """Views by id (modals, stacked by views.push) and the Home tab of each user."""

    team_id: str
    app_id: str
    bot_id: str
    trigger_ttl: float | None
    triggers: dict[str, float]
    exchanged: set[str]
    monotonic: Callable[[], float]
    users: dict[str, dict[str, Any]]
    views: dict[str, dict[str, Any]]
    home_views: dict[str, dict[str, Any]]

    def _check_trigger(self, params: dict[str, Any]) -> None:
        trigger_id = params.get("trigger_id")
        if not trigger_id:
            raise ApiError("invalid_arguments")
        self.check_trigger_team(str(trigger_id))  # type: ignore[attr-defined]  # teams.py
        issued = self.triggers.get(str(trigger_id))
        if self.trigger_ttl is not None and issued is not None and self.monotonic() - issued > self.trigger_ttl:
            raise ApiError("expired_trigger_id")

    def _build_view(
        self, params: dict[str, Any], *, view_id: str | None = None, previous: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        spec = maybe_json(params.get("view"))
        if not isinstance(spec, dict):
            raise ApiError("invalid_arguments")
        view_id = view_id or new_id("V")
        root_view_id = previous["root_view_id"] if previous else view_id
        team_id, bot_id = self.speaking.team_id, self.speaking.bot_id  # type: ignore[attr-defined]  # teams.py
        view: dict[str, Any] = {
            "id": view_id,
            "team_id": team_id,
            "type": spec.get("type", "modal"),
            "blocks": spec.get("blocks", []),
            "private_metadata": spec.get("private_metadata", ""),
            "callback_id": spec.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "title": spec.get("title"),
            "clear_on_close": bool(spec.get("clear_on_close", False)),
            "notify_on_close": bool(spec.get("notify_on_close", False)),
            "close": spec.get("close"),
            "submit": spec.get("submit"),
            "previous_view_id": previous["id"] if previous else None,
            "root_view_id": root_view_id,
            "app_id": self.app_id,
            "external_id": spec.get("external_id", ""),
            "app_installed_team_id": team_id,
            "bot_id": bot_id,
        }
        self.views[view_id] = view
        return view

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_trigger(params)
        trigger_id = str(params["trigger_id"])
        if trigger_id in self.exchanged:  # Slack: "The trigger_id was already exchanged in a previous call."
            raise ApiError("exchanged_trigger_id")
        self.exchanged.add(trigger_id)
        return {"ok": True, "view": self._build_view(params)}

    def _views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_trigger(params)
        modals = [v for v in self.views.values() if v["type"] == "modal"]
        previous = modals[-1] if modals else None  # the modal on top of the stack
        return {"ok": True, "view": self._build_view(params, previous=previous)}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = params.get("view_id")
        current: dict[str, Any] | None = None
        if view_id:
            current = self.views.get(str(view_id))
        elif params.get("external_id"):
            current = next((v for v in self.views.values() if v.get("external_id") == params["external_id"]), None)
        else:
            raise ApiError("invalid_arguments")
        if current is None:
            raise ApiError("not_found")
        if params.get("hash") and params["hash"] != current["hash"]:
            raise ApiError("hash_conflict")
        prev = self.views.get(current["previous_view_id"]) if current["previous_view_id"] else None
        view = self._build_view(params, view_id=current["id"], previous=prev)
        view["root_view_id"] = current["root_view_id"]
        return {"ok": True, "view": view}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = params.get("user_id")
        if not user_id:
            raise ApiError("invalid_arguments")
        if str(user_id) not in self.users:
            raise ApiError("user_not_found")
        self.check_user_here(str(user_id))  # type: ignore[attr-defined]
        current = self.home_views.get(str(user_id))
        if current and params.get("hash") and params["hash"] != current["hash"]:
            raise ApiError("hash_conflict")
        view = self._build_view(params, view_id=current["id"] if current else None)
        if view["type"] != "home":
            raise ApiError("invalid_arguments")
        self.home_views[str(user_id)] = view
        return {"ok": True, "view": view}
