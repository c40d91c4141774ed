"""`relais config check --connect`: the platforms asked whether what the configuration says works.

Matrix: is there a homeserver at matrix.homeserver (GET /_matrix/client/versions), does it take the
access token and is it the bot's (GET /account/whoami), or, with a password, does it take passwords at
all (GET /login; no login is made: each one would leave a device behind). Slack: auth.test with the bot
token, the workspace it belongs to against the circles' slack:<workspace>/… channels, and in Socket Mode
apps.connections.open with the app-level token. Each problem is a ConfigError naming the key.
Plain HTTP with the standard library: nothing else is imported, nothing is kept.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

from bot.config import Config, ConfigError, os_reason

TIMEOUT = 10.0
SLACK_API = "https://slack.com/api/"
OPENER = urllib.request.build_opener()  # HTTP(S)_PROXY from the environment, as Relais' own clients


def _call(url: str, token: str | None = None, data: bytes | None = None) -> tuple[int, Any]:
    """(HTTP status, JSON body or None); what stops the request raises OSError."""
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with OPENER.open(request, timeout=TIMEOUT) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, None


def _transient(error: ConfigError) -> ConfigError:
    """A problem that may pass (the server down, restarting): `relais run` starts anyway and keeps trying."""
    error.transient = True  # type: ignore[attr-defined]
    return error


def _unreachable(key: str, url: str, error: OSError) -> ConfigError:
    reason = getattr(error, "reason", None) or error
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return _transient(
            ConfigError(
                "{key}: {url} does not answer (no answer within 10 s): check the address, and http:// or https://",
                key=key,
                url=url,
            )
        )
    return _transient(
        ConfigError(
            "{key}: cannot reach {url} ({reason}): check the address",
            key=key,
            url=url,
            reason=os_reason(reason) if isinstance(reason, OSError) else str(reason)[:160],
        )
    )


def matrix(config: Config, check_password: bool = True) -> Iterator[ConfigError]:
    from adapters.matrix.config import matrix_config

    settings = matrix_config(config)
    home = settings.homeserver
    try:
        status, body = _call(f"{home}/_matrix/client/versions")
    except OSError as error:
        yield _unreachable("matrix.homeserver", home, error)
        return
    if status != 200 or not isinstance(body, dict) or "versions" not in body:
        yield _transient(
            ConfigError(
                "matrix.homeserver: {url} answers, but not as a Matrix homeserver (HTTP {status}): write the address "
                "Element shows under Settings → Help & About",
                url=home,
                status=status,
            )
        )
        return
    if settings.access_token:
        try:
            status, body = _call(f"{home}/_matrix/client/v3/account/whoami", settings.access_token)
        except OSError as error:
            yield _unreachable("matrix.homeserver", home, error)
            return
        who = body.get("user_id") if isinstance(body, dict) else None
        if status == 401 or (isinstance(body, dict) and body.get("errcode") == "M_UNKNOWN_TOKEN"):
            yield ConfigError(
                "the homeserver refuses the Matrix access token (expired, or its session was logged out): log in "
                "again and set RELAIS_MATRIX_ACCESS_TOKEN to the new one"
            )
        elif who and who != settings.user_id:
            yield ConfigError(
                "the Matrix access token belongs to {owner}, not to matrix.user_id {user}",
                owner=who,
                user=settings.user_id,
            )
        return
    if not check_password:
        return
    status, body = _call(f"{home}/_matrix/client/v3/login")
    flows = [flow.get("type") for flow in body.get("flows", [])] if isinstance(body, dict) else []
    if "m.login.password" not in flows:
        yield ConfigError(
            "{url} does not take passwords (it signs in with SSO): log in once in a browser and set "
            "RELAIS_MATRIX_ACCESS_TOKEN instead of RELAIS_MATRIX_PASSWORD",
            url=home,
        )


def slack(config: Config) -> Iterator[ConfigError]:
    from adapters.slack.settings import load_settings

    settings = load_settings(config)
    api = settings.api_url or SLACK_API
    api = api if api.endswith("/") else api + "/"
    if settings.bot_token:
        try:
            _status, body = _call(api + "auth.test", settings.bot_token, b"")
        except OSError as error:
            yield _unreachable("slack.api_url" if settings.api_url else "Slack", api, error)
            return
        body = body if isinstance(body, dict) else {}
        if not body.get("ok"):
            refused = ConfigError(
                "Slack refuses slack.bot_token ({code}): copy the Bot User OAuth Token again (the app's OAuth & "
                "Permissions page), and install the app in the workspace",
                code=body.get("error", "?"),
            )
            yield _transient(refused) if settings.oauth else refused  # the other workspaces go on without it
        elif not settings.oauth:  # with several workspaces, channels of the others are expected
            yield from _workspace(config, str(body.get("team_id", "")), str(body.get("team", "")))
    if settings.mode == "socket":
        try:
            _status, body = _call(api + "apps.connections.open", settings.app_token, b"")
        except OSError as error:
            yield _unreachable("slack.api_url" if settings.api_url else "Slack", api, error)
            return
        if not (isinstance(body, dict) and body.get("ok")):
            code = body.get("error", "?") if isinstance(body, dict) else "?"
            yield ConfigError(
                "Slack refuses slack.app_token ({code}): make an app-level token with the connections:write scope "
                "(the app's Basic Information page) and turn Socket Mode on",
                code=code,
            )


def _workspace(config: Config, team: str, name: str) -> Iterator[ConfigError]:
    """Circles' Slack channels named in another workspace than the token's would never be reached."""
    for circle in config.circles:
        for channel in circle.channels:
            if channel.startswith("slack:") and team and not channel.startswith(f"slack:{team}/"):
                yield ConfigError(
                    "circles.{circle}.channels: {channel} is in another workspace than slack.bot_token's, "
                    "{name} ({team}): write slack:{team}/…",
                    circle=circle.name,
                    channel=channel,
                    name=name,
                    team=team,
                )


CHECKS: dict[str, Callable[[Config], Iterator[ConfigError]]] = {"matrix": matrix, "slack": slack}


def reach(config: Config, platforms: list[str]) -> list[ConfigError]:
    """What the platforms say of the configuration (only those whose sections are otherwise in order)."""
    problems: list[ConfigError] = []
    for platform in platforms:
        if platform in CHECKS:
            problems += list(CHECKS[platform](config))
    return problems


def refused_for_good(config: Config, platforms: list[str]) -> ConfigError | None:
    """Before `relais run` opens the database: a token or an address the platform refuses for good (not one
    that does not answer: Relais then starts and keeps trying). A password is left to the login itself."""
    checks: dict[str, Callable[[Config], Iterator[ConfigError]]] = {
        "matrix": lambda config: matrix(config, check_password=False),
        "slack": slack,
    }
    for platform in platforms:
        for problem in checks[platform](config) if platform in checks else ():
            if not getattr(problem, "transient", False):
                return problem
    return None
