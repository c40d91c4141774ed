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


def test_the_translators_template_is_current():
    """bot/locale/relais.pot lists every message (regenerate it with tools/pot.sh)."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    pot = Path(__file__).resolve().parents[2] / "bot" / "locale" / "relais.pot"
    with pot.open("rb") as handle:
        ids = {message.id if isinstance(message.id, str) else tuple(message.id) for message in read_po(handle)}
    missing = [message for message in extract_messages() if message not in ids]
    assert missing == [], "run tools/pot.sh"
