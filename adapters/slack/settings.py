"""The `[slack]` section of relais.toml, checked once at start (no Slack SDK import here).

[slack]
mode = "socket"                 # "socket" (default, app-level token) or "http" (/slack/events)
bot_token = "xoxb-…"            # or RELAIS_SLACK_BOT_TOKEN
app_token = "xapp-…"            # Socket Mode only; or RELAIS_SLACK_APP_TOKEN
signing_secret = "…"            # HTTP mode only; or RELAIS_SLACK_SIGNING_SECRET
port = 3000                     # HTTP mode
spool = "/var/lib/relais/slack.spool"  # optional: requests kept here until done (default: beside the SQLite file)
team_id = "T0123"               # optional: the workspace id (auth.test tells it otherwise)
client_id = "123.456"           # several workspaces (OAuth, HTTP mode): or RELAIS_SLACK_CLIENT_ID
client_secret = "…"             # or RELAIS_SLACK_CLIENT_SECRET; `Add to Slack` at /slack/install

[slack.channels]                # optional: Slack channel id -> circle name
C0AAA = "COPIL"
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.config import Config, ConfigError
from bot.config.addresses import slack_id
from bot.config.values import Section, as_text, shown
from bot.text import slugify

MODES = ("socket", "http")
SCOPES = (
    "commands",
    "chat:write",
    "users:read",
    "channels:read",
    "groups:read",
    "im:write",
    "im:history",
    "reactions:read",
    "channels:history",
    "groups:history",
    "files:write",
)  # the manifest's; fmt: skip


WORKED_OUT = frozenset({"spool_chosen"})  # SlackSettings fields Relais works out: no key of [slack] sets them


@dataclass(frozen=True)
class SlackSettings:
    mode: str = "socket"
    bot_token: str = ""
    app_token: str = ""
    signing_secret: str = ""
    host: str = "127.0.0.1"  # HTTP mode: loopback unless told otherwise (a proxy in front)
    port: int = 3000
    path: str = "/slack/events"
    team_id: str | None = None
    channels: dict[str, str] = field(default_factory=dict)
    facilitators: tuple[str, ...] = ()
    api_url: str | None = None  # another Web API base URL (a proxy, the test stand-in)
    pace_seconds: float = 1.0  # at most one message per channel per this many seconds
    rate_limit_retries: int = 2  # 429s retried by slack_sdk's handler before giving the row back
    timeout: float = 30.0
    db_threads: int = 4  # threads running the (blocking) core; 1 serialises all store access
    client_id: str = ""  # OAuth: several workspaces, each installed with `Add to Slack` (workspaces.py)
    client_secret: str = ""
    install_path: str = "/slack/install"
    redirect_path: str = "/slack/oauth_redirect"
    scopes: tuple[str, ...] = ()
    spool: str = ""  # requests on disk until their work is committed (adapters/slack/front_spool.py); "": none
    spool_chosen: bool = True  # False: the default place; if Relais cannot write there it runs without (a warning)
    # (worked out from `spool`, not a key of [slack]: WORKED_OUT)

    @property
    def oauth(self) -> bool:
        return bool(self.client_id)

    @property
    def http(self) -> bool:
        return self.mode == "http"


def parse_settings(raw: dict[str, Any]) -> SlackSettings:
    """Settings from the raw section; ConfigError names the missing or wrong key."""
    mode = str(raw.get("mode", "socket")).strip().lower()
    if mode not in MODES:
        raise ConfigError("slack.mode must be socket or http, not “{mode}”", mode=mode)
    bot_token = str(raw.get("bot_token", "")).strip()
    app_token = str(raw.get("app_token", "")).strip()
    signing_secret = str(raw.get("signing_secret", "")).strip()
    client_id = str(raw.get("client_id", "")).strip()
    client_secret = str(raw.get("client_secret", "")).strip()
    if client_id and not client_secret:
        raise ConfigError("slack.client_id needs slack.client_secret (or RELAIS_SLACK_CLIENT_SECRET)")
    if client_id and mode != "http":
        raise ConfigError('installing in several workspaces (slack.client_id) needs slack.mode = "http"')
    if bot_token.startswith("xapp-") and app_token.startswith("xoxb-"):
        raise ConfigError(
            "slack.bot_token and slack.app_token are swapped: the bot token is xoxb-…, the app token xapp-…"
        )
    if not (client_id and not bot_token) and not bot_token.startswith("xoxb-"):
        raise ConfigError("slack.bot_token (or RELAIS_SLACK_BOT_TOKEN) must be the app's bot token, xoxb-…")
    if mode == "socket" and not app_token.startswith("xapp-"):
        raise ConfigError(
            "Socket Mode needs slack.app_token (or RELAIS_SLACK_APP_TOKEN): an app-level token xapp-… "
            "with the connections:write scope"
        )
    if mode == "http" and not signing_secret:
        raise ConfigError("HTTP mode needs slack.signing_secret (or RELAIS_SLACK_SIGNING_SECRET)")
    channels = _channels(raw.get("channels", {}))
    path = str(raw.get("path", "/slack/events"))
    section = Section("slack", raw)
    return SlackSettings(
        mode=mode,
        bot_token=bot_token,
        app_token=app_token,
        signing_secret=signing_secret,
        host=str(raw.get("host", "127.0.0.1")).strip() or "127.0.0.1",
        port=section.port("port", 3000),
        path=path if path.startswith("/") else "/" + path,
        team_id=str(raw["team_id"]).strip() or None if raw.get("team_id") else None,
        channels=channels,
        facilitators=tuple(_member(name.lstrip("@")) for name in section.words("facilitators")),
        api_url=str(raw["api_url"]) if raw.get("api_url") else None,
        pace_seconds=section.number("pace_seconds", 1.0),
        rate_limit_retries=section.whole("rate_limit_retries", 2),
        timeout=section.number("timeout", 30.0),
        db_threads=max(1, section.whole("db_threads", 4)),
        client_id=client_id,
        client_secret=client_secret,
        scopes=tuple(section.words("scopes")) or SCOPES,
        install_path=str(raw.get("install_path", "/slack/install")),
        redirect_path=str(raw.get("redirect_path", "/slack/oauth_redirect")),
        spool=str(raw.get("spool", "")).strip(),
    )


def _channels(raw: Any) -> dict[str, str]:
    """[slack.channels]: Slack channel ids (not names) -> circle names (text)."""
    if not isinstance(raw, dict):
        raise ConfigError('[slack.channels] maps a Slack channel id to a circle name: C0123 = "COPIL"')
    channels: dict[str, str] = {}
    for key, value in raw.items():
        channel = str(key).strip()
        if not slack_id(channel):
            raise ConfigError(
                '[slack.channels]: “{value}” must be a Slack channel id, such as C0AAA = "COPIL", not a channel\'s '
                "name (the id is at the bottom of the channel's details)",
                value=shown(key),
            )
        channels[channel] = as_text(value, f"slack.channels.{channel}").strip()
        if not channels[channel]:
            raise ConfigError(
                'slack.channels.{channel} needs the name of its circle: {channel} = "COPIL"', channel=channel
            )
    return channels


def _member(user: str) -> str:
    if not slack_id(user):
        raise ConfigError(
            "slack.facilitators: “{value}” must be a Slack member id, such as U0456, not a name "
            "(their profile → ⋮ → Copy member ID)",
            value=shown(user),
        )
    return user


def _known_circles(settings: SlackSettings, config: Config) -> None:
    """A circle named in [slack.channels] that is almost one of [[circles]] is a typo, not a new circle; a
    channel that [[circles]] gives to another circle is in two."""
    import difflib

    names = {slugify(circle.name): circle.name for circle in config.circles}
    names.setdefault(slugify(config.default_circle), config.default_circle)
    owners = {
        address.rsplit("/", 1)[-1]: circle.name
        for circle in config.circles
        for address in circle.channels
        if address.startswith("slack:")
    }
    for channel, name in settings.channels.items():
        known = slugify(name) in names  # the same circle, however it is spelled (bot.services.community)
        guess = None if known else difflib.get_close_matches(slugify(name), sorted(names), n=1, cutoff=0.75)
        if guess:
            raise ConfigError(
                "slack.channels.{channel}: there is no circle “{name}”; did you mean “{guess}”?",
                channel=channel,
                name=name,
                guess=names[guess[0]],
            )
        if channel in owners and slugify(owners[channel]) != slugify(name):  # one of them would win, silently
            raise ConfigError(
                "the channel {channel} is in two circles, “{first}” and “{second}”: keep it in one",
                channel=channel,
                first=owners[channel],
                second=name,
            )


def load_settings(config: Config) -> SlackSettings:
    settings = parse_settings(config.section("slack"))
    _known_circles(settings, config)
    if settings.spool:
        return settings
    return replace(settings, spool=default_spool(settings, config.database_url), spool_chosen=False)


def default_spool(settings: SlackSettings, database_url: str) -> str:
    """Beside the SQLite database (else in the working directory); in HTTP mode one per port, so that
    several Relais on one machine keep theirs apart."""
    name = f"relais-slack-{settings.port}.spool" if settings.http else "relais-slack.spool"
    if database_url.startswith("sqlite:///"):
        return str(Path(database_url.removeprefix("sqlite:///").split("?", 1)[0]).parent / name)
    return name


def is_configured(config: Config) -> bool:
    """True when the config (or the environment) asks for Slack."""
    section = config.section("slack")
    return bool(section.get("bot_token") or section.get("client_id"))
