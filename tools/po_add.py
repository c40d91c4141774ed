"""Add translations to a French .po domain: `python tools/po_add.py DOMAIN FILE.py`.

FILE.py defines TRANSLATIONS = {msgid: msgstr, (singular, plural): (one, many)}. Existing
entries are kept; new ones are added; the catalog is written back sorted, with the project's own
header (no gettext placeholders such as FIRST AUTHOR or EMAIL@ADDRESS, Babel's defaults).
"""

from __future__ import annotations

import io
import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent.parent / "bot" / "locale" / "fr" / "LC_MESSAGES"
HEADER = """# French translations for Relais.
# Copyright (C) 2026 The Relais developers
# This file is distributed under the same license as the Relais project.
#
#, fuzzy
msgid ""
msgstr ""
"Project-Id-Version: Relais 0.1.0\\n"
"Language: fr\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"""


def _header_end(text: str) -> int:
    """Where the header entry ends (the first blank line)."""
    return text.index("\n\n") + 2


def main(domain: str, source: str) -> None:
    path = LOCALE / f"{domain}.po"
    header = HEADER + "\n"
    if path.exists():
        existing = path.read_text(encoding="utf-8")
        header = existing[: _header_end(existing)]
        with path.open("rb") as handle:
            catalog = read_po(handle, locale="fr")
    else:
        # Read from the project's header, whose Plural-Forms says two forms: a bare
        # Catalog(locale="fr") takes CLDR's three (one, many, other) and writes an empty third.
        catalog = read_po(io.BytesIO(HEADER.encode("utf-8")), locale="fr", domain=domain)
    translations = runpy.run_path(source)["TRANSLATIONS"]
    for msgid, msgstr in translations.items():
        catalog.add(msgid, msgstr)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0, sort_output=True, omit_header=True)
    path.write_text(header + path.read_text(encoding="utf-8"), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
