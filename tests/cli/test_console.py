"""`relais chat` feels like a chat on a terminal (banner, colours, completion, history, Ctrl-C, what
others post appearing live) and stays plain lines when piped."""

from __future__ import annotations

import io

from click.testing import CliRunner
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from adapters.console import (
    ConsoleAdapter,
    Feed,
    colour_wanted,
    command_completer,
    interact,
    prompt_session,
    to_ansi,
)
from bot.app import App
from bot.reply import Post, Reply
from bot.services import feed
from relais.cli import main
from relais.console import banner, command_names, console_for


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colours_only_on_a_terminal_and_never_with_no_color():
    assert colour_wanted(Terminal(), {}) is True
    assert colour_wanted(Terminal(), {"NO_COLOR": "1"}) is False
    assert colour_wanted(Terminal(), {"TERM": "dumb"}) is False
    assert colour_wanted(io.StringIO(), {}) is False


def test_headings_are_bold_and_overdue_lines_red():
    text = to_ansi("**3 engagements :**\n#3 **Cartographier** · échéance hier ⚠️ **en retard**\n#4 Prêter")
    heading, overdue, other = text.split("\n")
    assert heading == "\x1b[1m\x1b[36m3 engagements :\x1b[22m\x1b[39m"
    assert overdue.startswith("\x1b[31m#3 \x1b[1m\x1b[31mCartographier") and "en retard" in overdue
    assert other == "#4 Prêter"
    out = io.StringIO()
    ConsoleAdapter("console:a", "console:x", lambda incoming: None, out=out).write("**Titre**")
    assert out.getvalue() == "Titre\n"  # no colour unless asked


def test_a_plain_sentence_says_how_to_write_a_command(testbot):
    app = App(config=testbot.dispatcher.config, store=testbot.store, clock=testbot.clock, dispatcher=testbot.dispatcher)
    out = io.StringIO()
    console = console_for(app, "alice", "copil", None)
    console.out = out
    console.receive("bonjour à tous, je suis nouvelle")
    said = plain(out.getvalue())
    assert said.startswith("« bonjour à tous, je suis nouvelle » n’est pas une commande")
    assert "/aide" in said and "/point <texte>" in said
    assert "Aucun" not in said and "Vouliez-vous dire" not in said
    console.receive("actions")  # a command's name without its slash is that command, as in a direct chat
    assert "Aucun engagement ne correspond" in plain(out.getvalue())
    console.receive("/lang en")
    console.receive("hello everyone")
    assert "“hello everyone” is not a command: commands start with /, such as /help." in out.getvalue()
    assert feed.latest(testbot.dispatcher) == 0  # nothing was posted


def test_the_banner_says_who_you_are_and_how_to_leave(testbot):
    app = App(config=testbot.dispatcher.config, store=testbot.store, clock=testbot.clock, dispatcher=testbot.dispatcher)
    console = console_for(app, "fabienne", "copil", "Fabienne")
    text = plain(banner(app, console, demo="/data/demo-fr.db"))
    assert "Relais — Test community" in text
    assert "Vous êtes Fabienne, animation. Vos instances : COPIL." in text
    assert "Ctrl-D ou /quitter pour partir" in text and "Tab les complète" in text
    assert "/data/demo-fr.db" in text
    names = command_names(app)
    assert "/engage" in names and "/engager" in names and "/aide" in names


def test_what_others_post_in_my_circles_appears_once(testbot):
    testbot.say("alice", "/whoami", "copil")
    start = feed.latest(testbot.dispatcher)
    testbot.say("bob", "/info La salle est réservée pour jeudi", "copil")
    testbot.say("bob", "/engage Envoyer le compte rendu d'ici vendredi", "copil")
    testbot.say("fabienne", "/meeting COPIL jeudi 3 décembre 2026 14h salle du conseil", "copil")
    testbot.say("alice", "/info Mon annonce", "copil")  # mine: not shown to me
    testbot.say("carl", "/info Autre instance", "gt")  # not my circle
    lines, position = feed.news(testbot.dispatcher, "console:alice", start)
    shown = [plain(line) for line in lines]
    assert len(shown) == 3, shown
    assert shown[0].startswith("#1 Bob : « La salle est réservée pour jeudi »") and "(COPIL)" in shown[0]
    assert shown[1].startswith("Nouvel engagement : #2") and "Envoyer le compte rendu" in shown[1]
    assert shown[2].startswith("Réunion planifiée : #3") and "jeudi 3 décembre 2026 à 14:00" in shown[2]
    assert feed.news(testbot.dispatcher, "console:alice", position) == ([], position)
    assert feed.news(testbot.dispatcher, "console:nobody", start)[0] == []


