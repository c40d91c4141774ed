"""bot.po reads a .po catalog as Babel's read_po does (continued strings, escapes, plurals, fuzzy and obsolete
entries), keeps a message with a context apart from the same message without one, and a language without a
catalog falls back to the English text; French plurals: 0 and 1 are singular."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po as babel_read_po

from bot import i18n
from bot.po import read_po

CATALOG = r"""msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\n"

#: a.py:1
msgid ""
"Multi "
"line"
msgstr ""
"Multi "
"ligne"

msgid "Esc \" \\ \n \t end"
msgstr "Échap \" \\ \n \t fin"

msgid "Backslash then n \\n"
msgstr "Barre puis n \\n"

msgid "Open"
msgstr "Ouvrir"

msgctxt "menu"
msgid "Open"
msgstr "Ouvrir le menu"

msgid "{count} item"
msgid_plural "{count} items"
msgstr[0] "{count} élément"
msgstr[1] "{count} éléments"

#, fuzzy
msgid "Fuzzy"
msgstr "Flou"

#, python-format, fuzzy
msgid "Fuzzy too"
msgstr "Flou aussi"

#~ msgid "Old"
#~ msgstr "Vieux"

msgid "Untranslated"
msgstr ""

#| msgid "Previous"
msgid "With a previous id"
msgstr "Avec un ancien identifiant"
"""


def test_read_as_babel_reads_it(tmp_path: Path):
    path = tmp_path / "core.po"
    path.write_text(CATALOG, encoding="utf-8")
    with path.open("rb") as file:
        babel = {
            (f"{message.context}\x04{message.id}" if message.context else message.id): message.string
            for message in babel_read_po(file)
            if message.id and message.string and not message.fuzzy
        }
    messages = read_po(path)
    assert messages == {key: tuple(value) if isinstance(value, list) else value for key, value in babel.items()}
    assert messages["Open"] == "Ouvrir" and messages["menu\x04Open"] == "Ouvrir le menu"  # the context kept apart
    assert messages['Esc " \\ \n \t end'] == 'Échap " \\ \n \t fin' and messages["Multi line"] == "Multi ligne"
    assert messages[("{count} item", "{count} items")] == ("{count} élément", "{count} éléments")
    assert not {"Fuzzy", "Fuzzy too", "Old", "Untranslated"} & set(messages)


def test_french_plurals_0_and_1_are_singular_english_only_1():
    french, english = i18n.translator("fr"), i18n.translator("en")
    days = [french.tn("{count} day ago", "{count} days ago", count) for count in (0, 1, 2)]
    assert days == ["il y a 0 jour", "il y a 1 jour", "il y a 2 jours"]
    assert [english.tn("{count} day ago", "{count} days ago", count) for count in (0, 1, 2)] == [
        "0 days ago", "1 day ago", "2 days ago"
    ]  # fmt: skip


def test_a_language_without_catalog_falls_back_to_english(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n._catalog.cache_clear()
    try:
        assert i18n.translator("fr").t("Due: {when}.", when="x") == "Due: x."
        assert i18n.translator("fr").tn("{count} day ago", "{count} days ago", 0) == "0 days ago"
    finally:
        i18n._catalog.cache_clear()
