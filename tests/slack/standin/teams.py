"""Two workspaces at once: which one a Web API call speaks for, decided by its token.

Slack answers each call as the workspace of its token sees things. The stand-in does the same for
what a second workspace (oauth.py's `add_workspace`) makes visible:

* messages posted with a workspace's token are that workspace's bot's (`team`, `bot_id`,
  `bot_profile`), and chat.update accepts only the caller's own bot's messages (`cant_update_message`);
* a trigger_id is issued for one workspace (the payload that carries it): views.open / views.push with
  another workspace's token gets `invalid_arguments` (Slack's documented answer for an invalid
  `trigger_id`, https://docs.slack.dev/reference/methods/views.open);
* views.publish and conversations.open reach only users of the caller's workspace (`user_not_found`
  otherwise, as for an unknown user), and a published Home or a modal carries the caller's `team_id`.

Users whose `team_id` is another workspace (a Slack Connect guest) stay readable with users.info by
every workspace, as Slack shows a shared channel's external members. Mixed into :class:`SlackStandin`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .common import ApiError, new_trigger_id


@dataclass(frozen=True)
class Speaker:
    """The workspace a call speaks for, and its bot there."""

    team_id: str
    team_name: str
    bot_user_id: str
    bot_id: str


class Teams:
    team_id: str
    team_name: str
    bot_user_id: str
    bot_id: str
    users: dict[str, dict[str, Any]]
    triggers: dict[str, float]
    trigger_teams: dict[str, str]
    caller: Speaker | None

    def speaker(self, token: str | None) -> Speaker:
        other = self.workspace_of(token)  # type: ignore[attr-defined]
        if other is not None:
            return Speaker(other.team_id, other.team_name, other.bot_user_id, other.bot_id)
        return Speaker(self.team_id, self.team_name, self.bot_user_id, self.bot_id)

    @property
    def speaking(self) -> Speaker:
        """The workspace of the call being answered (the default one outside a call)."""
        return self.caller or Speaker(self.team_id, self.team_name, self.bot_user_id, self.bot_id)

    def new_trigger_id(self, team: str | None = None) -> str:
        """A trigger_id issued now for `team` (default: this stand-in's workspace); views.open accepts
        it for `trigger_ttl` seconds, with that workspace's token only."""
        trigger_id = new_trigger_id()
        self.triggers[trigger_id] = self.monotonic()  # type: ignore[attr-defined]
        self.trigger_teams[trigger_id] = team or self.team_id
        return trigger_id

    def check_trigger_team(self, trigger_id: str) -> None:
        issued_for = self.trigger_teams.get(trigger_id)
        if issued_for is not None and issued_for != self.speaking.team_id:
            raise ApiError("invalid_arguments", response_metadata={"messages": ["invalid `trigger_id`"]})

    def check_user_here(self, user_id: str) -> None:
        """views.publish, conversations.open: the user must be of the caller's workspace."""
        user = self.users.get(user_id)
        if user is not None and user.get("team_id", self.team_id) != self.speaking.team_id:
            raise ApiError("user_not_found")

    def bot_of(self, team_id: str) -> tuple[str, str]:
        """(bot user id, bot id) of Relais in `team_id`."""
        other = next((w for w in self.workspaces.values() if w.team_id == team_id), None)  # type: ignore[attr-defined]
        return (other.bot_user_id, other.bot_id) if other is not None else (self.bot_user_id, self.bot_id)
