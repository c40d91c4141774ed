"""Messages held for a conversation that took none for a while (bot.delivery.Held: a Slack workspace
that uninstalled Relais): when it takes messages again (installed anew), they are due at once instead
of at their next look."""

from __future__ import annotations

from sqlalchemy import update

from bot.dispatch import Dispatcher
from bot.kinds import OutboxStatus
from bot.models import OutboxMessage


def release_held(dispatcher: Dispatcher, platform: str, reason: str) -> int:
    """Make due now the waiting rows of `platform` held for `reason` (words of their last error); how many."""
    now = dispatcher.clock.now()
    with dispatcher.store.unit_of_work() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.platform == platform,
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.not_before > now,
                OutboxMessage.last_error.contains(reason, autoescape=True),
            )
            .values(not_before=now)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)
