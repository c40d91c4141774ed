"""A community at the shape of the November 2026 measurements, on SQLite or PostgreSQL.

2,000 members in 20 organisations, 50 circles (each member in one or two), about 342 items a day
(updates, announcements, decisions, commitments), a weekly recap of every circle, a meeting of
every circle each fortnight with its agenda, acknowledgements at about 49 per item (85 % of the
audience for items older than 30 days, 45 % for newer ones, some of them for a previous version
of an edited item), commitments with their history (about 5 % of the past-due ones still open),
the scheduler's past occurrences, digests asked for by every member, Matrix identities.

`history` multiplies the days of history (1: 730 days, 10: 7,300 days). The last 35 days (the
current week and the windows recaps, levels and nudges read) are drawn from their own random
stream and acknowledged by a hash of their distance from the newest item: they are identical
whatever the history, so a 10× figure compares with the 1× one on the same current week.
Nothing in the history is due, open and not overdue, or changed, within those 35 days.

Usage: python -m bench.community PATH_OR_URL [--history 1] [--small]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from bot.config.schedules import ScheduleSettings
from bot.db import make_engine, normalise_url, upgrade
from bot.models import recount_all_unread
from bot.recurrence import parse_rule
from schedules.occurrences import meeting_dues

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=PARIS)  # Monday: the digests are due at 08:30, recaps 09:00, nudges 09:30
RECENT_FROM = datetime(2026, 10, 26, tzinfo=PARIS)  # 35 days: the same in every data set
VERSION = "community-1"  # changes when the generator draws different data (cached data sets are remade)


@dataclass(frozen=True)
class Shape:
    members: int = 2000
    circles: int = 50
    organisations: int = 20
    per_day: int = 342  # items a day besides recaps, meetings and agendas
    days: int = 730  # days of history at 1x
    history: float = 1.0

    @property
    def span(self) -> timedelta:
        return timedelta(days=round(self.days * self.history))


FULL = Shape()
SMALL = Shape(members=40, circles=4, organisations=3, per_day=12, days=60)
KINDS = (("update", 0.70), ("announcement", 0.08), ("decision", 0.04), ("commitment", 0.18))


def utc_text(moment: datetime) -> str:
    """How SQLAlchemy writes a UTC instant in SQLite (comparisons are on these strings)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class Sink:
    """Where rows go: SQLite through sqlite3, PostgreSQL through COPY."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.sqlite = parsed.get_backend_name() == "sqlite"
        if self.sqlite:
            self.db: Any = sqlite3.connect(parsed.database, isolation_level=None)
            for pragma in ("journal_mode=WAL", "synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY"):
                self.db.execute(f"PRAGMA {pragma}")
            self.db.execute("BEGIN")
        else:
            import psycopg

            query = parsed.query.get("options")
            options = {"options": query} if isinstance(query, str) else {}
            plain = parsed.set(drivername="postgresql", query={})
            self.db = psycopg.connect(plain.render_as_string(hide_password=False), **options)
            self.db.execute("SET session_replication_role = replica")  # no foreign-key triggers while loading

    def value(self, value: object) -> object:
        if isinstance(value, datetime):
            return utc_text(value) if self.sqlite else value
        if isinstance(value, bool) and self.sqlite:
            return int(value)
        return value

    def rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        if self.sqlite:
            marks = ", ".join("?" for _ in columns)
            self.db.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                ([self.value(value) for value in row] for row in rows),
            )
            return
        with self.db.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([self.value(value) for value in row])

    def execute(self, statement: str, parameters: Sequence[object] = ()) -> None:
        if self.sqlite:
            self.db.execute(statement, parameters)
        elif parameters:
            self.db.execute(statement.replace("?", "%s"), parameters)
        else:
            self.db.execute(statement)

    def scalar(self, statement: str) -> Any:
        return self.db.execute(statement).fetchone()[0]

    def commit(self) -> None:
        if self.sqlite:
            self.db.execute("COMMIT")
            self.db.execute("BEGIN")
        else:
            self.db.commit()

    def close(self) -> None:
        if self.sqlite:
            self.db.execute("COMMIT")
        else:
            self.db.commit()
        self.db.close()


@dataclass
class _Item:
    at: datetime
    kind: str
    circle: int
    author: int | None
    text: str
    must_read: bool
    extra: Any = None  # a commitment's draw, a meeting's start


class _Stream:
    """Items in time order with their numbers; rows written in chunks as they go."""

    def __init__(self, sink: Sink, shape: Shape, membership: dict[int, list[int]], zone: ZoneInfo) -> None:
        self.sink, self.shape, self.membership, self.zone = sink, shape, membership, zone
        self.number = 0
        self.recent: list[tuple[datetime, int, int, bool]] = []  # (at, number, circle, must_read), last 35 days
        self.meetings: list[SimpleNamespace] = []
        self.recap_items: dict[tuple[int, datetime], int] = {}
        self.pending: dict[str, list[tuple[object, ...]]] = {}

    def add(self, table: str, row: tuple[object, ...]) -> None:
        self.pending.setdefault(table, []).append(row)

    def flush(self) -> None:
        for table, rows in self.pending.items():
            self.sink.rows(table, COLUMNS[table], rows)
        self.pending.clear()
        self.sink.commit()


COLUMNS: dict[str, tuple[str, ...]] = {
    "items": (
        "id",
        "community_id",
        "number",
        "kind",
        "circle_id",
        "author_id",
        "text",
        "must_read",
        "version",
        "created_at",
        "edited_at",
    ),
    "commitments": (
        "item_id",
        "owner_id",
        "organisation_id",
        "title",
        "due_at",
        "due_has_time",
        "status",
        "progress",
        "updated_at",
    ),
    "commitment_changes": ("commitment_id", "actor_id", "at", "field", "old_value", "new_value", "note"),
    "meetings": ("item_id", "title", "starts_at", "minutes", "place", "status", "created_by", "created_at"),
    "occurrences": (
        "community_id",
        "schedule_key",
        "due_at",
        "kind",
        "circle_id",
        "meeting_id",
        "status",
        "claimed_at",
        "item_id",
        "posts",
    ),
}


def _local_midnight(moment: datetime, zone: ZoneInfo) -> datetime:
    local = moment.astimezone(zone)
    return datetime(local.year, local.month, local.day, tzinfo=zone)


def _draw_items(rng: random.Random, shape: Shape, membership: dict[int, list[int]], day: datetime) -> list[_Item]:
    """One day's items said by members (the scheduled ones are added by _scheduled_items)."""
    items = []
    kinds, weights = zip(*KINDS, strict=True)
    for _ in range(shape.per_day):
        circle = rng.randint(1, shape.circles)
        people = membership[circle]
        author = rng.choice(people) if people else 1
        kind = rng.choices(kinds, weights)[0]
        at = day + timedelta(seconds=rng.randint(7 * 3600, 20 * 3600))
        text = f"{kind.capitalize()} {rng.randint(1, 10**6)} : point d'avancement du cercle {circle}"
        extra = None
        if kind == "commitment":
            extra = (rng.randint(2, 45), rng.random(), rng.random(), rng.random(), rng.randint(1, 9))
        items.append(_Item(at, kind, circle, author, text, kind != "commitment", extra))
    return items


