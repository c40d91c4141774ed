"""Translations: English message ids, French catalogs read from bot/locale (bot.po).

Every .po file under `bot/locale/<lang>/LC_MESSAGES/` is one gettext domain (core, reads,
schedules, matrix, slack…); they are merged into one catalog per language.

Counts and lengths filled in ({count}, {length}…: COUNTS) are grouped by thousands as CLDR does
("40 010", "40,010"); item numbers ({number}) never.

French typography is applied here, once, to every translated message rather than string by
string in the catalogs (translators type ordinary spaces): a narrow no-break space (U+202F)
before ; ! ? and inside « », a no-break space (U+00A0) before : and %, and "de" elided before
a value that starts with a vowel sound ("d’Alice", "d’Hélène", but "de Yann"). Values filled in
are never touched: they are data, or messages already set.

Commands named in a message are spelled the way the reader types them on their platform (a
Translator's `commands`, a CommandSpelling): `/relais lu #3` on Slack (whose slash commands are the
English names), `!lu #3` on Matrix (its prefix), `/lu #3` on the console. Only the template is
spelled, before values are filled in: what a user wrote is never rewritten.

A post to a circle linked to rooms on several platforms is written once (`deferred`): each command it
names is a slot (U+E000 name U+E001) that the outbox fills in per destination (`typed_on`): the Slack
copy says `/relais lu #3`, the Matrix copy `!lu #3`, the console `/lu #3`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.cldr import number
from bot.po import Messages, read_po

LOCALE_DIR = Path(__file__).parent / "locale"
SUPPORTED = ("fr", "en")

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
# placeholders that hold a count or a length: grouped by thousands ("40 010", "40,010"); never {number}
# (#12345 is an item's number), nor a year, time, id or code
COUNTS = frozenset(
    ("count", "total", "length", "limit", "acked", "acknowledged", "seen", "unread", "done", "overdue", "open",
     "waiting", "failed", "hidden", "days", "minutes", "members")
)  # fmt: skip


def counted(values: Mapping[str, object], language: str) -> dict[str, object]:
    """The values, counts written as the language groups their digits (bot.cldr.number)."""
    return {
        key: number(value, language) if key in COUNTS and type(value) is int else value for key, value in values.items()
    }


@cache
def _catalog(language: str) -> Messages:
    messages: Messages = {}
    for po_file in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        messages.update(read_po(po_file))  # bot.po: as Babel reads them, without importing Babel
    return messages


def N_(message: str) -> str:  # noqa: N802 - gettext convention for marking a string
    """Mark a string for extraction; it is translated later with Translator.t()."""
    return message


# French typography

# a space (any kind) before ; ! ? : % that ends a clause (followed by a space, the end, or a closing
# mark): "!aide" or ":tada:" are left alone
_BEFORE = re.compile(r"[ \u00a0\u202f]+([;!?:%])(?=[\s\"”»).,;:!?]|$)")
_OPENING_GUILLEMET = re.compile(r"«[ \u00a0\u202f]*")
_CLOSING_GUILLEMET = re.compile(r"[ \u00a0\u202f]*»")
_DE = re.compile(r"\b([Dd])e \{(\w+)\}")
_LEADING_MARKS = "*\\_“\"«‘'( \u00a0\u202f"
_VOWELS = set("aeiouàâäéèêëîïôöùûüœæ")
# words whose h is aspirated: no elision ("de Hollande"); any other h is mute ("d’Hélène", "d’Hugo")
_ASPIRATED_H = ("hall", "hameau", "hangar", "harpe", "hasard", "haut", "hibou", "hockey", "hollande", "hongrie",
                "honte", "huit", "hublot", "hêtre", "héros", "hérisson")  # fmt: skip


def french_spaces(text: str) -> str:
    """Typeset a French message: narrow no-break spaces before ; ! ? and inside « », no-break before : and %."""

    def space(match: re.Match[str]) -> str:
        mark = match.group(1)
        return (NBSP if mark in ":%" else NARROW_NBSP) + mark

    text = _BEFORE.sub(space, text)
    text = _OPENING_GUILLEMET.sub("«" + NARROW_NBSP, text)
    return _CLOSING_GUILLEMET.sub(NARROW_NBSP + "»", text)


def starts_with_vowel_sound(text: str) -> bool:
    """Whether French elides before it: "Alice", "Hélène", "Yves", "UNICEF"; not "Bob", "Yann", "Hollande", "42"."""
    word = text.lstrip(_LEADING_MARKS).lower()
    if not word:
        return False
    first = word[0]
    if first in _VOWELS:
        return True
    if first == "h":
        return not word.startswith(_ASPIRATED_H)
    if first == "y":
        return len(word) > 1 and word[1] not in _VOWELS and word[1].isalpha()
    return False


def _elided(template: str, values: Mapping[str, object]) -> str:
    """ "de {name}" becomes "d’{name}" when the name filled in starts with a vowel sound."""

    def elide(match: re.Match[str]) -> str:
        value = values.get(match.group(2))
        if value is not None and starts_with_vowel_sound(str(value)):
            return f"{match.group(1)}’{{{match.group(2)}}}"
        return match.group(0)

    return _DE.sub(elide, template)


# a command named in a template: "/lu" at the start, after a space, «, (, or a quote
_NAMED = re.compile(r"(?<![^\s«(\"'“‘])/([^\W\d_][\w-]*)")


SLOT_OPEN, SLOT_CLOSE = "\ue000", "\ue001"  # a command named in a post for several platforms
_SLOT = re.compile("\ue000([^\ue000\ue001]*)(?:\ue001|$)|\ue001")


def typed_on(text: str, commands: CommandSpelling | None) -> str:
    """A text written for several platforms (CommandSpelling.deferred) as one destination shows it: each
    command slot spelled for it (None: with a /, as on the console)."""
    if SLOT_OPEN not in text and SLOT_CLOSE not in text:
        return text

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return ""
        return commands.command(name) if commands is not None and not commands.deferred else f"/{name}"

    return _SLOT.sub(fill, text)


@dataclass(frozen=True)
class CommandSpelling:
    """How a platform's reader types a command: `prefix` ("/", "!"), the command `names` (every name and
    alias, both languages, lower case); with an `umbrella`, a name not among the `native` ones (Slack's
    registered slash commands) is typed after it: "/relais lu"."""

    names: frozenset[str]
    prefix: str = "/"
    umbrella: str | None = None
    native: frozenset[str] = frozenset()
    deferred: bool = False  # written for several platforms: a slot each destination fills in (typed_on)

    def command(self, name: str) -> str:
        """ "lu" as typed here: "/relais lu", "!lu", "/read"."""
        if self.deferred:
            return f"{SLOT_OPEN}{name}{SLOT_CLOSE}"
        if self.umbrella and name.lower() not in self.native:
            return f"{self.prefix}{self.umbrella} {name}"
        return f"{self.prefix}{name}"

    def spelled(self, template: str) -> str:
        """Every command the template names, as typed here; any other "/word" is left alone."""

        def spell(match: re.Match[str]) -> str:
            name = match.group(1)
            return self.command(name) if name.lower() in self.names else match.group(0)

        return _NAMED.sub(spell, template) if "/" in template else template


@dataclass(frozen=True)
class Translator:
    language: str
    commands: CommandSpelling | None = None

    def t(self, message: str, **values: object) -> str:
        values = counted(values, self.language)
        translated = _catalog(self.language).get(message) if self.language != "en" else None
        if not isinstance(translated, str):
            message = self.spelled(message)
            return message.format(**values) if values else message
        return self._typeset(translated, values)

    def spelled(self, template: str) -> str:
        """A template (never a value) with its commands as the reader types them on their platform."""
        return self.commands.spelled(template) if self.commands is not None else template

    def command(self, name: str) -> str:
        """A command's name as typed by the reader: "/lu" on the console, "!lu" on Matrix, "/relais lu" on Slack."""
        return self.commands.command(name) if self.commands is not None else f"/{name}"

    def tn(self, singular: str, plural: str, count: int, **values: object) -> str:
        entry = _catalog(self.language).get((singular, plural)) if self.language != "en" else None
        values = counted({"count": count, **values}, self.language)
        if isinstance(entry, tuple) and len(entry) >= 2 and entry[0] and entry[1]:
            chosen = entry[0] if count <= 1 else entry[1]  # French: 0 and 1 are singular
            return self._typeset(chosen, values)
        return self.spelled(singular if count == 1 else plural).format(**values)

    def _typeset(self, template: str, values: Mapping[str, object]) -> str:
        if self.language == "fr":
            template = french_spaces(_elided(template, values))
        template = self.spelled(template)
        return template.format(**values) if values else template


