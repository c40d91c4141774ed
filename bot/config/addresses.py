"""Platform addresses in the configuration: who the facilitators are (`console:camille`,
`slack:T0123/U0456`, `matrix:@camille:example.org`) and which channels a circle is in
(`console:copil`, `slack:T0123/C0AAA`, `matrix:!abcdef:example.org`).

An address without its platform would silently match nobody (`facilitators = ["camille"]` made no
one facilitator): it is refused, with the line to write instead.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from bot.config.values import ConfigError, shown
from bot.i18n import N_

PLATFORMS = ("console", "slack", "matrix")
SLACK_PAIR = re.compile(r"[TE][A-Z0-9]+/[UWCGD][A-Z0-9]+")
SLACK_ID = re.compile(r"[A-Z0-9]+")  # workspace, channel and member ids: T0123, C0AAA, U0456
SLACK_LINK = re.compile(r"/client/([TE][A-Z0-9]+)/([A-Z][A-Z0-9]+)")  # app.slack.com/client/T0123/C0AAA
LINKED_ID = re.compile(r"[!@][^/?&#\s]+")  # the room or person a matrix.to or Element link points at


def _link(value: str, key: str, of_member: bool) -> None:
    """A link copied from a browser or a chat (matrix.to, Element, Slack) is refused with the address to write."""
    if "://" not in value:
        return
    slack = SLACK_LINK.search(value)
    found = LINKED_ID.search(unquote(value).split("#", 1)[-1])
    if slack and slack.group(2)[0] in ("UW" if of_member else "CGD"):
        suggestion = f"slack:{slack.group(1)}/{slack.group(2)}"
    elif found and found.group()[0] == ("@" if of_member else "!"):
        suggestion = f"matrix:{found.group()}"
    elif of_member:
        raise ConfigError(
            "{key}: “{value}” is a link: write the member as matrix:@<user>:<server> or slack:<workspace>/<member>",
            key=key,
            value=shown(value),
        )
    else:
        raise ConfigError(
            "{key}: “{value}” is a link: write the room's internal id, matrix:!<room>:<server> "
            "(Element: Room settings → Advanced)",
            key=key,
            value=shown(value),
        )
    raise ConfigError(
        "{key}: “{value}” is a link: write {suggestion}", key=key, value=shown(value), suggestion=suggestion
    )


def _suggestion(value: str) -> str:
    """What was most likely meant: a Matrix id, a Slack workspace/id pair, else a console name."""
    if value.startswith(("@", "!")):
        return f"matrix:{value}"
    if SLACK_PAIR.fullmatch(value):
        return f"slack:{value}"
    return f"console:{value}"


def _platform(value: str, key: str, of_member: bool) -> tuple[str, str]:
    _link(value, key, of_member)
    platform, colon, rest = value.partition(":")
    if not colon or platform.lower() not in PLATFORMS:
        if not colon or value.startswith(("@", "!")) or " " in platform or "/" in platform:
            message = (
                N_(
                    "{key}: “{value}” does not say its platform: write {suggestion} "
                    "(a member is console:<name>, slack:<workspace>/<member> or matrix:@<user>:<server>)"
                )
                if of_member
                else N_(
                    "{key}: “{value}” does not say its platform: write {suggestion} "
                    "(a channel is console:<name>, slack:<workspace>/<channel> or matrix:!<room>:<server>)"
                )
            )
            raise ConfigError(message, key=key, value=shown(value), suggestion=_suggestion(value))
        raise ConfigError(
            "{key}: “{value}”: Relais knows the platforms console, slack and matrix, not “{platform}”",
            key=key,
            value=shown(value),
            platform=shown(platform),
        )
    if not rest.strip():
        raise ConfigError("{key}: “{value}” has nothing after its platform", key=key, value=shown(value))
    return platform.lower(), rest.strip()


def identity(value: str, key: str) -> str:
    """A member's platform identity, as Relais stores it."""
    platform, rest = _platform(value.strip(), key, of_member=True)
    if platform == "slack" and not _slack(rest):
        raise ConfigError(
            "{key}: “{value}” must be slack:<workspace>/<member>, such as slack:T0123/U0456",
            key=key,
            value=shown(value),
        )
    if platform == "slack" and not _slack_ids(rest):
        raise ConfigError(
            "{key}: “{value}” must name the member by their Slack id, such as slack:T0123/U0456, not by a name "
            "(their profile → ⋮ → Copy member ID)",
            key=key,
            value=shown(value),
        )
    if platform == "matrix" and not _matrix(rest, "@"):
        raise ConfigError(
            "{key}: “{value}” must be matrix:@<user>:<server>, such as matrix:@camille:example.org",
            key=key,
            value=shown(value),
        )
    return f"{platform}:{rest}"


def channel(value: str, key: str) -> str:
    """A channel or room of a circle, as Relais stores it."""
    platform, rest = _platform(value.strip(), key, of_member=False)
    if platform == "slack" and not _slack(rest):
        raise ConfigError(
            "{key}: “{value}” must be slack:<workspace>/<channel>, such as slack:T0123/C0AAA",
            key=key,
            value=shown(value),
        )
    if platform == "slack" and not _slack_ids(rest):
        raise ConfigError(SLACK_CHANNEL_BY_NAME, key=key, value=shown(value))
    if platform == "matrix" and not (rest.startswith("!") and len(rest) > 1 and " " not in rest):
        # a room id is `!opaque:server`, or from room version 12 on just `!opaque`
        raise ConfigError(
            "{key}: “{value}” must be matrix:!<room>:<server>, the room's internal id "
            "(Element: Room settings → Advanced)",
            key=key,
            value=shown(value),
        )
    return f"{platform}:{rest}"


SLACK_CHANNEL_BY_NAME = N_(
    "{key}: “{value}” must name the channel by its Slack id, such as slack:T0123/C0AAA, not by its name "
    "(the id is at the bottom of the channel's details)"
)


def slack_id(text: str) -> bool:
    """A Slack id (T0123, C0AAA, U0456), not a name (general, #général, camille)."""
    return bool(SLACK_ID.fullmatch(text))


def _slack_ids(rest: str) -> bool:
    team, _slash, local = rest.partition("/")
    return slack_id(team) and slack_id(local)


def _slack(rest: str) -> bool:
    team, slash, local = rest.partition("/")
    return bool(slash and team and local) and " " not in rest


def _matrix(rest: str, sigil: str) -> bool:
    local, colon, server = rest[1:].partition(":")
    return rest.startswith(sigil) and bool(local and colon and server) and " " not in rest