def _scheduled_items(shape: Shape, day: datetime, zone: ZoneInfo) -> list[_Item]:
    """Recaps on Mondays at 09:00; a meeting of each circle every 14 days at 14:00, created 10 days
    before, with its agenda the day before."""
    items = []
    ordinal = day.date().toordinal()
    if day.weekday() == 0:
        for circle in range(1, shape.circles + 1):
            items.append(_Item(day.replace(hour=9), "recap", circle, None, f"Récapitulatif du cercle {circle}", True))
    for circle in range(1, shape.circles + 1):
        if (ordinal + 10 - circle) % 14 == 0:  # created today, meets in 10 days
            start = (day + timedelta(days=10)).replace(hour=14)
            items.append(_Item(day.replace(hour=11), "meeting", circle, 1, f"Réunion du cercle {circle}", False, start))
        if (ordinal + 1 - circle) % 14 == 0:  # the agenda of tomorrow's meeting
            items.append(_Item(day.replace(hour=14), "agenda", circle, None, f"Ordre du jour, cercle {circle}", True))
    return items


def _write_item(stream: _Stream, item: _Item, recent_from: datetime, in_history: bool) -> None:
    stream.number += 1
    number = stream.number
    k = number  # ids are numbers
    stream.add(
        "items",
        (k, 1, number, item.kind, item.circle, item.author, item.text, item.must_read, 1, item.at, None),
    )
    if item.at >= recent_from:
        stream.recent.append((item.at, number, item.circle, item.must_read))
    if item.kind == "recap":
        stream.recap_items[(item.circle, item.at)] = k
    if item.kind == "meeting":
        stream.meetings.append(
            SimpleNamespace(item_id=k, circle_id=item.circle, starts_at=item.extra, created_at=item.at)
        )
        stream.add("meetings", (k, item.text, item.extra, 120, "Salle du conseil", "scheduled", 1, item.at))
    if item.kind == "commitment":
        _write_commitment(stream, k, item, recent_from, in_history)


