"""Every user-facing string exists in French and English, with the same placeholders."""

from __future__ import annotations

import re

from bot.i18n import _catalog
from bot.i18n_catalog import extract_messages, missing

FIELD = re.compile(r"\{(\w+)\}")


def test_every_string_in_the_code_has_a_french_translation():
    assert missing("fr") == []


def test_translations_keep_the_placeholders():
    catalog = _catalog("fr")
    for message in extract_messages():
        translated = catalog[message]
        ids = message if isinstance(message, tuple) else (message,)
        forms = translated if isinstance(translated, tuple) else (translated,)
        wanted = set(FIELD.findall(ids[-1])) | set(FIELD.findall(ids[0]))
        for form in forms[:2]:
            assert set(FIELD.findall(form)) <= wanted | {"count"}, (message, form)
            if not isinstance(message, tuple):
                assert set(FIELD.findall(form)) == wanted, (message, form)


def test_french_uses_the_typographic_apostrophe():
    """The dashboard said "Il n'y a rien ici", the chat "Il n’y a pas de #16": one typography everywhere
    (a straight one stays inside a command or a TOML example, between quotes)."""
    catalog = _catalog("fr")
    for message in extract_messages():
        translated = catalog[message]
        for form in translated if isinstance(translated, tuple) else (translated,):
            prose = re.sub(r"'[^' ]*\[[^']*\]'|\"[^\"]*\"|`[^`]*`", "", form)  # 'relais[web]', "…", `…`
            assert not re.search(r"\w'\w", prose), (message, form)


def test_the_translators_template_is_current():
    """bot/locale/relais.pot lists every message (regenerate it with tools/pot.sh)."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    pot = Path(__file__).resolve().parents[2] / "bot" / "locale" / "relais.pot"
    with pot.open("rb") as handle:
        ids = {message.id if isinstance(message.id, str) else tuple(message.id) for message in read_po(handle)}
    missing = [message for message in extract_messages() if message not in ids]
    assert missing == [], "run tools/pot.sh"


def test_the_catalogs_are_read_as_babel_reads_them():
    """bot.po (what a running Relais reads, without Babel) against Babel's read_po, for every catalog."""
    from babel.messages.pofile import read_po as babel_read_po

    from bot.i18n import LOCALE_DIR
    from bot.po import read_po

    files = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
    assert files
    for po_file in files:
        with po_file.open("rb") as handle:
            catalog = babel_read_po(handle, locale=po_file.parts[-3])
        expected = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
        assert read_po(po_file) == expected, po_file.name


def test_plurals_escapes_fuzzy_and_obsolete_entries_are_read_as_babel_reads_them(tmp_path):
    from babel.messages.pofile import read_po as babel_read_po

    from bot.po import read_po

    po_file = tmp_path / "edge.po"
    po_file.write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
        '#, python-brace-format\nmsgid "{count} item"\nmsgid_plural "{count} items"\n'
        'msgstr[0] "{count} élément"\nmsgstr[1] "{count} éléments"\n\n'
        '#, fuzzy\nmsgid "Guessed"\nmsgstr "Deviné"\n\n'
        'msgid "Untranslated"\nmsgstr ""\n\n'
        '# a translator\'s note\nmsgid ""\n"Two "\n"lines: \\"quoted\\"\\n"\n'
        'msgstr ""\n"Deux "\n"lignes : « cité »\\t\\\\"\n\n'
        '#~ msgid "Old"\n#~ msgstr "Ancien"\n',
        encoding="utf-8",
    )
    with po_file.open("rb") as handle:
        expected = {m.id: m.string for m in babel_read_po(handle, locale="fr") if m.id and m.string and not m.fuzzy}
    assert read_po(po_file) == expected
    assert expected['Two lines: "quoted"\n'] == "Deux lignes : « cité »\t\\"
