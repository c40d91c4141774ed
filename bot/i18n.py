"""Translations: English message ids, French catalogs read with Babel from bot/locale.

Every .po file under `bot/locale/<lang>/LC_MESSAGES/` is one gettext domain (core, reads,
schedules, matrix, slack…); they are merged into one catalog per language.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
SUPPORTED = ("fr", "en")


@cache
def _catalog(language: str) -> dict[str | tuple[str, str], str | tuple[str, ...]]:
    messages: dict[str | tuple[str, str], str | tuple[str, ...]] = {}
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    for po_file in sorted(folder.glob("*.po")):
        with po_file.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        for message in catalog:
            if not message.id or not message.string or message.fuzzy:
                continue
            messages[message.id] = message.string
    return messages


def N_(message: str) -> str:  # noqa: N802 - gettext convention for marking a string
    """Mark a string for extraction; it is translated later with Translator.t()."""
    return message


@dataclass(frozen=True)
class Translator:
    language: str

    def t(self, message: str, **values: object) -> str:
        translated = _catalog(self.language).get(message, message) if self.language != "en" else message
        if not isinstance(translated, str):
            translated = message
        return translated.format(**values) if values else translated

    def tn(self, singular: str, plural: str, count: int, **values: object) -> str:
        entry = _catalog(self.language).get((singular, plural)) if self.language != "en" else None
        if isinstance(entry, tuple) and len(entry) >= 2 and entry[0] and entry[1]:
            chosen = entry[0] if count <= 1 else entry[1]  # French: 0 and 1 are singular
        else:
            chosen = singular if count == 1 else plural
        return chosen.format(count=count, **values)


def translator(language: str) -> Translator:
    return Translator(language if language in SUPPORTED else "fr")


def listing(tr: Translator, parts: list[str]) -> str:
    """ "a, b and c" ("a, b et c")."""
    if len(parts) <= 1:
        return "".join(parts)
    return tr.t("{first} and {last}", first=", ".join(parts[:-1]), last=parts[-1])
