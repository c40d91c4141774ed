"""Developer tool: find every translatable string in the code and compare with the catalogs.

`python -m bot.i18n_catalog` prints the message ids that have no French translation yet,
as .po entries ready to translate. The test suite fails while any is missing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir

from bot.i18n import _catalog

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "commands", "adapters", "schedules", "relais")
KEYWORDS = {
    "t": None,
    "tn": (1, 2),
    "N_": None,
    "Refusal": None,
    "UsageError": None,
    "Term": None,
    "ConfigError": None,
}

# the web dashboard's templates write their words with t("…") and tn("…", "…", n)
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")]


def extract_messages() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for folder in SOURCES:
        path = ROOT / folder
        if not path.exists():
            continue
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(path), method_map=METHODS, keywords=KEYWORDS
        ):
            if isinstance(message, tuple):
                parts = tuple(part for part in message if part)
                if len(parts) == 2:
                    found.add((parts[0], parts[1]))
                elif parts:
                    found.add(parts[0])
            elif message:
                found.add(message)
    return found


def missing(language: str = "fr") -> list[str | tuple[str, str]]:
    catalog = _catalog(language)
    return sorted((m for m in extract_messages() if m not in catalog), key=str)


def _po_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def main() -> int:
    gaps = missing("fr")
    for message in gaps:
        if isinstance(message, tuple):
            print(f'msgid "{_po_escape(message[0])}"\nmsgid_plural "{_po_escape(message[1])}"')
            print('msgstr[0] ""\nmsgstr[1] ""\n')
        else:
            print(f'msgid "{_po_escape(message)}"\nmsgstr ""\n')
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
