"""`relais export actions`: the roadmap as CSV (spreadsheet-friendly) or JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Commitment, Community, Item

FIELDS = ("number", "title", "owner", "organisation", "circle", "due", "status", "created_at", "updated_at")


def due_iso(commitment: Commitment, tz: ZoneInfo) -> str:
    if commitment.due_at is None:
        return ""
    local = commitment.due_at.astimezone(tz)
    return local.isoformat(timespec="minutes") if commitment.due_has_time else local.date().isoformat()


def action_rows(session: Session, community: Community) -> list[dict[str, str | int]]:
    tz = ZoneInfo(community.timezone)
    commitments = session.scalars(
        select(Commitment)
        .join(Item, Item.id == Commitment.item_id)
        .where(Item.community_id == community.id)
        .order_by(Item.number)
    ).all()

    def stamp(at: datetime) -> str:
        return at.astimezone(tz).isoformat(timespec="seconds")

    return [
        {
            "number": commitment.number,
            "title": commitment.title,
            "owner": commitment.owner.display_name,
            "organisation": commitment.organisation.name if commitment.organisation else "",
            "circle": commitment.item.circle.name,
            "due": due_iso(commitment, tz),
            "status": commitment.status,
            "created_at": stamp(commitment.item.created_at),
            "updated_at": stamp(commitment.updated_at),
        }
        for commitment in commitments
    ]


def to_csv(rows: list[dict[str, str | int]]) -> str:
    """CSV with a byte-order mark, so that spreadsheets open it as UTF-8 with accents intact."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _defuse(value) for key, value in row.items()})
    return "\ufeff" + buffer.getvalue()


def _defuse(value: str | int) -> str | int:
    """Neutralise spreadsheet formulas typed by users (CSV injection): =, +, -, @ at the start."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_json(rows: list[dict[str, str | int]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
