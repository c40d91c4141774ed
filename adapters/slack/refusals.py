"""What Slack's refusals mean for a message (sender.py): try again later, give up, or send it another way.

* HTTP 429 / `ratelimited`: held (bot.delivery.Held), tried again after Retry-After, never counted as
  an attempt;
* refusals retrying cannot mend (PERMANENT): given up at once; those of a channel Relais cannot post
  in (NOT_THERE: archived, deleted, Relais removed) are said in the log with what to do (HINTS) and to
  the author of an item that did not go out (WHY);
* refused blocks (BAD_BLOCKS): the text alone is sent instead;
* anything else (a 5xx, Slack unreachable): tried again later, up to the outbox's attempts.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError

from bot.delivery import Held, PermanentFailure, TemporaryFailure
from bot.i18n import N_

PERMANENT = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "msg_too_long", "no_text", "user_not_found",
    "user_not_in_channel", "cannot_dm_bot", "user_disabled", "restricted_action", "ekm_access_denied",
    "invalid_metadata_format", "invalid_metadata_schema", "metadata_too_large", "too_many_attachments",
    "channel_is_archived", "invalid_arguments", "message_not_found", "cant_update_message", "edit_window_closed",
    "user_not_visible", "invalid_user_combination",  # conversations.open: someone Relais may not write to
})  # fmt: skip
BAD_BLOCKS = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long"})
NOT_THERE = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "user_not_in_channel",
        "is_archived",
        "channel_is_archived",
        "restricted_action",
    }
)
HINTS = {
    "is_archived": " (the channel is archived: unarchive it, or /unmap it from its circle)",
    "not_in_channel": " (Relais is not in the channel: /invite @Relais there)",
    "channel_not_found": " (the channel was deleted, or is private without Relais: /invite @Relais, or /unmap it)",
    "invalid_user_combination": " (a Slack Connect person Relais shares no channel with: no direct message)",
    "user_not_visible": " (Relais may not see this person: a guest's or an external person's workspace settings)",
}
WHY = {  # what an item's author is told when its channel refuses its post for good
    "is_archived": N_("the channel is archived. Unarchive it, or a facilitator unlinks it with /unmap."),
    "not_in_channel": N_("Relais is no longer in the channel. Invite it there with /invite @Relais."),
    "channel_not_found": N_(
        "the channel was deleted, or it is private and Relais is not in it. Invite Relais there with "
        "/invite @Relais, or a facilitator unlinks it with /unmap."
    ),
}
RATE_LIMIT_WAIT = 30.0  # seconds, when a 429 names no Retry-After


class BlocksRefused(PermanentFailure):
    """Slack refused the Block Kit layout: the text alone is sent instead."""


class NotThere(PermanentFailure):
    """The bot cannot post in that conversation (not a member, archived…)."""


def failure(error: Exception) -> Exception:
    """A Slack error as the delivery loop's TemporaryFailure or PermanentFailure."""
    if isinstance(error, SlackApiError):
        response = error.response
        code = str(response.get("error") or "") if isinstance(response.data, dict) else ""
        if response.status_code == 429 or code == "ratelimited":
            retry_after = _float(response.headers.get("Retry-After") or response.headers.get("retry-after"))
            # Slack's "not now", never the message's fault: held, not counted as an attempt, never given up
            return Held(
                f"rate limited by Slack ({code or 429})", RATE_LIMIT_WAIT if retry_after is None else retry_after
            )
        if code in NOT_THERE:
            return NotThere(f"Slack refused the message: {code}")
        if code in PERMANENT:
            return PermanentFailure(f"Slack refused the message: {code}")
        if code == "missing_scope":  # an installation older than the manifest: retrying will not help
            needed = response.get("needed") or "?"
            return PermanentFailure(
                f"Slack refused the message: missing_scope (needed: {needed}); install Relais again in this "
                "workspace from the current manifest (relais slack manifest) to grant it"
            )
        return TemporaryFailure(f"Slack error: {code or response.status_code}")
    return TemporaryFailure(f"Slack unreachable: {error!r}")


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def error_code(error: Exception) -> str:
    if isinstance(error, SlackApiError) and isinstance(error.response.data, dict):
        return str(error.response.get("error") or "")
    return ""
