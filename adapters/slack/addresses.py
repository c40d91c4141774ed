"""Relais addresses of Slack things: identities `slack:T/U` and channels `slack:T/C` (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PREFIX = "slack:"


def identity(team: str, user: str) -> str:
    return f"{PREFIX}{team}/{user}"


def channel(team: str, channel_id: str) -> str:
    return f"{PREFIX}{team}/{channel_id}"


def split(address: str | None) -> tuple[str, str] | None:
    """`slack:T1/C1` -> ("T1", "C1"); None for anything else."""
    if not address or not address.startswith(PREFIX):
        return None
    team, slash, local = address[len(PREFIX) :].partition("/")
    if not slash or not team or not local:
        return None
    return team, local


def local_id(address: str | None) -> str | None:
    """The Slack id part of an address (user or channel id)."""
    parts = split(address)
    return parts[1] if parts else None


def is_direct(channel_id: str) -> bool:
    """A direct-message conversation (D…); the bot's own DM with someone when it came from an event."""
    return channel_id.startswith("D")


def home_team(payload: Mapping[str, Any]) -> str | None:
    """The workspace of the person who acts, when the payload says it (pure).

    An Events API body: the event's `user_team`, else its `team` (a message in a Slack Connect
    channel carries the author's own workspace there, as bolt-python's extract_actor_team_id reads
    it); an interaction (button, modal, shortcut): `user.team_id`; a slash command: `user_team` when
    Slack gives it. None otherwise (the receiving workspace is then assumed until Slack describes them).
    """
    event = payload.get("event")
    if isinstance(event, Mapping):
        candidates = [event.get("user_team"), event.get("team")]
    else:
        user = payload.get("user")
        candidates = [user.get("team_id") if isinstance(user, Mapping) else None, payload.get("user_team")]
    return next((str(team) for team in candidates if isinstance(team, str) and team.startswith("T")), None)
