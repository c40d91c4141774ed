"""The stand-in's side of Slack's OAuth flow, and its other workspaces.

`oauth.v2.access` exchanges a code (issued by `add_workspace`) for the workspace's bot token, in the
shape of the example on docs.slack.dev/reference/methods/oauth.v2.access: `access_token`,
`token_type: "bot"`, `scope`, `bot_user_id`, `app_id`, `team: {id, name}`, `enterprise` (null
outside Enterprise Grid), `authed_user: {id}`. The client id and secret come with HTTP Basic
authentication (what slack_sdk sends) or as parameters. `auth.test` with a workspace's token
answers for that workspace (Bolt calls it after the exchange to learn the bot id).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from .common import ApiError

CLIENT_ID = "1111111111.2222222222"
CLIENT_SECRET = "standin-client-secret"


@dataclass(frozen=True)
class Installed:
    team_id: str
    team_name: str
    bot_token: str
    bot_user_id: str
    bot_id: str
    installer: str


class OAuth:
    """Mixed into SlackStandin: codes for `Add to Slack`, and the workspaces they install."""

    app_id: str
    workspaces: dict[str, Installed]  # bot token -> workspace
    codes: dict[str, Installed]  # code -> workspace (one use)

    def add_workspace(self, team_id: str, team_name: str, installer: str, code: str) -> Installed:
        """Another workspace; `code` is what Slack would put in the redirect after `Allow`."""
        suffix = team_id[1:].lower()
        workspace = Installed(team_id, team_name, f"xoxb-{suffix}", f"U0BOT{suffix.upper()}", f"B0{suffix.upper()}",
                              installer)  # fmt: skip
        self.workspaces[workspace.bot_token] = workspace
        self.codes[code] = workspace
        return workspace

    def workspace_of(self, token: str | None) -> Installed | None:
        return self.workspaces.get(str(token or ""))

    def _oauth_v2_access(self, params: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        client_id, client_secret = params.get("client_id"), params.get("client_secret")
        auth = headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
        if client_id != CLIENT_ID or client_secret != CLIENT_SECRET:
            raise ApiError("invalid_client_id" if client_id != CLIENT_ID else "bad_client_secret")
        workspace = self.codes.pop(str(params.get("code") or ""), None)
        if workspace is None:
            raise ApiError("invalid_code")
        return {
            "ok": True,
            "access_token": workspace.bot_token,
            "token_type": "bot",
            "scope": "commands,chat:write,users:read,channels:read",
            "bot_user_id": workspace.bot_user_id,
            "app_id": self.app_id,
            "team": {"name": workspace.team_name, "id": workspace.team_id},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": workspace.installer},
        }
