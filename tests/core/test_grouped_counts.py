"""Counts and lengths in messages are grouped by thousands as CLDR writes them (Babel's format_decimal):
"40 010" in French (narrow no-break space), "40,010" in English; item numbers (#12345) never are."""

from __future__ import annotations

import pytest
from babel.numbers import format_decimal

from bot import cldr
from bot.i18n import translator

NNBSP = "\u202f"
ANNOUNCED = (
    "Announcement #{number} posted in {circle}: {count} member must read it.",
    "Announcement #{number} posted in {circle}: {count} members must read it.",
)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_counts_are_grouped_as_babel_groups_them(language):
    for value in (0, 7, 999, 1000, 2100, 40010, 20000, 123456, 1234567, -12345):
        assert cldr.number(value, language) == format_decimal(value, locale=language)


def test_a_too_long_message_says_its_length_grouped(testbot):
    answer = testbot.say("alice", "/engage " + "x" * 40002)  # 40 010 characters
    assert f"(40{NNBSP}010 caractères{NNBSP}; 20{NNBSP}000 au plus)" in answer
    testbot.say("alice", "/lang en")
    assert "(40,010 characters; at most 20,000)" in testbot.say("alice", "/engage " + "x" * 40002)


def test_member_counts_are_grouped_and_item_numbers_are_not():
    french = translator("fr").tn(*ANNOUNCED, 2100, number=12345, circle="COPIL")
    assert french == f"Annonce #12345 publiée dans COPIL\u00a0: 2{NNBSP}100 membres doivent la lire."
    english = translator("en").tn(*ANNOUNCED, 2100, number=12345, circle="COPIL")
    assert english == "Announcement #12345 posted in COPIL: 2,100 members must read it."
    assert translator("fr").t("Commitment #{number} saved: {title}", number=2026, title="Budget 2027").count(NNBSP) == 0