def translator(language: str, commands: CommandSpelling | None = None) -> Translator:
    return Translator(language if language in SUPPORTED else "fr", commands)


def listing(tr: Translator, parts: list[str]) -> str:
    """ "a, b and c" ("a, b et c")."""
    if len(parts) <= 1:
        return "".join(parts)
    return tr.t("{first} and {last}", first=", ".join(parts[:-1]), last=parts[-1])


class Keywords(dict[str, str]):
    """The words a command accepts for a choice, in both languages: every spelling -> its meaning.

    Built from rows (english, french, *other spellings); the meaning is the English word, the one
    the code tests. `shown(language)` lists one word per meaning in the reader's language, so that
    "Choose one of: …" never offers a French member English keywords ("animation, partenaire").
    Spellings are compared in lower case.
    """

    def __init__(self, *rows: tuple[str, ...]) -> None:
        super().__init__()
        self.rows = rows
        for english, *others in rows:
            for word in (english, *others):
                self.setdefault(word.lower(), english)

    def meaning(self, word: str) -> str | None:
        return self.get(word.lower())

    def shown(self, language: str) -> list[str]:
        column = 1 if language == "fr" else 0
        return [row[column] for row in self.rows]

    def localised(self, tr: Translator) -> str:
        """ "animation, partenaire": the choices as a refusal lists them (see bot.dispatch.refusal_text)."""
        return ", ".join(self.shown(tr.language))
