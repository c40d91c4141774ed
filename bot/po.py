"""Gettext .po files read as Babel's read_po reads them, without Babel.

Reading the catalogs with Babel imports babel.messages, babel.dates, pytz and difflib into every
process at its first translated message, 1.6 MB held for good; this reader is the few lines Relais
needs (msgid, msgid_plural, msgstr, msgstr[n], continued strings, the fuzzy flag; obsolete `#~`
entries skipped; a message with a context is kept apart, under "context\x04msgid" as gettext does). Babel
stays the tool that writes them (tools/pot.sh, bot.i18n_catalog), and
tests/core/test_i18n.py checks that both read every catalog alike.
"""

from __future__ import annotations

import re
from pathlib import Path

Messages = dict[str | tuple[str, str], str | tuple[str, ...]]
_ESCAPE = re.compile(r"\\([\\trn\"])")
_ESCAPED = {"\\": "\\", "t": "\t", "r": "\r", "n": "\n", '"': '"'}
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")\s*$")


def unquoted(text: str) -> str:
    return _ESCAPE.sub(lambda match: _ESCAPED[match.group(1)], text.strip()[1:-1])


class _Entry:
    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self.fuzzy = False
        self.last = ""

    def add_to(self, messages: Messages) -> None:
        """Kept as Babel's catalog gives it: a message id, a translation, not fuzzy (tuples for plurals)."""
        msgid = self.fields.get("msgid", "")
        if "msgid_plural" in self.fields:
            plurals = sorted((int(key[7:-1]), value) for key, value in self.fields.items() if key.startswith("msgstr["))
            key: str | tuple[str, str] = (msgid, self.fields["msgid_plural"])
            string: str | tuple[str, ...] = tuple(value for _index, value in plurals)
        else:
            key, string = msgid, self.fields.get("msgstr", "")
        if "msgctxt" in self.fields:  # gettext's key for a context: never the message without one
            key = (
                f"{self.fields['msgctxt']}\x04{key}"
                if isinstance(key, str)
                else (f"{self.fields['msgctxt']}\x04{msgid}", key[1])
            )
        if msgid and string and not self.fuzzy:
            messages[key] = string


def read_po(path: Path) -> Messages:
    """The translated messages of one .po file (the header, untranslated and fuzzy ones left out)."""
    messages: Messages = {}
    entry = _Entry()
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#~"):  # an obsolete entry
            continue
        if not line or line.startswith("#") or line.startswith(("msgctxt", "msgid ")):
            if any(key.startswith("msgstr") for key in entry.fields):  # the previous entry is complete
                entry.add_to(messages)
                entry = _Entry()
        if line.startswith("#,"):
            entry.fuzzy = entry.fuzzy or "fuzzy" in (flag.strip() for flag in line[2:].split(","))
        elif match := _KEYWORD.match(line):
            entry.last = match.group(1)
            entry.fields[entry.last] = unquoted(match.group(2))
        elif line.startswith('"') and entry.last:
            entry.fields[entry.last] += unquoted(line)
    if any(key.startswith("msgstr") for key in entry.fields):
        entry.add_to(messages)
    return messages
