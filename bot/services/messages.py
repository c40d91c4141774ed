"""Relais' own messages on the platforms (message refs), for adapters: which of them stand for an
item, and when one was posted (a read receipt on it reads up to that time)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.dispatch import Dispatcher
from bot.models import MessageRef
from bot.services.reads import item_for_message


def is_item_message(dispatcher: Dispatcher, channel: str, message_id: str) -> bool:
    """Does this message stand for an item (an acknowledgement on it counts)?"""
    with dispatcher.store.unit_of_work() as session:
        return item_for_message(session, channel, message_id) is not None


def posted_at(dispatcher: Dispatcher, channel: str, message_id: str) -> datetime | None:
    """When Relais posted this message of an item; None for any other message."""
    with dispatcher.store.unit_of_work() as session:
        return session.scalar(
            select(MessageRef.posted_at).where(MessageRef.channel == channel, MessageRef.message_id == message_id)
        )
