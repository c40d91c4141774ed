"""How a Slack Web API error is taken by the delivery loop (adapters.slack.sender.failure), with error
bodies as Slack documents them (https://api.slack.com/web#responses; missing_scope carries `needed`)."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from adapters.slack.sender import NotThere, failure
from bot.delivery import PermanentFailure, TemporaryFailure


def error(body: dict[str, object], status: int = 200, headers: dict[str, str] | None = None) -> SlackApiError:
    response = SlackResponse(
        client=None, http_verb="POST", api_url="https://slack.com/api/files.getUploadURLExternal",
        req_args={}, data=body, headers=headers or {}, status_code=status,
    )  # fmt: skip
    return SlackApiError("error", response)


def test_a_missing_scope_is_given_up_at_once_saying_what_to_grant() -> None:
    taken = failure(error({"ok": False, "error": "missing_scope", "needed": "files:write", "provided": "chat:write"}))
    assert isinstance(taken, PermanentFailure) and not isinstance(taken, TemporaryFailure)
    assert "files:write" in str(taken) and "relais slack manifest" in str(taken)


def test_rate_limits_and_unknown_errors_are_retried_and_a_channel_left_is_not_there() -> None:
    limited = failure(error({"ok": False, "error": "ratelimited"}, 429, {"Retry-After": "7"}))
    assert isinstance(limited, TemporaryFailure) and limited.retry_after == 7
    assert isinstance(failure(error({"ok": False, "error": "internal_error"})), TemporaryFailure)
    assert isinstance(failure(error({"ok": False, "error": "not_in_channel"})), NotThere)
