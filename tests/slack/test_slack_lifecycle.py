"""The app's life in the workspace: a new name (user_change), the app uninstalled or its tokens
revoked (Relais stops posting, says so, keeps everything). Payloads: tests/slack/data."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import select

from bot.models import Identity, Member
from bot.services.channel_members import belongs
from bot.services.membership import active_circles

from .harness import BOB, TEAM, Harness, identity
from .standin import SlackStandin
from .standin.payloads import recorded

STRANGER = "U0STRANGER1"


def user_change(user_id: str, display_name: str, real_name: str) -> dict[str, Any]:
    event: dict[str, Any] = recorded("user_change.json")["event"]
    event["user"].update(id=user_id, real_name=real_name)
    event["user"]["profile"].update(display_name=display_name, real_name=real_name)
    return event


def name_of(harness: Harness, user: str) -> str | None:
    with harness.store.unit_of_work() as session:
        return session.scalar(
            select(Member.display_name)
            .join(Identity, Identity.member_id == Member.id)
            .where(Identity.identity == identity(user))
        )


async def test_a_new_name_in_slack_is_the_members_name(relais_slack: Harness) -> None:
    assert name_of(relais_slack, BOB) == "Bob"
    answer = await relais_slack.event(user_change(BOB, "Robert D.", "Robert Dupont"))
    assert answer.status == 200
    assert name_of(relais_slack, BOB) == "Robert D."


async def test_a_stranger_changing_their_name_is_not_stored(relais_slack: Harness) -> None:
    await relais_slack.event(user_change(STRANGER, "Quelqu'un", "Quelqu'un d'autre"))
    assert name_of(relais_slack, STRANGER) is None


@pytest.mark.parametrize("payload", ["app_uninstalled.json", "tokens_revoked.json"])
async def test_uninstalled_or_revoked_relais_stops_posting_and_says_so(
    relais_slack: Harness, payload: str, caplog: pytest.LogCaptureFixture
) -> None:
    event = recorded(payload)["event"]
    if payload == "tokens_revoked.json":
        event["tokens"]["bot"] = [relais_slack.standin.bot_user_id]
    assert relais_slack.adapter.online.is_set()
    with caplog.at_level(logging.WARNING, logger="adapters.slack.lifecycle"):
        answer = await relais_slack.event(event)
    assert answer.status == 200
    assert not relais_slack.adapter.online.is_set() and relais_slack.adapter.revoked  # the runner delivers no more
    assert any("stops posting" in record.getMessage() for record in caplog.records)
    assert name_of(relais_slack, BOB) == "Bob"  # nothing deleted


async def test_a_users_revoked_token_is_not_the_bots(relais_slack: Harness) -> None:
    event = recorded("tokens_revoked.json")["event"]
    event["tokens"] = {"oauth": ["U0SOMEONE01"]}
    await relais_slack.event(event)
    assert relais_slack.adapter.online.is_set() and not relais_slack.adapter.revoked


def user_deactivated(user_id: str, deleted: bool) -> dict[str, Any]:
    """user_change as Slack sends it when an admin deactivates (`deleted: true`) or reactivates an account."""
    event = user_change(user_id, "Bob", "Bob Dupont")
    event["user"].update(deleted=deleted, team_id=TEAM)
    event["user"]["profile"]["team"] = TEAM
    return event


def circles_of(harness: Harness, user: str) -> list[str]:
    with harness.store.unit_of_work() as session:
        member = session.scalar(select(Member).join(Identity).where(Identity.identity == identity(user)))
        assert member is not None  # the member and what they did are kept
        return [circle.name for circle in active_circles(session, member.id)]


async def test_a_deactivated_account_leaves_the_circles_and_comes_back_when_reactivated(
    relais_slack: Harness, slack_standin: SlackStandin
) -> None:
    dispatcher = relais_slack.dispatcher
    assert circles_of(relais_slack, BOB) == ["COPIL", "GT Mobilité"]
    slack_standin.add_user(BOB, name="bob", real_name="Bob Dupont", display_name="Bob", deleted=True)
    await relais_slack.event(user_deactivated(BOB, deleted=True))
    assert circles_of(relais_slack, BOB) == []  # out of reading levels, digests and nudges
    assert not await relais_slack.adapter.runtime.blocking(belongs, dispatcher, identity(BOB))

    slack_standin.add_user(BOB, name="bob", real_name="Bob Dupont", display_name="Bob", locale="fr-FR")
    await relais_slack.event(user_deactivated(BOB, deleted=False))
    assert circles_of(relais_slack, BOB) == ["COPIL", "GT Mobilité"]  # Slack lists them in the channels again
    assert await relais_slack.adapter.runtime.blocking(belongs, dispatcher, identity(BOB))
