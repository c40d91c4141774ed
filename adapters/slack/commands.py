"""Slash commands: acknowledge at once, then hand the line to the core.

Slack knows by name every command of the router but the console's (manifest.yml is generated from
the router: adapters/slack/manifest.py), and `/relais <any command>`, the umbrella for workspaces
where a name is taken (`/relais member @bob org Town hall`). `/engage Send the minutes by Friday`
becomes the command line `/engage Send the minutes by Friday` from identity `slack:T/U` in channel
`slack:T/C`. The dispatcher writes the replies to the outbox in the command's transaction: the
confirmation goes back ephemeral, items to read are posted in the circle's channels. `/engage`
alone opens a modal.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import addresses
from adapters.slack.manifest import UMBRELLA, slash_commands
from adapters.slack.mentions import mentioned_channels, mentioned_users, rewrite
from adapters.slack.modal import open_engage
from adapters.slack.runtime import Runtime
from bot.reply import Incoming
from bot.router import split_command
from bot.services.channels import circle_slugs
from bot.services.identities import nameable

log = logging.getLogger(__name__)

# Commands whose arguments name people: a mention becomes the Slack identity the core resolves.
PEOPLE_COMMANDS = frozenset({"member", "actions", "edit", "who-read", "whoami"})
Listener = Callable[..., Awaitable[None]]


def command_line(slash: str, text: str) -> str:
    """The core's command line for a slash command and its text."""
    text = text.strip()
    if slash == UMBRELLA:
        if not text:
            return "/help"
        return text if text[:1] in ("/", "!") else "/" + text
    return f"/{slash} {text}".rstrip()


def register(bolt: AsyncApp, runtime: Runtime) -> None:
    for name in slash_commands(runtime.dispatcher.router):
        bolt.command(f"/{name}")(listener(runtime, name))


def listener(runtime: Runtime, name: str) -> Listener:
    async def on_command(ack: Any, command: dict[str, Any], respond: Any, client: AsyncWebClient) -> None:
        async with runtime.busy():
            await ack()  # first, always: Slack waits 3 seconds at most (returns once it is sent: spooled.watch)
            try:
                await run_command(runtime, client, name, command)
            except Exception:
                log.exception("/%s failed", name)
                sorry = runtime.community_tr.t("Something went wrong on my side; nothing was changed.")
                await respond(text=sorry, response_type="ephemeral")

    on_command.__name__ = f"on_{name}"
    return on_command


async def run_command(runtime: Runtime, client: AsyncWebClient, name: str, command: dict[str, Any]) -> None:
    """The command from `command`'s workspace; `client` is Bolt's for that workspace (the modal opens with it)."""
    team = command.get("team_id")
    user = str(command["user_id"])
    identity = await runtime.who(user, team, addresses.home_team(command))
    channel_id = str(command["channel_id"])
    channel = runtime.channel(channel_id, team)
    runtime.response_urls.remember(channel, identity, command.get("response_url"))
    line = command_line(name, str(command.get("text") or ""))
    word, rest = split_command(line)
    found = runtime.dispatcher.router.find(word) if word else None
    canonical = found.name if found is not None else word
    trigger_id = command.get("trigger_id")
    people = await runtime.people_for(team)
    display_name, language = await people.profile(user)
    incoming = Incoming(
        identity=identity,
        text=line,
        channel=channel,
        display_name=display_name,
        language=language,
        event_id=f"command:{trigger_id}" if trigger_id else None,
        direct=addresses.is_direct(channel_id),
        raw={key: value for key, value in command.items() if key != "token"},
    )
    if (
        canonical == "engage"
        and not rest
        and trigger_id
        and await open_engage(runtime, client, str(trigger_id), incoming)
    ):
        return  # else the dispatcher answers why not (a stranger, a channel linked to no circle)
    line = await resolve_mentions(runtime, line, canonical, team, identity)
    await runtime.handle(replace(incoming, text=line))


async def resolve_mentions(runtime: Runtime, line: str, canonical: str, team: str | None, speaker: str) -> str:
    """Slack's `<@U…|name>`, `<#C…|name>`, links and entities, as the core understands them.

    In commands about people a mention becomes the person's identity when they are a member (a
    facilitator's mention makes them one); otherwise their name is written out.
    """
    if "<" not in line and "&" not in line:
        return line
    users = mentioned_users(line)
    channels = mentioned_channels(line)
    names = await (await runtime.people_for(team)).names(users)
    user_words = {user: names.get(user) or (label or user).lstrip("@") for user, label in users.items()}
    if canonical in PEOPLE_COMMANDS and users:
        identities = {runtime.identity(user, team): user for user in users}
        people = {identity: names.get(user) for identity, user in identities.items()}
        known = await runtime.blocking(nameable, runtime.dispatcher, speaker, people)
        user_words.update({user: identity for identity, user in identities.items() if identity in known})
    slugs: dict[str, str] = {}
    if channels:
        slugs = await runtime.blocking(
            circle_slugs, runtime.dispatcher, [runtime.channel(channel, team) for channel in channels]
        )
    channel_words = {
        channel: slugs.get(runtime.channel(channel, team)) or (label or channel) for channel, label in channels.items()
    }
    return rewrite(line, user_words, channel_words)
