"""`relais chat` and `relais demo`: the console adapter wired to the app.

Piped input (scripts, tests) is read line by line exactly as always: replies as plain text, nothing
else. On a terminal it is a chat (adapters/console.py): a banner in the member's language, colours,
completion of command names, a history kept in Relais' state folder ($XDG_STATE_HOME/relais,
by default ~/.local/state/relais/console-history), and what other members post as it comes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from adapters.console import ConsoleAdapter, Feed, colour_wanted, interact, prompt_session
from bot.app import App
from bot.i18n import translator, typed_on
from bot.markup import bold, esc
from bot.reply import Incoming
from bot.services import feed

QUOTED = 60  # characters of a sentence repeated in "… is not a command"


def history_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "relais" / "console-history"


def command_names(app: App) -> list[str]:
    """Every name a command answers to, with its slash (`/engage`, `/engager`…), for completion."""
    return [f"/{name}" for command in app.dispatcher.router.commands() for name in (command.name, *command.aliases)]


def console_for(app: App, identity: str, circle: str | None, name: str | None) -> ConsoleAdapter:
    member = f"console:{identity}"
    router = app.dispatcher.router

    def not_a_command(line: str) -> str:
        tr = translator(app.dispatcher.language_of(Incoming(identity=member, text=line)))
        quoted = line if len(line) <= QUOTED else line[: QUOTED - 1].rstrip() + "…"
        return tr.t(
            "“{line}” is not a command: commands start with /, such as /help. To tell your circle "
            "something: /update <text>, or /info <text> for an announcement everyone must read.",
            line=esc(quoted),
        )

    return ConsoleAdapter(
        identity=member,
        channel=f"console:{circle or app.config.default_circle}",
        on_incoming=app.dispatcher.handle,
        display_name=name,
        is_command=lambda word: router.find(word) is not None,
        not_a_command=not_a_command,
    )


def banner(app: App, console: ConsoleAdapter, demo: str | None) -> str:
    """Who you are (the answer to /whoami, which also brings you into your circle) and how to leave."""
    whoami = app.dispatcher.handle(
        Incoming(identity=console.identity, text="/whoami", channel=console.channel, display_name=console.display_name)
    )
    tr = translator(app.dispatcher.language_of(Incoming(identity=console.identity, text="")))
    lines = [bold(esc(f"Relais — {app.config.community_name}", 200))]
    if whoami is not None:
        lines += [typed_on(post.text, None) for post in whoami.posts]
    lines.append(
        tr.t(
            "Commands start with /: /help lists them, Tab completes them, ↑ recalls the earlier ones. What the "
            "other members post in your circles appears here as it comes. Ctrl-C clears the line; Ctrl-D or "
            "/quit leaves."
        )
    )
    if demo:
        lines.append(
            tr.t("This is the demo, kept in {database}; `relais demo --reset` starts it again.", database=demo)
        )
    return "\n".join(lines)


def chat(app: App, identity: str, circle: str | None, name: str | None, demo: str | None = None) -> None:
    """The console as `identity`: interactive on a terminal, plain lines otherwise."""
    console = console_for(app, identity, circle, name)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        console.run(sys.stdin)
        return
    console.colour = colour_wanted(sys.stdout)
    text = banner(app, console, demo)
    position = feed.latest(app.dispatcher)

    def news() -> list[str]:
        nonlocal position
        lines, position = feed.news(app.dispatcher, console.identity, position)
        return lines

    session = prompt_session(command_names(app), history_path())
    interact(console, session, f"{identity}> ", text, Feed(console, news))
