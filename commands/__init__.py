"""Command handlers, one module per family. build_router() gathers them all."""

from __future__ import annotations

from bot.router import Router


def build_router() -> Router:
    from commands import (
        actions,
        circles,
        commitments,
        dashboard,
        digest,
        general,
        linking,
        meetings,
        members,
        nudges,
        reads,
        schedule,
        updates,
    )

    router = Router()
    for module in (
        commitments,
        updates,
        reads,
        actions,
        meetings,
        digest,
        nudges,
        schedule,
        members,
        linking,
        circles,
        dashboard,
        general,
    ):
        router.include(module.router)
    general.attach_help(router)
    return router
