"""The console adapter: one member typing command lines, replies printed. The embedded default.

Several `relais chat --as …` processes on one database are different members of one community.

Two ways in:
- piped lines (`printf '/engage …\\n' | relais chat --as alice`, scripts, tests): `run(lines)` reads
  them one by one, prints the replies as plain text, no prompt, no colour;
- a terminal: `interact(...)` is a chat. A banner says who you are and how to leave; a prompt
  (prompt_toolkit) completes command names with Tab, keeps its history between sessions, and
  Ctrl-C clears the line (Ctrl-D, /quit leave); what other members post in your circles appears
  as it comes (`news`, polled in the background and printed above the prompt); headings are bold
  and what is overdue red, unless NO_COLOR is set or the output is not a terminal.

The console's rule for a line without / or !: if its first word is a command (`actions`, `aide`) it
is that command, as in a direct chat; any other sentence is not sent anywhere: Relais says how to
write a command and how to share news with the circle (/update, /info).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.i18n import typed_on
from bot.markup import runs, to_plain
from bot.reply import Incoming, Post, Reply
from bot.text import INVISIBLE

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import Completer

Inbound = Callable[[Incoming], Reply | None]
QUIT = {"/quit", "/exit", "!quit", "!exit", "quit", "exit", "/quitter", "quitter"}
WARNING_SIGN = "⚠"
POLL_SECONDS = 1.0

# ANSI: bold and cyan for headings (bold runs), red for a line that flags something overdue
BOLD, CYAN, RED, RESET_BOLD, RESET_COLOUR = "\x1b[1m", "\x1b[36m", "\x1b[31m", "\x1b[22m", "\x1b[39m"


def colour_wanted(stream: TextIO, environ: dict[str, str] | None = None) -> bool:
    """Colours only on a terminal, and never with NO_COLOR set (https://no-color.org) or TERM=dumb."""
    environ = dict(os.environ if environ is None else environ)
    if environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def to_ansi(markup: str) -> str:
    """Markup for a colour terminal: bold runs in bold cyan, lines flagging something overdue in red."""
    out: list[str] = []
    for line in markup.split("\n"):
        alert = WARNING_SIGN in to_plain(line)
        colour = RED if alert else CYAN
        parts = [f"{BOLD}{colour}{text}{RESET_BOLD}{RESET_COLOUR}" if bold else text for text, bold in runs(line)]
        text = "".join(parts)
        out.append(f"{RED}{text}{RESET_COLOUR}" if alert else text)
    return "\n".join(out)


@dataclass
class ConsoleAdapter:
    identity: str
    channel: str
    on_incoming: Inbound
    out: TextIO | None = None  # None: sys.stdout at the time of writing (prompt_toolkit patches it)
    display_name: str | None = None
    colour: bool = False
    is_command: Callable[[str], bool] | None = None  # the console's rule for lines without a slash
    not_a_command: Callable[[str], str] | None = None  # what to say then (markup, in the member's language)

    @property
    def stream(self) -> TextIO:
        return self.out or sys.stdout

    def receive(self, line: str) -> Reply | None:
        """Hand one typed line to the core and print what comes back."""
        if self.not_a_command is not None and not self.looks_like_a_command(line):
            self.write(self.not_a_command(line))
            return None
        reply = self.on_incoming(
            Incoming(identity=self.identity, text=line, channel=self.channel, display_name=self.display_name)
        )
        if reply is not None:
            for post in reply.posts:
                self.send(post)
        return reply

    def looks_like_a_command(self, line: str) -> bool:
        if line[:1] in ("/", "!") or self.is_command is None:
            return True
        return self.is_command(line.split(maxsplit=1)[0])

    def send(self, post: Post) -> None:
        self.write(typed_on(post.text, None), circle=post.target == "circle")  # commands typed with / here
        if post.image is not None and post.image.note:  # no picture in a terminal: its figures
            self.write(post.image.note, circle=post.target == "circle")

    def write(self, markup: str, circle: bool = False) -> None:
        """Print markup: plain, or in colour; a circle's post (or news) behind a bar."""
        text = to_ansi(markup) if self.colour else to_plain(markup)
        if circle:
            text = "  │ " + text.replace("\n", "\n  │ ")
        self.stream.write(text + "\n")
        self.stream.flush()

    def run(self, lines: Iterable[str], prompt: str | None = None) -> int:
        """Read lines until end of input or /quit. Returns how many commands were handled."""
        handled = 0
        for raw in lines:
            line = raw.strip().lstrip(INVISIBLE).strip()  # a file saved with a byte order mark (Notepad)
            if not line or line.startswith("#!"):
                continue
            if line.lower() in QUIT:
                break
            self.receive(line)
            handled += 1
            if prompt:
                self.stream.write("\n")
        return handled


class Feed:
    """What others post, polled in the background while the member types (`news()` gives markup lines)."""

    def __init__(self, console: ConsoleAdapter, news: Callable[[], Sequence[str]], every: float = POLL_SECONDS):
        self.console = console
        self.news = news
        self.every = every
        self.stopped = threading.Event()
        self.lock = threading.Lock()  # one writer at a time: the prompt's replies, or the news
        self.thread: threading.Thread | None = None

    def show(self) -> int:
        """Print what is new now; returns how many lines."""
        try:
            lines = list(self.news())
        except Exception:  # the database may be briefly busy: next time
            return 0
        with self.lock:
            for line in lines:
                self.console.write(line, circle=True)
        return len(lines)

    def loop(self) -> None:
        while not self.stopped.wait(self.every):
            self.show()

    def start(self) -> None:
        self.thread = threading.Thread(target=self.loop, name="relais-console-feed", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(timeout=5)


def command_completer(names: Iterable[str]) -> Completer:
    """Tab completes command names (`/eng` → `/engage`, `/engager`), the first word only."""
    from prompt_toolkit.completion import Completer, Completion

    words = sorted({name.lower().lstrip("/!") for name in names})

    class Commands(Completer):
        def get_completions(self, document: Any, complete_event: Any) -> Iterable[Completion]:
            text = document.text_before_cursor
            if " " in text or text[:1] not in ("/", "!"):
                return
            typed = text[1:].lower()
            for word in words:
                if word.startswith(typed):
                    yield Completion(text[:1] + word, start_position=-len(text))

    return Commands()


def prompt_session(names: Iterable[str], history: Path | None, **options: Any) -> PromptSession[str]:
    """A prompt with completion of command names and a history kept in `history` (None: this session only)."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    kept: Any = InMemoryHistory()
    if history is not None:
        try:
            history.parent.mkdir(parents=True, exist_ok=True)
            history.touch(exist_ok=True)
            kept = FileHistory(str(history))
        except OSError:  # a read-only home: history for this session only
            kept = InMemoryHistory()
    return PromptSession(history=kept, completer=command_completer(names), complete_while_typing=False, **options)


def interact(
    console: ConsoleAdapter,
    session: PromptSession[str],
    prompt: str,
    banner: str = "",
    feed: Feed | None = None,
) -> int:
    """The chat on a terminal: banner, prompt, news above it; returns how many commands were handled."""
    from prompt_toolkit.patch_stdout import patch_stdout

    handled = 0
    with patch_stdout(raw=True):
        if banner:
            console.write(banner)
        if feed is not None:
            feed.start()
        try:
            while True:
                try:
                    line = session.prompt(prompt).strip()
                except KeyboardInterrupt:  # Ctrl-C: the line is cleared, the chat goes on
                    continue
                except EOFError:  # Ctrl-D
                    break
                if not line:
                    continue
                if line.lower() in QUIT:
                    break
                lock = feed.lock if feed is not None else threading.Lock()
                with lock:
                    console.receive(line)
                handled += 1
        finally:
            if feed is not None:
                feed.stop()
    return handled
