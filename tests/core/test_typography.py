"""French typography is set once, when a message is translated, and numbers and dates read naturally.

No-break spaces before : ; ! ? % and inside « », "de" elided before a vowel sound, percentages
by Babel ("40%" in English), "just now", "1er décembre". Checked on the mechanism and on every
message of the French catalogs, so that no string can be typed the old way and slip through.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import NARROW_NBSP, NBSP, _catalog, starts_with_vowel_sound, translator
from bot.presentation import FixedLocaliser, age_label, percent, share

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)
FR = translator("fr")
EN = translator("en")


def test_french_messages_get_no_break_spaces_where_french_wants_them():
    assert FR.t("{label}: {value}", label="Mairie", value="1/2") == f"Mairie{NBSP}: 1/2"
    assert FR.t("Did you mean: {commands}?", commands="/lu") == f"Vouliez-vous dire{NBSP}: /lu{NARROW_NBSP}?"
    assert FR.t("🎉 #{number} {title} is done. Thank you!", number=3, title="X").endswith(f"Merci{NARROW_NBSP}!")
    quoted = FR.t("I do not understand the filter “{words}”: use mine, @someone, an organisation, "
                  "#circle, overdue, week or all.", words="zz")  # fmt: skip
    assert f"«{NARROW_NBSP}zz{NARROW_NBSP}»{NBSP}:" in quoted
    assert f"(12{NARROW_NBSP}; 12 au plus)" in FR.t("That is too many filters ({count}; at most {limit}).", count=12,
                                                    limit=12)  # fmt: skip
    assert f"pas 150{NBSP}%" in FR.t("Progress goes from 0 to 100%, not {value}%. Nothing was saved.", value=150)


def test_values_are_data_and_are_never_retouched():
    text = FR.t("{label}: {value}", label="Note : à voir ?", value="« brut »")
    assert text == f"Note : à voir ?{NBSP}: « brut »"


def test_english_is_left_as_it_is():
    assert EN.t("{label}: {value}", label="a", value="b") == "a: b"
    assert EN.t("Progress goes from 0 to 100%, not {value}%. Nothing was saved.", value=150).startswith(
        "Progress goes from 0 to 100%, not 150%."
    )


@pytest.mark.parametrize(
    ("name", "elided"),
    [
        ("Alice", True),
        ("alice", True),
        ("**Émile**", True),
        ("Hélène", True),
        ("Hugo (Mairie)", True),
        ("Yves", True),
        ("UNICEF", True),
        ("Œuvre commune", True),
        ("Bob", False),
        ("Yann", False),
        ("Hollande Conseil", False),
        ("Haute-Savoie Solidaire", False),
        ("42 Lab", False),
        ("", False),
    ],
)
def test_de_is_elided_before_a_vowel_sound(name, elided):
    assert starts_with_vowel_sound(name) is elided
    header = FR.t("📣 #{number} Update from {author}", number=3, author=name)
    assert header == f"📣 #3 Point d’étape {'d’' if elided else 'de '}{name}"


def test_elision_in_plural_messages_and_never_in_english():
    assert "de Alice" not in FR.t(
        "#{number}: {kind} from {author}, {when}", number=1, kind="x", author="Alice", when="w"
    )
    assert EN.t("📣 #{number} Update from {author}", number=3, author="Alice") == "📣 #3 Update from Alice"


_LOOSE = re.compile(r" [;!?:%](?=\s|$)|« | »")  # an ordinary space where a no-break one belongs
_TIGHT = re.compile(r"[^\s\u00a0\u202f][;!?:](?=\s|$)")  # no space at all before ; ! ? :


def test_no_french_message_keeps_an_ordinary_space_where_a_no_break_one_belongs():
    """Every message of every French catalog, typeset as it is sent, with its placeholders left in."""
    loose = []
    for msgid, translated in _catalog("fr").items():
        forms = translated if isinstance(translated, tuple) else (translated,)
        for form in forms:
            fields = dict.fromkeys(re.findall(r"\{(\w+)(?:![rsa])?\}", form), "X")
            typeset = FR._typeset(form, fields)
            if _LOOSE.search(typeset) or _TIGHT.search(typeset):
                loose.append((msgid, typeset))
    assert loose == []


def test_percentages_follow_the_language():
    french, english = FixedLocaliser("fr", PARIS, NOW), FixedLocaliser("en", PARIS, NOW)
    assert percent(english, 40) == "40%" and percent(french, 40) == f"40{NBSP}%"
    assert share(english, 2, 3) == "67%" and share(french, 0, 0) == "—"


def test_ages_say_just_now_under_a_minute():
    french, english = FixedLocaliser("fr", PARIS, NOW), FixedLocaliser("en", PARIS, NOW)
    assert age_label(french, NOW) == "à l’instant"
    assert age_label(english, NOW - timedelta(seconds=59)) == "just now"
    assert age_label(french, NOW - timedelta(minutes=5)) == "il y a 5 min"
    assert age_label(english, NOW + timedelta(minutes=3)) == "just now"  # a clock a little ahead


def test_the_first_of_the_month_is_1er_in_french():
    french, english = FixedLocaliser("fr", PARIS, NOW), FixedLocaliser("en", PARIS, NOW)
    first = datetime(2026, 12, 1, 14, 0, tzinfo=PARIS)
    assert french.when(first) == "mardi 1er décembre 2026 à 14:00"
    assert french.day(first) == "mardi 1er décembre 2026"
    assert english.day(first) == "Tuesday 1 December 2026"
    assert french.day(datetime(2026, 12, 11, tzinfo=PARIS)) == "vendredi 11 décembre 2026"
    assert french.day(datetime(2027, 1, 31, tzinfo=PARIS)) == "dimanche 31 janvier 2027"
