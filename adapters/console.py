"""The console adapter: one member typing command lines, replies printed. The embedded default.

Several `relais chat --as …` processes on one database are different members of one community.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TextIO

from bot.markup import to_plain
from bot.reply import Incoming, Post, Reply

Inbound = Callable[[Incoming], Reply | None]
QUIT = {"/quit", "/exit", "!quit", "!exit", "quit", "exit", "/quitter", "quitter"}


@dataclass
class ConsoleAdapter:
    identity: str
    channel: str
    on_incoming: Inbound
    out: TextIO = field(default_factory=lambda: sys.stdout)
    display_name: str | None = None

    def receive(self, line: str) -> Reply | None:
        """Hand one typed line to the core and print what comes back."""
        reply = self.on_incoming(
            Incoming(identity=self.identity, text=line, channel=self.channel, display_name=self.display_name)
        )
        if reply is not None:
            for post in reply.posts:
                self.send(post)
        return reply

    def send(self, post: Post) -> None:
        text = to_plain(post.text)
        if post.target == "circle":
            text = "  │ " + text.replace("\n", "\n  │ ")
        self.out.write(text + "\n")
        self.out.flush()

    def run(self, lines: Iterable[str], prompt: str | None = None) -> int:
        """Read lines until end of input or /quit. Returns how many commands were handled."""
        handled = 0
        for raw in lines:
            line = raw.strip()
            if not line or line.startswith("#!"):
                continue
            if line.lower() in QUIT:
                break
            self.receive(line)
            handled += 1
            if prompt:
                self.out.write("\n")
        return handled


def interactive_lines(prompt: str) -> Iterable[str]:
    """Lines typed on a terminal, with a prompt (readline editing when available)."""
    try:
        import readline  # noqa: F401  (line editing and history for input())
    except ImportError:  # pragma: no cover - not on every platform
        pass
    while True:
        try:
            yield input(prompt)
        except (EOFError, KeyboardInterrupt):
            sys.stdout.write("\n")
            return
