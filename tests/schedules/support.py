"""Shared helpers for the scheduled-post tests: a community whose members use Matrix (so posts
reach the outbox), a clock to move, run_due, and the week most tests start from (setup_week). The
`world` fixture is in conftest.py; `fresh_url` (a new database for multi-process tests) in tests/conftest.py."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import FixedClock
from bot.config import CircleConfig, Config
from bot.db import Store
from bot.dispatch import Dispatcher
from bot.markup import to_plain
from bot.models import Occurrence, OutboxMessage
from bot.reply import Incoming
from commands import build_router
from schedules.occurrences import planned_occurrences, sync_schedules
from schedules.rounds import Outcome, run_due
from tests.conftest import make_config

PARIS = ZoneInfo("Europe/Paris")


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def schedules_config(**schedules: object) -> Config:
    return replace(
        make_config(),
        facilitators=("console:fabienne", "matrix:@fabienne:hs"),
        circles=(
            CircleConfig("COPIL", ("console:copil", "matrix:!copil:hs")),
            CircleConfig("GT Mobilité", ("console:gt", "matrix:!gt:hs")),
        ),
        sections={"schedules": dict(schedules)},
    )


@dataclass
class World:
    """A community on Matrix: `say` speaks as @who:hs in a circle's room; `run` runs the scheduler."""

    store: Store
    clock: FixedClock
    config: Config
    dispatcher: Dispatcher

    def say(self, who: str, line: str, circle: str = "copil") -> str:
        reply = self.dispatcher.handle(
            Incoming(
                identity=f"matrix:@{who}:hs", text=line, channel=f"matrix:!{circle}:hs", display_name=who.capitalize()
            )
        )
        assert reply is not None
        return to_plain(reply.text)

    def run(self, at: datetime | None = None) -> list[Outcome]:
        if at is not None:
            self.clock.set(at)
        return run_due(self.store, self.config, self.clock.now())

    def until(self, end: datetime) -> list[Outcome]:
        """Move the clock from one planned occurrence to the next, as the scheduler's timers do."""
        outcomes = self.run()
        while True:
            nxt = self.next_due()
            if nxt is None or nxt > end:
                break
            outcomes += self.run(nxt)
        self.clock.set(end)
        return outcomes + self.run()

    def next_due(self) -> datetime | None:
        settings = self.config.schedules
        with self.store.unit_of_work() as session:
            community = self.dispatcher.community(session)
            rows = sync_schedules(session, community, settings, self.clock.now())
            dues = planned_occurrences(
                session, community, rows, settings, self.clock.now(), self.clock.now() + timedelta(days=8)
            )
        return dues[0].at if dues else None

    def outbox(self) -> list[OutboxMessage]:
        with self.store.unit_of_work() as session:
            return list(
                session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.occurrence_key))
            )

    def occurrences(self) -> list[Occurrence]:
        with self.store.unit_of_work() as session:
            return list(session.scalars(select(Occurrence).order_by(Occurrence.due_at, Occurrence.id)))

    def session(self) -> Session:
        return self.store.session_factory()


def make_world(store: Store, clock: FixedClock, config: Config) -> World:
    dispatcher = Dispatcher(store=store, config=config, clock=clock, router=build_router())
    dispatcher.setup()
    return World(store, clock, config, dispatcher)


def setup_week(world: World) -> None:
    """Thu 26 Nov 2026 10:00: a meeting next Thursday, commitments due Sunday and Monday, an update."""
    world.run()  # the scheduler starts: schedules begin now
    assert "Réunion #1 planifiée" in world.say("fabienne", "/meeting COPIL de rentrée jeudi 14h salle du conseil")
    world.say("alice", "/engage Envoyer le compte rendu lundi")
    world.say("bob", "/engage Réserver la salle dimanche")
    world.say("carla", "/update Les inscriptions sont ouvertes", circle="gt")
    world.say("bob", "/agenda add Point budget")
    world.say("bob", "/digest me on")
    world.say("alice", "/whoami", circle="gt")
