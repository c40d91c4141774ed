"""Dates that do not exist, that overflow, or that hide in titles: never guessed, always said (issue 12)."""

from __future__ import annotations

import pytest

from bot.dates import split_due
from tests.conftest import NOW

PARIS = "Europe/Paris"


@pytest.mark.parametrize(
    ("language", "text", "title", "not_understood"),
    [
        ("fr", "Rapport d'ici le 32 décembre 10h", "Rapport", "le 32 décembre 10h"),
        ("fr", "COPIL le 31 février 14h", "COPIL", "le 31 février 14h"),
        ("en", "Board February 30 2pm", "Board", "February 30 2pm"),
        ("en", "Book the room by February 30 2pm", "Book the room", "February 30 2pm"),
        ("fr", "Avant l'arrêt", "Avant l'arrêt", None),  # the marker is the title's first word
    ],
)
def test_impossible_dates_are_not_read_from_a_shorter_ending(language, text, title, not_understood):
    split = split_due(text, NOW, PARIS, language)
    assert (split.title, split.when, split.not_understood) == (title, None, not_understood)


@pytest.mark.parametrize(
    ("text", "title", "day"),
    [
        ("Send the minutes by Friday", "Send the minutes", 27),  # the bot's own example
        ("Write minutes by Monday", "Write minutes", 30),
        ("Read the hours log by Monday", "Read the hours log", 30),
    ],
)
def test_unit_words_stay_in_english_titles(text, title, day):
    split = split_due(text, NOW, PARIS, "en")
    assert split.title == title and split.when is not None and split.when.at.day == day


def test_engage_says_what_it_did_not_understand(testbot):
    reply = testbot.say("alice", "/engage Rapport d'ici le 32 décembre 10h")
    assert "Engagement #1 enregistré\u00a0: Rapport (COPIL)." in reply
    assert "«\u202fle 32 décembre 10h\u202f»" in reply


def test_a_meeting_on_an_impossible_day_is_not_planned(testbot):
    for line in ("/meeting COPIL le 31 février 14h", "/meeting Board February 30 2pm"):
        reply = testbot.send("fabienne", line)
        assert reply is not None and not reply.ok, line
    assert "Aucune réunion" in testbot.say("fabienne", "/meetings")


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "le 3 janvier 2300"])
def test_far_dates_are_refused_and_nothing_changes(testbot, value):
    testbot.say("alice", "/engage Rapport")
    reply = testbot.say("alice", f"/edit #1 échéance {value}")
    assert "Rien n’a été enregistré" in reply and "problème" not in reply
    assert "sans échéance" in testbot.say("alice", "/show #1")


def test_far_dates_in_engage_are_refused(testbot):
    for value in ("d'ici 0001-01-01", "d'ici 9999-12-31"):
        reply = testbot.say("alice", f"/engage Rapport {value}")
        assert "Rien n’a été enregistré" in reply and "problème" not in reply, reply
    assert "Aucun engagement" in testbot.say("alice", "/actions")
