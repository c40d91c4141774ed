"""The rights table of the README, walked line by line and role by role, on Matrix and Slack identities.

The table is read from README.md itself, so the documentation and the behaviour cannot drift
apart. The community starts as real ones do: partners are in the circles' rooms because the
platform lists them there (never having typed anything), the facilitator is named in the config
and in no room, a stranger writes to Relais in a direct chat. Every refusal must leave the store
exactly as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import FixedClock
from bot.config import CircleConfig
from bot.db import Store
from bot.dispatch import Dispatcher
from bot.markup import to_plain
from bot.models import (
    Acknowledgement,
    AgendaTopic,
    ChannelMember,
    CircleMember,
    Commitment,
    CommitmentChange,
    Identity,
    Item,
    Meeting,
    Member,
    MemberPreference,
    Schedule,
)
from bot.reply import Incoming, Reply
from bot.services.membership import sync_channel
from commands import build_router
from tests.conftest import make_config

README = Path(__file__).resolve().parents[2] / "README.md"
ROLES = ("stranger", "other circle", "owner / author", "colleague", "partner", "muted", "facilitator")


def rights_table() -> list[tuple[str, dict[str, bool]]]:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- rights-table")
    rows: list[tuple[str, dict[str, bool]]] = []
    header: list[str] = []
    for line in text[start:].splitlines()[1:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not header:
            header = cells
            continue
        if set(cells[0]) <= {"-", " "}:
            continue
        command = re.fullmatch(r"`(.+)`", cells[0])
        assert command, cells[0]
        rows.append((command.group(1), {role: cell == "✅" for role, cell in zip(header[1:], cells[1:], strict=True)}))
    assert tuple(header[1:]) == ROLES
    return rows


TABLE = rights_table()


@dataclass(frozen=True)
class Platform:
    name: str

    def identity(self, who: str) -> str:
        return f"matrix:@{who}:hs.example" if self.name == "matrix" else f"slack:T1/U{who.upper()}"

    def room(self, circle: str) -> str:
        return f"matrix:!{circle}:hs.example" if self.name == "matrix" else f"slack:T1/C{circle.upper()}"

    def direct(self, who: str) -> str:
        return f"matrix:!dm-{who}:hs.example" if self.name == "matrix" else f"slack:T1/D{who.upper()}"


PLATFORMS = (Platform("matrix"), Platform("slack"))
WHERE = {"paula": "copil", "quentin": "copil", "cora": "copil", "cyril": "copil", "mona": "copil", "oscar": "gt"}
# the others write directly; Cora works with Paula (Mairie), Cyril with Quentin (Centre social)


@dataclass
class World:
    dispatcher: Dispatcher
    platform: Platform

    def send(self, who: str, line: str) -> Reply:
        room = WHERE.get(who)
        incoming = Incoming(
            identity=self.platform.identity(who),
            text=line,
            channel=self.platform.room(room) if room else self.platform.direct(who),
            display_name=who.capitalize(),
            direct=room is None,
        )
        reply = self.dispatcher.handle(incoming)
        assert reply is not None
        return reply


def make_world(store: Store, clock: FixedClock, platform: Platform) -> World:
    config = replace(
        make_config(),
        facilitators=(platform.identity("fabienne"),),
        circles=(
            CircleConfig("COPIL", (platform.room("copil"),)),
            CircleConfig("GT Mobilité", (platform.room("gt"),)),
        ),
    )
    dispatcher = Dispatcher(store=store, config=config, clock=clock, router=build_router())
    dispatcher.setup()
    with store.unit_of_work() as session:
        community = dispatcher.community(session)
        for circle, people in (("copil", ("paula", "quentin", "cora", "cyril", "mona")), ("gt", ("oscar",))):
            listed = {platform.identity(who): who.capitalize() for who in people}
            sync_channel(session, community, platform.room(circle), listed, config, clock.now())
    world = World(dispatcher, platform)
    for who, line in (
        ("paula", "/engage Rédiger la charte"),
        ("quentin", "/info Le prochain COPIL a lieu à la mairie"),
        ("fabienne", "/meeting COPIL de rentrée jeudi 3 décembre 14h #copil salle du conseil"),
        ("paula", "/engage Relire la charte"),  # #4, done: for /reopen
        ("paula", "/done #4"),
        ("fabienne", "/member @mona mute"),
        ("fabienne", "/member @paula org Mairie"),
        ("fabienne", "/member @cora org Mairie"),
        ("fabienne", "/member @quentin org Centre social"),
        ("fabienne", "/member @cyril org Centre social"),
    ):
        assert world.send(who, line).ok, line
    return world


def snapshot(session: Session) -> dict[str, object]:
    """Everything a command could change."""
    tables = (
        Member,
        Identity,
        CircleMember,
        ChannelMember,
        Item,
        Commitment,
        CommitmentChange,
        Acknowledgement,
        AgendaTopic,
        MemberPreference,
        Meeting,
        Schedule,
    )
    state: dict[str, object] = {
        table.__tablename__: session.scalar(select(func.count()).select_from(table)) for table in tables
    }
    state["commitments"] = sorted(
        (c.item_id, c.title, c.status, c.owner_id, str(c.due_at), c.progress)
        for c in session.scalars(select(Commitment))
    )
    state["items"] = sorted((i.id, i.text, i.version) for i in session.scalars(select(Item)))
    state["members"] = sorted(
        (m.id, m.role, m.muted, m.organisation_id, m.language) for m in session.scalars(select(Member))
    )
    state["meetings"] = sorted((m.item_id, m.status) for m in session.scalars(select(Meeting)))
    state["schedules"] = sorted((s.id, s.paused) for s in session.scalars(select(Schedule)))
    return state


def actor_for(role: str, line: str) -> str:
    about_item = "#2" in line
    return {
        "stranger": "sacha",
        "other circle": "oscar",
        "owner / author": "quentin" if about_item else "paula",
        "colleague": "cyril" if about_item else "cora",
        "partner": "paula" if about_item else "quentin",
        "muted": "mona",
        "facilitator": "fabienne",
    }[role]


ROUTER = build_router()
CASES = [
    pytest.param(platform, line, role, allowed, id=f"{platform.name}-{role}-{line}")
    for platform in PLATFORMS
    for line, expected in TABLE
    if ROUTER.find(line.split()[0].lstrip("/"), platform.name)  # /react: the console's only (unknown here)
    for role, allowed in expected.items()
]


@pytest.mark.parametrize(("platform", "line", "role", "allowed"), CASES)
def test_rights_table(store: Store, clock: FixedClock, platform: Platform, line: str, role: str, allowed: bool) -> None:
    world = make_world(store, clock, platform)
    with store.unit_of_work() as session:
        before = snapshot(session)
    reply = world.send(actor_for(role, line), line)
    text = to_plain(reply.text)
    if allowed:
        assert reply.ok, f"{role} should be allowed {line!r}: {text}"
        return
    assert not reply.ok, f"{role} should be refused {line!r}: {text}"
    assert "problème" not in text  # a refusal, not a failure
    with store.unit_of_work() as session:
        assert snapshot(session) == before, f"refused {line!r} for {role} changed something"


def test_the_table_covers_every_command() -> None:
    named = {re.match(r"/([\w-]+)", line).group(1) for line, _ in TABLE}  # type: ignore[union-attr]
    everything = {command.name for command in build_router().commands()}
    # unreact is react's twin; map/unmap in test_membership; link/unlink (everyone's, answered or refused by where
    # they are typed and what was linked) in tests/commands/test_linking.py
    assert everything - named == {"unreact", "map", "unmap", "link", "unlink"}
