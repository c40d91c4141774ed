"""Shared fixtures: every database test runs on SQLite, and on PostgreSQL when
RELAIS_TEST_DATABASE_URL is set; each test runs in a transaction that is rolled back. No test
reaches beyond loopback (`offline`, autouse)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FixedClock
from bot.config import CircleConfig, Config
from bot.db import Store, make_engine, upgrade
from bot.dispatch import Dispatcher
from bot.markup import to_plain
from bot.outbox_leases import close_lease_owner
from bot.reply import Incoming, Reply
from commands import build_router
from tests.support.network import NetworkGuard

PARIS = ZoneInfo("Europe/Paris")
PG_URL = os.environ.get("RELAIS_TEST_DATABASE_URL")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)  # a Thursday


@pytest.fixture(scope="session", autouse=True)
def network_guard() -> Iterator[NetworkGuard]:
    """Installed once for the whole run, before any other fixture (servers started by session
    fixtures included): connections and name look-ups beyond loopback are refused."""
    with NetworkGuard().installed() as guard:
        yield guard


@pytest.fixture(autouse=True)
def offline(network_guard: NetworkGuard) -> Iterator[NetworkGuard]:
    """Fails the test that tried to reach beyond loopback, even when its code caught the error."""
    mark = len(network_guard.attempts)
    yield network_guard
    refused = network_guard.since(mark)
    if refused:
        pytest.fail("this test tried to reach beyond loopback: " + "; ".join(refused), pytrace=False)


def _sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path = tmp_path_factory.mktemp("db") / "relais.db"
    return make_engine(f"sqlite:///{path}")


def _postgres_engine() -> tuple[Engine, str]:
    assert PG_URL is not None
    schema = f"relais_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    return engine, schema


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A database at the head revision, once per backend and test session."""
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("PostgreSQL tests need RELAIS_TEST_DATABASE_URL (.ci/run sets it)")
        engine, schema = _postgres_engine()
        upgrade(engine)
        yield engine
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
        return
    engine = _sqlite_engine(tmp_path_factory)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict]]:
    """A new, empty database at head (URL and engine options), for tests with several engines."""
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("PostgreSQL tests need RELAIS_TEST_DATABASE_URL (.ci/run sets it)")
        schema = f"relais_sched_{uuid.uuid4().hex[:10]}"
        admin = make_engine(PG_URL)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        options = {"connect_args": {"options": f"-csearch_path={schema}"}}
        engine = make_engine(PG_URL, **options)
        upgrade(engine)
        engine.dispose()
        yield PG_URL, options
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        return
    url = f"sqlite:///{tmp_path_factory.mktemp('sched') / 'relais.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url, {}


@pytest.fixture
def store(engine: Engine) -> Iterator[Store]:
    """A store whose commits are savepoints inside one transaction, rolled back after the test."""
    connection = engine.connect()
    transaction = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    store = Store(engine, factory)
    yield store
    close_lease_owner(store)  # a delivery loop's lease owner (bot.outbox_leases): its lock file or connection
    transaction.rollback()
    connection.close()


@pytest.fixture
def session(store: Store) -> Iterator[Session]:
    with store.unit_of_work() as session:
        yield session


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def make_config(**changes: object) -> Config:
    config = Config(
        community_name="Test community",
        language="fr",
        timezone="Europe/Paris",
        facilitators=("console:fabienne",),
        default_circle="COPIL",
        circles=(CircleConfig("COPIL", ("console:copil",)), CircleConfig("GT Mobilité", ("console:gt",))),
    )
    return replace(config, **changes)  # type: ignore[arg-type]


@dataclass
class TestBot:
    """The one recording fake adapter of the command tests: `say` returns the plain reply text."""

    dispatcher: Dispatcher
    clock: FixedClock
    replies: list[tuple[str, Reply]] = field(default_factory=list)

    __test__ = False  # not a test class

    def send(self, who: str, line: str, circle: str = "copil", event_id: str | None = None) -> Reply | None:
        reply = self.dispatcher.handle(
            Incoming(
                identity=f"console:{who}",
                text=line,
                channel=f"console:{circle}",
                event_id=event_id,
                display_name=who.capitalize(),
            )
        )
        if reply is not None:
            self.replies.append((who, reply))
        return reply

    def say(self, who: str, line: str, circle: str = "copil") -> str:
        reply = self.send(who, line, circle)
        assert reply is not None
        return to_plain(reply.text)

    def advance(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))

    @property
    def store(self) -> Store:
        return self.dispatcher.store


@pytest.fixture
def config() -> Config:
    return make_config()


@pytest.fixture
def testbot(store: Store, clock: FixedClock, config: Config) -> TestBot:
    dispatcher = Dispatcher(store=store, config=config, clock=clock, router=build_router())
    dispatcher.setup()
    return TestBot(dispatcher, clock)
