"""Command names and keywords, in both languages, are ones Relais understands.

/help shows each command under the name its translated usage line starts with (/lu in French), so
that name, its examples' names, every command a message names, and every keyword offered in a
member's language must lead back to the right command and meaning.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import commands
from bot.i18n import Keywords, _catalog, translator
from bot.presentation import command_name
from commands import build_router

ROUTER = build_router()
COMMANDS = ROUTER.commands()
OUTSIDE = {"relais", "quit", "quitter", "invite"}  # Slack: its umbrella and /invite; the console: its way out
NAMED = re.compile(r"(?<![\w/.:<-])/([a-zà-ÿ][\w-]*)(?![\w/-])")  # not a path: /srv/relais/relais.toml


def test_subcommand_words_and_command_names_never_overlap_within_a_command():
    for command in COMMANDS:
        words = command.words
        assert len(words) == sum(len({w.lower() for w in sub.words}) for sub in command.subcommands), command.name
        assert all(sub.words[0] == words.meaning(sub.words[1]) for sub in command.subcommands if len(sub.words) > 1)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("command", COMMANDS, ids=[command.name for command in COMMANDS])
def test_usage_and_examples_name_the_command_itself(command, language):
    tr = translator(language)
    for text in (command.usage, *command.examples):
        first = tr.t(text).split()[0]
        assert first.startswith("/"), text
        assert ROUTER.find(first.lstrip("/")) is command, (language, text, first)


def test_french_usage_lines_use_french_names_where_there_is_one():
    french = translator("fr")
    english_names = {command.name for command in COMMANDS if french.t(command.usage).split()[0] == f"/{command.name}"}
    assert english_names == {"info", "actions", "react", "unreact"}  # the same word in French, or console-only


def test_every_command_a_message_names_exists():
    unknown = set()
    for language in ("fr", "en"):
        messages = _catalog("fr")
        texts = list(messages) if language == "en" else list(messages.values())
        for text in texts:
            for form in text if isinstance(text, tuple) else (text,):
                unknown |= {name for name in NAMED.findall(form) if ROUTER.find(name) is None}
    assert unknown <= OUTSIDE


def test_french_messages_name_commands_by_their_french_names():
    """A French message names /fait, /modifier, /aide…, not /done, /edit, /help; the English name may follow
    the French one (Slack knows only the English slash commands: "/engager (/engage)")."""
    french = translator("fr")
    wrong = []
    for text in _catalog("fr").values():
        for form in text if isinstance(text, tuple) else (text,):
            for name in NAMED.findall(form):
                command = ROUTER.find(name)
                if command is not None and f"/{command_name(french, command)}" not in form:
                    wrong.append((name, form))
    assert not wrong


def _keywords() -> list[tuple[str, Keywords]]:
    """Every Keywords of the commands' modules, and every command's subcommand words and choices."""
    found = []
    for info in pkgutil.iter_modules(commands.__path__):
        module = importlib.import_module(f"commands.{info.name}")
        found += [(f"{info.name}.{name}", value) for name, value in vars(module).items() if isinstance(value, Keywords)]
    for command in COMMANDS:
        if command.subcommands:
            found.append((f"/{command.name} subcommands", command.words))
        for sub in (None, *command.subcommands):
            params = command.params if sub is None else sub.params
            where = f"/{command.name}" + (f" {sub.name}" if sub else "")
            found += [(f"{where} {p.name}", p.choices) for p in params if isinstance(p.choices, Keywords)]
    return found


@pytest.mark.parametrize(("name", "keywords"), _keywords(), ids=[name for name, _ in _keywords()])
def test_every_keyword_offered_in_either_language_is_accepted(name, keywords):
    for language in ("fr", "en"):
        shown = keywords.shown(language)
        meanings = [row[0] for row in keywords.rows]
        for word, meaning in zip(shown, meanings, strict=True):
            if word.startswith("#"):
                continue  # a placeholder for a circle's name
            assert keywords.meaning(word) == meaning, (name, language, word)
            assert keywords.meaning(word.upper()) == meaning
