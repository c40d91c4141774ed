"""Sign-in without passwords: /dashboard sends a one-time link, the link opens a session.

Tokens are 32 random bytes (URL-safe); only their SHA-256 is stored. A link is valid
LINK_MINUTES and used once (the first use wins, even with two tabs at once: a conditional
UPDATE); at most LINKS_PER_WINDOW links per member per LINK_MINUTES. A session lasts until its
expiry or sign-out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.errors import Refusal
from bot.models import Member, WebLink, WebSession

LINK_MINUTES = 15
LINKS_PER_WINDOW = 5
DEFAULT_SESSION_HOURS = 12
DEFAULT_PORT = 8080


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hashed(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def csrf_token(session_token: str) -> str:
    """The token a signed-in browser's forms carry: derived from its session cookie, never stored."""
    return hmac.new(session_token.encode(), b"relais-csrf", hashlib.sha256).hexdigest()


def same_token(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def link_base(section: dict[str, Any]) -> str:
    """Where the dashboard is reached: [web] public_url, else http://127.0.0.1:<port>."""
    public = str(section.get("public_url", "") or "").strip().rstrip("/")
    if public:
        return public
    return f"http://127.0.0.1:{section.get('port', DEFAULT_PORT)}"


def new_link(session: Session, member: Member, now: datetime) -> str:
    """A sign-in link's token for `member` (stored hashed); refused past the rate limit."""
    since = now - timedelta(minutes=LINK_MINUTES)
    recent = session.scalar(
        select(func.count()).select_from(WebLink).where(WebLink.member_id == member.id, WebLink.created_at >= since)
    )
    if (recent or 0) >= LINKS_PER_WINDOW:
        raise Refusal(
            "You asked for {count} links in the last {minutes} minutes: use the last one, or ask again later.",
            count=recent,
            minutes=LINK_MINUTES,
        )
    token = new_token()
    session.add(
        WebLink(
            token_hash=hashed(token),
            member_id=member.id,
            created_at=now,
            expires_at=now + timedelta(minutes=LINK_MINUTES),
        )
    )
    session.flush()
    return token


@dataclass(frozen=True)
class LinkState:
    """What a link is: `ok` (usable), `used`, `expired` or `unknown`."""

    state: str
    member_id: int | None = None


def check_link(session: Session, token: str, now: datetime) -> LinkState:
    """What a link is, without using it (the page that asks to confirm the sign-in)."""
    link = session.scalar(select(WebLink).where(WebLink.token_hash == hashed(token)))
    if link is None:
        return LinkState("unknown")
    if link.used_at is not None:
        return LinkState("used", link.member_id)
    if link.expires_at <= now:
        return LinkState("expired", link.member_id)
    return LinkState("ok", link.member_id)


def use_link(session: Session, token: str, now: datetime, session_hours: float) -> tuple[str, LinkState]:
    """Use the link once: a new session's token ("" if the link is not usable) and what the link was."""
    state = check_link(session, token, now)
    if state.state != "ok" or state.member_id is None:
        return "", state
    claimed = session.execute(
        update(WebLink)
        .where(WebLink.token_hash == hashed(token), WebLink.used_at.is_(None), WebLink.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        return "", LinkState("used", state.member_id)
    cookie = new_token()
    session.add(
        WebSession(
            token_hash=hashed(cookie),
            member_id=state.member_id,
            created_at=now,
            expires_at=now + timedelta(hours=session_hours),
        )
    )
    session.flush()
    return cookie, state


def session_member(session: Session, token: str, now: datetime) -> Member | None:
    """The member signed in with this session cookie; None when unknown, expired or signed out."""
    row = session.scalar(select(WebSession).where(WebSession.token_hash == hashed(token)))
    if row is None or row.ended_at is not None or row.expires_at <= now:
        return None
    return session.get(Member, row.member_id)


def end_session(session: Session, token: str, now: datetime) -> None:
    """Sign-out: the cookie no longer opens anything, wherever it was copied."""
    session.execute(
        update(WebSession)
        .where(WebSession.token_hash == hashed(token), WebSession.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