def test_news_is_printed_behind_a_bar_and_the_poller_stops():
    out = io.StringIO()
    console = ConsoleAdapter("console:a", "console:x", lambda incoming: None, out=out)
    batches = [["#1 Bob : **nouvelle**"], []]
    news = Feed(console, lambda: batches.pop(0) if batches else [], every=3600)
    assert news.show() == 1 and news.show() == 0
    assert out.getvalue() == "  │ #1 Bob : nouvelle\n"
    broken = Feed(console, lambda: 1 / 0)
    assert broken.show() == 0  # a busy database: next time
    news.start()
    news.stop()  # wakes the poller at once: nothing waits for `every`
    assert news.thread is not None and not news.thread.is_alive()


def test_completion_of_command_names():
    completer = command_completer(["/engage", "/engager", "/edit", "/aide"])

    def completions(text: str) -> list[str]:
        found = completer.get_completions(Document(text), CompleteEvent(completion_requested=True))
        return [completion.text for completion in found]

    assert completions("/eng") == ["/engage", "/engager"]
    assert completions("!ai") == ["!aide"]
    assert completions("/engage Rapp") == [] and completions("eng") == []


def test_ctrl_c_cancels_the_line_ctrl_d_leaves_and_history_is_kept(tmp_path):
    seen: list[str] = []

    def inbound(incoming):
        seen.append(incoming.text)
        return Reply(posts=(Post(text=f"**ok** {incoming.text}"),))

    out = io.StringIO()
    console = ConsoleAdapter("console:a", "console:x", inbound, out=out)
    history = tmp_path / "state" / "console-history"
    with create_pipe_input() as keys:
        keys.send_text("/whoami\rhalf a line\x03/actions\r\x04")
        session = prompt_session(["/whoami"], history, input=keys, output=DummyOutput())
        handled = interact(console, session, "a> ", banner="Relais — test")
    assert handled == 2 and seen == ["/whoami", "/actions"]
    assert out.getvalue() == "Relais — test\nok /whoami\nok /actions\n"
    assert "/whoami" in history.read_text() and "half a line" not in history.read_text()
    with create_pipe_input() as keys:
        keys.send_text("/quit\r/never\r")
        session = prompt_session(["/whoami"], history, input=keys, output=DummyOutput())
        assert interact(console, session, "a> ") == 0 and "/never" not in seen
        assert "/actions" in session.history.get_strings()  # kept between sessions


def test_piped_input_stays_plain_lines(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    result = CliRunner().invoke(
        main, ["chat", "--as", "alice", "--db", url], input="/whoami\n\nbonjour\n/quit\n/whoami\n", env={"LANG": "C"}
    )
    lines = plain(result.stdout).splitlines()
    assert lines[0].startswith("Vous êtes alice, partenaire.")
    assert lines[1].startswith("« bonjour » n’est pas une commande")
    assert len(lines) == 2 and "\x1b[" not in result.stdout  # no banner, no colour, stopped at /quit


def test_history_lives_in_the_state_folder(monkeypatch, tmp_path):
    from relais.console import history_path

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert history_path() == tmp_path / "relais" / "console-history"
    monkeypatch.delenv("XDG_STATE_HOME")
    assert history_path().parts[-4:] == (".local", "state", "relais", "console-history")


def test_a_file_saved_with_a_byte_order_mark_is_read_as_commands(testbot):
    """Notepad saves UTF-8 with a byte order mark: before, the first line of `relais chat < commands.txt`
    was answered "« \ufeff/engage … » n’est pas une commande"."""
    app = App(config=testbot.dispatcher.config, store=testbot.store, clock=testbot.clock, dispatcher=testbot.dispatcher)
    out = io.StringIO()
    console = console_for(app, "alice", "copil", None)
    console.out = out
    assert console.run(["\ufeff/engage Réserver la salle\r\n", "\u200b/whoami\n"]) == 2
    said = plain(out.getvalue())
    assert "Engagement #1 enregistré : Réserver la salle" in said and "pas une commande" not in said