def _write_commitment(stream: _Stream, k: int, item: _Item, recent_from: datetime, in_history: bool) -> None:
    days, timed, fate, when, progress = item.extra
    zone = stream.zone
    owner = item.author or 1
    organisation = 1 + owner % stream.shape.organisations
    due_day = _local_midnight(item.at + timedelta(days=days), zone)
    if in_history:  # history is all past: nothing of it is due, or changes, in the last 35 days
        due_day = min(due_day, _local_midnight(recent_from - timedelta(days=2), zone))
        due_day = max(due_day, _local_midnight(item.at, zone))
    due_has_time = timed < 0.2
    due = due_day.replace(hour=17) if due_has_time else due_day
    if due < NOW:
        status = "done" if fate < 0.88 else ("dropped" if fate < 0.95 else "open")
    else:
        status = "done" if fate < 0.15 else "open"
    limit = recent_from if in_history else NOW
    changed = min(item.at + (min(due, limit) - item.at) * when, limit - timedelta(minutes=1))
    changed = max(changed, item.at + timedelta(minutes=1))
    stream.add("commitment_changes", (k, owner, item.at, "created", None, item.text, None))
    level = progress * 10 if status == "open" and progress < 8 else None
    if level is not None:
        stream.add("commitment_changes", (k, owner, changed, "progress", None, str(level), None))
    if status != "open":
        stream.add("commitment_changes", (k, owner, changed, "status", "open", status, None))
    stream.add(
        "commitments",
        (
            k,
            owner,
            organisation,
            item.text,
            due,
            due_has_time,
            status,
            100 if status == "done" else level,
            changed if status != "open" or level is not None else item.at,
        ),
    )


