"""What members type, as Slack sends it, turned into a Relais command line (pure).

With `should_escape: true` in the manifest, Slack sends `<@U123|alice>` for a user mention,
`<#C123|general>` for a channel, `<!here>`, `<!subteam^S1|@team>`, `<https://x|label>`, and
escapes `&`, `<`, `>` as entities. Commands that take people (`/member`, `/actions`, `/edit … owner`)
get `@slack:T/U123`, which the core resolves to the member with that Slack identity; elsewhere
(text that is stored and shown again) the person's name is written out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_CONTROL = re.compile(r"<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>")


def mentioned_users(text: str) -> dict[str, str | None]:
    """User ids mentioned in the text, with the label Slack gave (if any)."""
    return {
        match.group(2): match.group(3) for match in _CONTROL.finditer(text) if match.group(1) == "@" and match.group(2)
    }


def mentioned_channels(text: str) -> dict[str, str | None]:
    return {
        match.group(2): match.group(3) for match in _CONTROL.finditer(text) if match.group(1) == "#" and match.group(2)
    }


def rewrite(text: str, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    """Replace Slack's control sequences with plain words, then unescape Slack's entities.

    `users`/`channels` map ids to the replacement (without the leading `@`/`#`); an id missing
    from them falls back to Slack's label, or the id itself.
    """

    def replace(match: re.Match[str]) -> str:
        kind, target, label = match.group(1), match.group(2), match.group(3)
        if kind == "@":
            return "@" + users.get(target, (label or target).lstrip("@"))
        if kind == "#":
            return "#" + channels.get(target, (label or target).lstrip("#"))
        if kind == "!":
            if label:
                return label if label.startswith("@") else "@" + label
            return "@" + target.split("^", 1)[0]
        address = target.removeprefix("mailto:")
        if label and label != address:
            return f"{label} ({address})"
        return address

    return unescape(_CONTROL.sub(replace, text))


def unescape(text: str) -> str:
    """Slack escapes only these three; `&amp;` last so that `&amp;lt;` stays `&lt;`."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
