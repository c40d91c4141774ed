"""Text that the database or a terminal refuses is cleaned where it enters, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot.text import clean_input, clean_name


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("caf\udce9", "café"),  # Latin-1 bytes piped into `relais chat`
        ("caf\udcc3\udca9", "café"),  # UTF-8 bytes that reached Python undecoded
        ("x\ud800y", "x\ufffdy"),  # a lone surrogate from JSON
        ("a\x00b", "ab"),  # NUL: PostgreSQL refuses it
        ("\x1b[31mrouge\x1b[0m titre", "rouge titre"),  # colours for someone else's terminal
        ("\x1b]0;pwned\x07titre", "titre"),  # a terminal title change
        ("l1\r\nl2\rl3\x07", "l1\nl2\nl3"),
        ("tab\tkept", "tab\tkept"),
        ("Réunion 日本 عربي 👋", "Réunion 日本 عربي 👋"),
    ],
)
def test_clean_input(raw, clean):
    assert clean_input(raw) == clean


def test_clean_name_is_one_short_line():
    assert clean_name("  Ali\x00ce \n Martin ") == "Alice Martin"
    assert clean_name("x" * 500) == "x" * 200
    assert clean_name("\x00\x1b[0m") is None


def test_hostile_text_is_stored_clean_through_the_dispatcher(testbot):
    assert "Engagement #1 enregistré\u00a0: café" in testbot.say("alice", "/engage caf\udce9")
    assert "Engagement #2 enregistré\u00a0: ab" in testbot.say("alice", "/engage a\x00b")
    assert "Je ne comprends pas le filtre" in testbot.say("alice", "/actions @\x00")
    assert "Engagement #3 enregistré\u00a0: rouge titre" in testbot.say("alice", "/engage \x1b[31mrouge\x1b[0m titre")
    listing = testbot.say("bob", "/actions")
    assert "\x1b" not in listing and "\x00" not in listing and "café" in listing


def test_a_flood_of_filters_is_bounded(testbot):
    testbot.say("alice", "/engage Rapport")
    assert "1 engagement" in testbot.say("bob", "/actions " + " ".join(["@alice"] * 2800))  # repeats count once
    many = " ".join(f"@m{n:04d}" for n in range(2800))
    assert "Cela fait trop de filtres (2\u202f800\u202f; 12 au plus)." in testbot.say("bob", f"/actions {many}")


def test_an_unexpected_failure_is_said_in_the_members_language(testbot):
    from bot.router import Command

    def broken(ctx):
        raise RuntimeError("a bug")

    testbot.dispatcher.router.add(Command("broken", broken, (), "/broken", "test"))
    testbot.say("erin", "/lang en")
    assert "Something went wrong on my side; nothing was changed." in testbot.say("erin", "/broken")
    assert "Un problème est survenu de mon côté" in testbot.say("alice", "/broken")


def test_a_command_name_followed_by_a_non_breaking_space_or_a_tab_is_still_the_command(testbot):
    """A French keyboard types U+00A0 with Alt+Space, a word processor pastes it, a tab comes with a copy:
    before, "/engage\u00a0Réserver…" answered "I do not know the command /engage réserver"."""
    assert "Engagement #1 enregistré\u00a0: Réserver la salle" in testbot.say("alice", "/engage\u00a0Réserver la salle")
    assert "Engagement #2 enregistré\u00a0: Appeler" in testbot.say("alice", "/engage\tAppeler d'ici vendredi")
    assert "Engagement #3 enregistré\u00a0: Écrire" in testbot.say("alice", "/engage\u202fÉcrire")
    assert "Engagement #4 enregistré\u00a0: Relire le texte" in testbot.say("alice", "/engage Relire\u00a0le texte")


def test_invisible_characters_are_not_a_title_nor_hide_a_command(testbot):
    """A zero-width space or a byte order mark, pasted from a web page or a file: an engagement whose title
    nobody can see was saved; a command preceded by one was not a command."""
    assert "Il manque quelque chose" in testbot.say("alice", "/engage \u200b\u200b\u200b")
    assert "Il manque quelque chose" in testbot.say("alice", "/engage \ufeff\u2060")
    assert "Engagement #1 enregistré\u00a0: Relancer" in testbot.say("alice", "\ufeff/engage Relancer")
    assert "Engagement #2 enregistré\u00a0: Zerowidth" in testbot.say("alice", "\u200b/engage Zero\u200bwidth")
    assert "👩🏽\u200d💻" in testbot.say("alice", "/engage Coder 👩🏽\u200d💻")  # a joiner inside an emoji stays
