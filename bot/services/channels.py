"""Platform channels and the circles they belong to, for adapters (one unit of work each).

Which channels are mapped to a circle, the slugs of their circles (a `#channel` mention as a
`#circle` argument), the mappings an adapter reads from its configuration, and a channel that
moves (a Matrix room upgraded to a new room keeps its circle).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select

from bot.dispatch import Dispatcher
from bot.models import CircleChannel
from bot.services.community import ensure_circle, map_channel
from bot.services.directory import directory_of


def is_mapped(dispatcher: Dispatcher, channel: str) -> bool:
    """Is this channel a circle's? (The store's directory answers: no transaction.)"""
    return directory_of(dispatcher.store).is_mapped(channel)


def mapped_among(dispatcher: Dispatcher, channels: Iterable[str]) -> set[str]:
    """The channels among `channels` that are mapped to a circle."""
    return directory_of(dispatcher.store).mapped_among(channels)


def platform_channels(dispatcher: Dispatcher, platform: str) -> list[str]:
    """Every channel of `platform` mapped to a circle (from the configuration or /map), in order."""
    with dispatcher.store.unit_of_work() as session:
        rows = session.scalars(
            select(CircleChannel.channel)
            .where(CircleChannel.channel.like(f"{platform}:%"))
            .order_by(CircleChannel.channel)
        )
        return list(rows)


def circle_slugs(dispatcher: Dispatcher, channels: Iterable[str]) -> dict[str, str]:
    """Channel address -> the slug of the circle it is mapped to (for `#circle` arguments)."""
    wanted = list(channels)
    if not wanted:
        return {}
    with dispatcher.store.unit_of_work() as session:
        rows = session.scalars(select(CircleChannel).where(CircleChannel.channel.in_(wanted))).all()
        return {row.channel: row.circle.slug for row in rows}


def map_channels(dispatcher: Dispatcher, channels: Mapping[str, str]) -> list[tuple[str, str]]:
    """Map each channel address to the circle named (created if needed); returns (channel, circle name)."""
    done = []
    with dispatcher.store.unit_of_work() as session:
        community = dispatcher.community(session)
        for channel, circle_name in channels.items():
            circle = ensure_circle(session, community, circle_name)
            map_channel(session, circle, channel)
            done.append((channel, circle.name))
    return done


def move_channel(dispatcher: Dispatcher, old: str, new: str) -> str | None:
    """The circle of channel `old` is now in channel `new` instead; returns its name (None: `old` was no circle's)."""
    with dispatcher.store.unit_of_work() as session:
        mapping = session.scalar(select(CircleChannel).where(CircleChannel.channel == old))
        if mapping is None:
            return None
        circle = mapping.circle
        session.delete(mapping)
        session.flush()
        map_channel(session, circle, new)
        return circle.name
