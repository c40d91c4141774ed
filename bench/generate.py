"""Generate a large community for the reading-level benchmark (SQLite).

2,000 members in 20 organisations, 50 circles, 200,000 items over two years; each member
belongs to one or two circles; members acknowledge most items (more of the older ones).
Usage: python -m bench.generate PATH [--members N --circles N --items N --seed S]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta

from bot.db import make_engine, upgrade
from bot.models import recount_all_unread

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def generate(path: str, members: int = 2000, circles: int = 50, items: int = 200_000, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    start = _ts(NOW - timedelta(days=730))
    db.execute(
        "INSERT INTO communities (id, name, language, timezone, next_number, created_at) "
        "VALUES (1, 'Bench', 'fr', 'Europe/Paris', ?, ?)",
        (items, start),
    )
    db.executemany(
        "INSERT INTO organisations (id, community_id, name) VALUES (?, 1, ?)",
        [(i, f"Structure {i}") for i in range(1, 21)],
    )
    db.executemany(
        "INSERT INTO circles (id, community_id, name, slug) VALUES (?, 1, ?, ?)",
        [(c, f"Cercle {c}", f"cercle-{c}") for c in range(1, circles + 1)],
    )
    db.executemany(
        "INSERT INTO circle_channels (circle_id, channel) VALUES (?, ?)",
        [(c, f"console:cercle-{c}") for c in range(1, circles + 1)],
    )
    db.executemany(
        "INSERT INTO members (id, community_id, display_name, organisation_id, role, language, muted, created_at) "
        "VALUES (?, 1, ?, ?, ?, NULL, 0, ?)",
        [(m, f"Membre {m}", 1 + m % 20, "facilitator" if m == 1 else "partner", start) for m in range(1, members + 1)],
    )
    db.executemany(
        "INSERT INTO identities (member_id, identity) VALUES (?, ?)",
        [(m, f"console:m{m}") for m in range(1, members + 1)],
    )
    membership: dict[int, list[int]] = {c: [] for c in range(1, circles + 1)}
    rows = []
    for m in range(1, members + 1):
        for c in rng.sample(range(1, circles + 1), rng.choice((1, 2))):
            membership[c].append(m)
            rows.append((c, m, start, 0))
    db.executemany(
        "INSERT INTO circle_members (circle_id, member_id, joined_at, audience_from) VALUES (?, ?, ?, ?)", rows
    )
    span = 730 * 24 * 3600
    item_rows = []
    ack_rows = []
    for number in range(1, items + 1):
        circle = rng.randint(1, circles)
        author = rng.choice(membership[circle]) if membership[circle] else 1
        created = NOW - timedelta(seconds=span * (1 - number / items))
        item_rows.append((number, number, circle, author, f"Élément {number} : point d'avancement", _ts(created)))
        recent = (NOW - created).days < 30
        share = 0.45 if recent else 0.85
        for member in membership[circle]:
            if member != author and rng.random() < share:
                ack_rows.append((number, member, _ts(created + timedelta(hours=rng.randint(1, 72)))))
        if len(ack_rows) > 200_000:
            db.executemany(
                "INSERT INTO acknowledgements (item_id, member_id, version, at, via) VALUES (?, ?, 1, ?, 'reaction')",
                ack_rows,
            )
            ack_rows.clear()
    db.executemany(
        "INSERT INTO items (id, community_id, number, kind, circle_id, author_id, text, must_read, version, "
        "created_at) VALUES (?, 1, ?, 'update', ?, ?, ?, 1, 1, ?)",
        item_rows,
    )
    db.executemany(
        "INSERT INTO acknowledgements (item_id, member_id, version, at, via) VALUES (?, ?, 1, ?, 'reaction')", ack_rows
    )
    db.commit()
    counts = {
        table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("members", "circles", "items", "acknowledgements", "circle_members")
    }
    db.execute("ANALYZE")
    db.close()
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:  # rows written directly: what Relais keeps as it goes is counted once
        recount_all_unread(connection)
    engine.dispose()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--circles", type=int, default=50)
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    began = time.perf_counter()
    counts = generate(args.path, args.members, args.circles, args.items, args.seed)
    print(f"generated in {time.perf_counter() - began:.1f} s: {counts}")


if __name__ == "__main__":
    main()
