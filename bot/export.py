"""`relais export actions`: the roadmap as CSV (spreadsheet-friendly) or JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.kinds import CommitmentStatus
from bot.models import Commitment, CommitmentChange, Community, Item

FIELDS = (
    "number",
    "title",
    "owner",
    "organisation",
    "circle",
    "due",
    "status",
    "progress",
    "expected_result",
    "resources_human",
    "resources_financial",
    "resources_material",
    "resources_immaterial",
    "created_at",
    "updated_at",
    "completed_at",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def due_iso(commitment: Commitment, tz: ZoneInfo) -> str:
    if commitment.due_at is None:
        return ""
    local = commitment.due_at.astimezone(tz)
    return local.isoformat(timespec="minutes") if commitment.due_has_time else local.date().isoformat()


def action_rows(
    session: Session, community: Community, item_ids: Sequence[int] | None = None
) -> list[dict[str, str | int]]:
    """Every commitment of the community (or those of `item_ids`) as `relais export actions` writes them."""
    tz = ZoneInfo(community.timezone)
    statement = (
        select(Commitment)
        .join(Item, Item.id == Commitment.item_id)
        .where(Item.community_id == community.id)
        .order_by(Item.number)
    )
    if item_ids is None:
        commitments = list(session.scalars(statement))
    else:
        ids = sorted(item_ids)
        commitments = [
            c
            for start in range(0, len(ids), 500)
            for c in session.scalars(statement.where(Commitment.item_id.in_(ids[start : start + 500])))
        ]

    def stamp(at: datetime | None) -> str:
        return at.astimezone(tz).isoformat(timespec="seconds") if at is not None else ""

    status_changes = session.execute(
        select(CommitmentChange.commitment_id, func.max(CommitmentChange.at))
        .join(Item, Item.id == CommitmentChange.commitment_id)
        .where(Item.community_id == community.id, CommitmentChange.field == "status")
        .group_by(CommitmentChange.commitment_id)
    )
    closed: dict[int, datetime] = {commitment_id: at for commitment_id, at in status_changes}

    return [
        {
            "number": commitment.number,
            "title": commitment.title,
            "owner": commitment.owner.display_name,
            "organisation": commitment.organisation.name if commitment.organisation else "",
            "circle": commitment.item.circle.name,
            "due": due_iso(commitment, tz),
            "status": commitment.status,
            "progress": "" if commitment.progress is None else commitment.progress,
            "expected_result": commitment.expected_result or "",
            "resources_human": commitment.resources_human or "",
            "resources_financial": commitment.resources_financial or "",
            "resources_material": commitment.resources_material or "",
            "resources_immaterial": commitment.resources_immaterial or "",
            "created_at": stamp(commitment.item.created_at),
            "updated_at": stamp(commitment.updated_at),
            "completed_at": stamp(closed.get(commitment.item_id)) if commitment.status != CommitmentStatus.OPEN else "",
        }
        for commitment in commitments
    ]


def to_csv(rows: list[dict[str, str | int]]) -> str:
    """CSV with a byte-order mark, so that spreadsheets open it as UTF-8 with accents intact."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: defuse(value) for key, value in row.items()})
    return "\ufeff" + buffer.getvalue()


def defuse(value: str | int) -> str | int:
    """Neutralise spreadsheet formulas typed by users (CSV injection): =, +, -, @ starting the cell or a line."""
    if not isinstance(value, str):
        return value
    lines = value.split("\n")
    return "\n".join("'" + line if line[:1] in FORMULA_STARTS else line for line in lines)


def to_json(rows: list[dict[str, str | int]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