def generate(url: str, shape: Shape = FULL, seed: int = 7) -> dict[str, int]:
    """Fill an empty database (brought to head here) with the community; returns row counts."""
    engine = make_engine(url)
    upgrade(engine)
    sink = Sink(url)
    zone = PARIS
    start = NOW - shape.span
    recent_from = RECENT_FROM
    people = random.Random(seed)
    sink.rows(
        "communities",
        ("id", "name", "language", "timezone", "next_number", "created_at"),
        [(1, "Bench", "fr", "Europe/Paris", 0, start)],
    )
    sink.rows(
        "organisations",
        ("id", "community_id", "name"),
        [(o, 1, f"Structure {o}") for o in range(1, shape.organisations + 1)],
    )
    sink.rows(
        "circles",
        ("id", "community_id", "name", "slug"),
        [(c, 1, f"Cercle {c}", f"cercle-{c}") for c in range(1, shape.circles + 1)],
    )
    channels = [(c, f"console:cercle-{c}") for c in range(1, shape.circles + 1)]
    channels += [(c, f"matrix:!cercle-{c}:bench") for c in range(1, shape.circles + 1)]
    sink.rows("circle_channels", ("circle_id", "channel"), channels)
    members = range(1, shape.members + 1)
    sink.rows(
        "members",
        (
            "id",
            "community_id",
            "display_name",
            "organisation_id",
            "role",
            "role_from_config",
            "language",
            "muted",
            "created_at",
        ),
        [
            (
                m,
                1,
                f"Membre {m}",
                1 + m % shape.organisations,
                "facilitator" if m == 1 else "partner",
                False,
                "en" if m % 17 == 0 else None,
                m % 97 == 5,
                start,
            )
            for m in members
        ],
    )
    identities = [(m, f"console:m{m}") for m in members] + [(m, f"matrix:@m{m}:bench") for m in members]
    sink.rows("identities", ("member_id", "identity"), identities)
    sink.rows(
        "member_preferences",
        ("member_id", "digest", "nudges", "updated_at"),
        [(m, True, m % 20 != 3, start) for m in members],
    )
    membership: dict[int, list[int]] = {c: [] for c in range(1, shape.circles + 1)}
    for m in members:
        for c in people.sample(range(1, shape.circles + 1), people.choice((1, 2))):
            membership[c].append(m)
    stream = _Stream(sink, shape, membership, zone)
    history_rng = random.Random(seed * 1_000_003 + round(shape.history * 1000))
    recent_rng = random.Random(seed * 7919)
    day = _local_midnight(start, zone)
    while day < NOW:
        in_history = day < recent_from
        rng = history_rng if in_history else recent_rng
        items = _draw_items(rng, shape, membership, day) + _scheduled_items(shape, day, zone)
        items = sorted((item for item in items if start <= item.at < NOW), key=lambda item: item.at)
        for item in items:
            _write_item(stream, item, recent_from, in_history)
        if len(stream.pending.get("items", ())) > 50_000:
            stream.flush()
        day = _local_midnight(day + timedelta(hours=36), zone)
    stream.flush()
    total = stream.number
    sink.execute("UPDATE communities SET next_number = ? WHERE id = 1", (total,))
    _memberships(sink, shape, membership, stream, start)
    _schedules(sink, stream, start, zone, total)
    _edits(sink, total)
    _acknowledgements(sink, total)
    sink.execute(
        "INSERT INTO platform_state (key, value, updated_at) VALUES (?, ?, ?)",
        ("bench:version", f"{VERSION} {shape}", sink.value(NOW)),
    )
    if not sink.sqlite:  # rows were given their ids: the sequences go on from there
        for table in ("communities", "organisations", "circles", "circle_channels", "members", "identities", "items"):
            sink.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    sink.commit()
    counts = {
        table: int(sink.scalar(f"SELECT count(*) FROM {table}"))
        for table in ("members", "circles", "items", "acknowledgements", "commitments", "circle_members")
    }
    counts["open overdue"] = int(
        sink.scalar(f"SELECT count(*) FROM commitments WHERE status = 'open' AND due_at < '{utc_text(NOW)}'")
        if sink.sqlite
        else sink.scalar(f"SELECT count(*) FROM commitments WHERE status = 'open' AND due_at < '{NOW.isoformat()}'")
    )
    if sink.sqlite:
        sink.execute("ANALYZE")
    else:  # this schema's tables only: a database-wide ANALYZE waits on every other session's locks
        sink.commit()
        tables = sink.db.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()
        for (table,) in tables:
            sink.execute(f'ANALYZE "{table}"')
    sink.close()
    with engine.begin() as connection:  # rows written directly: the unread counts are counted once here
        recount_all_unread(connection)
    if not sink.sqlite:
        _vacuum(engine)
    engine.dispose()
    return counts


