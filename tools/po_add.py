"""Add translations to a French .po domain: `python tools/po_add.py DOMAIN FILE.py`.

FILE.py defines TRANSLATIONS = {msgid: msgstr, (singular, plural): (one, many)}. Existing
entries are kept; new ones are added; the catalog is written back sorted.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent.parent / "bot" / "locale" / "fr" / "LC_MESSAGES"


def main(domain: str, source: str) -> None:
    path = LOCALE / f"{domain}.po"
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale="fr")
    else:
        catalog = Catalog(locale="fr", domain=domain, project="Relais", charset="utf-8")
    translations = runpy.run_path(source)["TRANSLATIONS"]
    for msgid, msgstr in translations.items():
        catalog.add(msgid, msgstr)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0, sort_output=True, omit_header=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
