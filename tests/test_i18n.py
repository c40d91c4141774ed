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