def _vacuum(engine: Engine) -> None:
    """PostgreSQL: the rows just written vacuumed, as a database that has lived a while is. Otherwise the first
    run that reads them sets their hint bits and visibility map (writing every page it reads): the first
    measurement after generating a set was twice as slow as the next ones."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        tables = connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
        for (table,) in tables.fetchall():
            connection.execute(text(f'VACUUM (ANALYZE) "{table}"'))


def _memberships(sink: Sink, shape: Shape, membership: dict[int, list[int]], stream: _Stream, start: datetime) -> None:
    """Everyone joined at the start, but one membership in 60 left 10 days ago, and one in 60
    joined 20 days ago with the circle's last five items to read (as Relais does for late joiners);
    every circle of a small community has one of each."""
    left_at = NOW - timedelta(days=10)
    joined_at = NOW - timedelta(days=20)
    last_before_left = max((number for at, number, _, _ in stream.recent if at < left_at), default=0)
    rows = []
    for circle, people in membership.items():
        backlog = [n for at, n, c, must in stream.recent if c == circle and must and at < joined_at][-5:]
        for position, member in enumerate(people):
            code = (member * 31 + circle * 7) % 60
            if len(people) < 30 and position in (1, 2):  # a small community has its leaver and late joiner too
                code = position
            if code == 1:
                rows.append((circle, member, start, 0, last_before_left, left_at))
            elif code == 2 and backlog:
                rows.append((circle, member, joined_at, backlog[0], None, None))
            else:
                rows.append((circle, member, start, 0, None, None))
    sink.rows(
        "circle_members",
        ("circle_id", "member_id", "joined_at", "audience_from", "audience_until", "left_at"),
        rows,
    )
    sink.rows(
        "channel_members",
        ("channel", "member_id", "since"),
        [(f"matrix:!cercle-{c}:bench", m, start) for c, m, _, _, until, _ in rows if until is None],
    )


def _schedules(sink: Sink, stream: _Stream, start: datetime, zone: ZoneInfo, total: int) -> None:
    """The schedule rows, and every occurrence the scheduler posted before now (so nothing is due
    at the start of a benchmark but what falls due after NOW)."""
    settings = ScheduleSettings()
    recap, digest, nudges = parse_rule("mon 09:00"), parse_rule("mon 08:30"), parse_rule("daily 09:30")
    circles = stream.shape.circles
    schedule_rows = [(1, f"circle:{c}", "circle", c, recap.text(), False, start, start) for c in range(1, circles + 1)]
    schedule_rows += [
        (1, "digest:1", "digest", None, digest.text(), False, start, start),
        (1, "nudges:1", "nudges", None, nudges.text(), False, start, start),
    ]
    sink.rows(
        "schedules",
        ("community_id", "key", "kind", "circle_id", "rule", "paused", "active_since", "updated_at"),
        schedule_rows,
    )
    past = start - timedelta(seconds=1)
    for at in recap.between(past, NOW, zone):
        for c in range(1, circles + 1):
            item = stream.recap_items.get((c, at.astimezone(zone)))
            stream.add("occurrences", (1, f"recap:{c}", at, "recap", c, None, "posted", at, item, 1))
    for at in digest.between(past, NOW, zone):
        stream.add("occurrences", (1, "digest:1", at, "digest", None, None, "posted", at, None, 0))
    for at in nudges.between(past, NOW, zone):
        stream.add("occurrences", (1, "nudges:1", at, "nudges", None, None, "posted", at, None, 0))
    for meeting in stream.meetings:
        for due in meeting_dues(meeting, settings, paused=False):  # type: ignore[arg-type]
            if due.at < NOW:
                stream.add(
                    "occurrences",
                    (1, due.key, due.at, due.kind, due.circle_id, due.meeting_id, "posted", due.at, None, 1),
                )
    stream.flush()


def _edits(sink: Sink, total: int) -> None:
    """One must-read item in 53 was edited two hours after it was posted (version 2)."""
    if sink.sqlite:
        sink.execute(
            "UPDATE items SET version = 2, edited_at = strftime('%Y-%m-%d %H:%M:%f', created_at, '+2 hours') || '000' "
            "WHERE must_read AND (? - number) % 53 = 7",
            (total,),
        )
    else:
        sink.execute(
            "UPDATE items SET version = 2, edited_at = created_at + interval '2 hours' "
            f"WHERE must_read AND ({int(total)} - number) % 53 = 7"
        )
    sink.commit()


def _acknowledgements(sink: Sink, total: int, chunk: int = 200_000) -> None:
    """Acknowledgements by the members of each item's audience, drawn by a hash of the item's
    distance from the newest item (k) and the member: the last 35 days are the same whatever the
    history. An edited item keeps a third of its acknowledgements for its first version."""
    recent = utc_text(NOW - timedelta(days=30)) if sink.sqlite else (NOW - timedelta(days=30)).isoformat()
    draw = "((({k}) * 2654435761 + cm.member_id * 40503 + ({k}) * cm.member_id * 97) % 1000003) % 1000"
    k = f"CAST({int(total)} - i.number AS BIGINT)"
    hashed = draw.format(k=k)
    last = NOW - timedelta(minutes=1)  # nobody read anything after now
    if sink.sqlite:
        at = f"strftime('%Y-%m-%d %H:%M:%f', i.created_at, '+' || (1 + {hashed} % 72) || ' hours') || '000'"
        at = f"min({at}, '{utc_text(last)}')"
        share = f"CASE WHEN i.created_at >= '{recent}' THEN 450 ELSE 850 END"
    else:
        at = (
            f"least(i.created_at + make_interval(hours => (1 + {hashed} % 72)::int), '{last.isoformat()}'::timestamptz)"
        )
        share = f"CASE WHEN i.created_at >= '{recent}'::timestamptz THEN 450 ELSE 850 END"
    version = f"CASE WHEN i.version > 1 AND {hashed} % 3 = 0 THEN 1 ELSE i.version END"
    sink.execute("DROP INDEX ix_acknowledgements_member")
    statement = (
        "INSERT INTO acknowledgements (item_id, member_id, version, at, via) "
        f"SELECT i.id, cm.member_id, {version}, {at}, 'reaction' FROM items i "
        "JOIN circle_members cm ON cm.circle_id = i.circle_id "
        "WHERE i.must_read AND i.id > {low} AND i.id <= {high} "
        "AND cm.audience_from <= i.number AND (cm.audience_until IS NULL OR cm.audience_until >= i.number) "
        "AND (i.author_id IS NULL OR i.author_id <> cm.member_id) "
        f"AND {hashed} < {share} "
        "ORDER BY i.id, cm.member_id"
    )
    for low in range(0, total, chunk):
        sink.execute(statement.format(low=low, high=low + chunk))
        sink.commit()
    sink.execute("CREATE INDEX ix_acknowledgements_member ON acknowledgements (member_id, item_id)")
    sink.commit()


def stamp(url: str) -> str | None:
    """The generator version and shape a database was made with (None: not a generated community)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            from sqlalchemy import text

            return connection.execute(text("SELECT value FROM platform_state WHERE key = 'bench:version'")).scalar()
    except Exception:
        return None
    finally:
        engine.dispose()


def expected_stamp(shape: Shape) -> str:
    return f"{VERSION} {shape}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", help="an SQLite file path or a database URL (the database must be empty)")
    parser.add_argument("--history", type=float, default=1.0, help="1 = 730 days of history, 10 = 7,300 days")
    parser.add_argument("--small", action="store_true", help="a tiny community (40 members, 4 circles, 60 days)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    url = args.target if "://" in args.target else f"sqlite:///{args.target}"
    shape = replace(SMALL if args.small else FULL, history=args.history)
    began = time.perf_counter()
    counts = generate(url, shape, args.seed)
    print(f"generated in {time.perf_counter() - began:.1f} s: {counts}")


if __name__ == "__main__":
    main()
