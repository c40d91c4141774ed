"""Small text helpers shared by services and commands (no I/O)."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold(text: str) -> str:
    """Lowercase without accents, for forgiving comparisons (« Comité » == « comite »).

    Date phrases have their own, stricter form: bot.dates.vocab.pattern_form.
    """
    return strip_accents(text).casefold().strip()


_NON_LETTER = re.compile(r"[\W_]+")


def slugify(text: str) -> str:
    """`GT Mobilité` -> `gt-mobilite`; names without Latin letters keep their own (`日本`), never one shared slug."""
    slug = _NON_WORD.sub("-", fold(text)).strip("-")
    if not slug:
        slug = _NON_LETTER.sub("-", fold(text)).strip("-")
    return slug[:200].rstrip("-") or "circle"


def first_words(text: str, limit: int = 60) -> str:
    """The start of a text on one line, at most `limit` characters, cut between words ("…" says so)."""
    single = " ".join(text.split())
    if len(single) <= limit:
        return single
    cut = single[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def is_abbreviated(text: str, limit: int) -> bool:
    return len(" ".join(text.split())) > limit


_ESCAPE_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_KEPT_CONTROLS = {"\n", "\t"}
# bidirectional embeddings, overrides and isolates: typed in a title, they would turn around what Relais
# writes after it on the same line (an owner, a due date); the marks U+200E / U+200F stay
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
# and the two private-use characters Relais marks a command's name with in a post for several platforms
# (bot.i18n.SLOT_OPEN, SLOT_CLOSE): typed in a title, they would turn what follows into a command's name
_BIDI_CONTROLS.update(dict.fromkeys(map(ord, "\ue000\ue001")))
# and the invisible ones that are no letter, pasted from a web page or a file: a title made only of them would
# be saved as a blank, and one before a command's `/` would hide it (the joiner U+200D stays: emoji need it)
INVISIBLE = "\u200b\u2060\ufeff"
_BIDI_CONTROLS.update(dict.fromkeys(map(ord, INVISIBLE)))


def _undo_surrogates(text: str) -> str:
    """Lone surrogates (bytes a terminal could not decode, or `\\ud800` in JSON) as real characters.

    Undecodable bytes (U+DC80–U+DCFF, Python's surrogateescape) are read as UTF-8 when they are,
    else as Windows-1252 (a Latin-1 terminal's `é`); any other lone surrogate becomes U+FFFD.
    """
    out: list[str] = []
    raw = bytearray()

    def flush() -> None:
        if raw:
            try:
                out.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                out.append(raw.decode("cp1252", errors="replace"))
            raw.clear()

    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:
            raw.append(code - 0xDC00)
            continue
        flush()
        out.append("\ufffd" if 0xD800 <= code <= 0xDFFF else char)
    flush()
    return "".join(out)


def clean_input(text: str) -> str:
    """Text as it enters Relais, safe to store and to show on anyone's screen.

    Lone surrogates repaired, line ends made `\\n`, terminal escape sequences, control characters
    (NUL included: PostgreSQL refuses it), bidirectional overrides, zero-width spaces, byte order marks
    and Relais' own slot marks removed;
    tabs and newlines kept.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = _undo_surrogates(text)
    if text.isprintable():
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESCAPE_SEQUENCE.sub("", text).translate(_BIDI_CONTROLS)
    return "".join(char for char in text if char in _KEPT_CONTROLS or unicodedata.category(char) != "Cc")


def clean_name(name: str | None, limit: int = 200) -> str | None:
    """A display name from a platform or a command line: one clean line, at most `limit` characters."""
    if name is None:
        return None
    single = " ".join(clean_input(name).split())[:limit].strip()
    return single or None
