"""Relais addresses of Slack things: identities `slack:T/U` and channels `slack:T/C` (pure)."""

from __future__ import annotations

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
