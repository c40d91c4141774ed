"""Secrets leave the outbox: the copy Relais keeps of a delivered message whose text carried a secret
valid for a while (a /dashboard sign-in link, a /link code: `Post.secret_until`) is blanked once that
time has passed, so that whoever reads the database later finds nothing to use.

Run by the scheduler's periodic pass (every minute by default): a reading look first, so that a pass
with nothing to blank takes no write lock. A row not delivered yet is left until it is.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from bot.db import Store
from bot.kinds import OutboxStatus
from bot.models import OutboxMessage

BLANKED = "(removed: a secret valid for a short while only)"
DELIVERED = (OutboxStatus.SENT, OutboxStatus.FAILED)


def blank_expired(store: Store, now: datetime) -> int:
    """Blank the delivered rows whose secret has expired; returns how many."""
    expired = (OutboxMessage.blank_after <= now, OutboxMessage.status.in_(DELIVERED))
    with store.unit_of_work(reading=True) as session:
        if session.scalar(select(OutboxMessage.id).where(*expired).limit(1)) is None:
            return 0
    with store.unit_of_work() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(*expired)
            .values(text=BLANKED, blank_after=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)
