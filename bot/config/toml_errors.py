"""A TOML syntax error said the way a person who edits relais.toml by hand can act on it: the line, what
it holds, and what is wrong there, in the user's language (tomllib says it in English, and for a text
or a list left open or a key written twice only "at end of document")."""

from __future__ import annotations

import re
import tomllib

from bot.config.values import ConfigError, shown
from bot.errors import Term

WHERE = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")
TWICE = re.compile(r"Cannot declare \((.*)\) twice")
CURLY = ("“", "”", "«", "»", "‘", "’")  # quotes a word processor or a mail puts in place of "

PROBLEMS = {  # the start of tomllib's message -> what to tell
    "Expected '=' after a key": Term('a key is followed by = and its value, such as language = "fr"'),
    "Invalid value": Term('the value is not understood: text goes between straight quotes "…", a list between [ ]'),
    "Unterminated string": Term('a text is not closed: its closing " is missing'),
    "Cannot overwrite a value": Term("a key is written twice in its section: keep one"),
    "Cannot declare": Term("a section is written twice: keep one and put its keys together under it"),
    "Expected ']' at the end of a table declaration": Term("a section name is closed by ], such as [community]"),
    "Unclosed array": Term("a list is not closed: its ] is missing"),
    "Expected newline or end of document": Term(
        'something follows the value on its line: one key = value per line, text between quotes "…"'
    ),
    "Illegal character": Term("a character is not allowed here (an invisible one, or a line break inside a text)"),
}
CURLY_QUOTES = Term('text goes between straight quotes "…", not “…” or « »')


def toml_error(file: str, text: str, error: tomllib.TOMLDecodeError) -> ConfigError:
    """One ConfigError naming the file, the line and its text, and what to do."""
    message = str(error)
    found = WHERE.search(message)
    original = message[: found.start()] if found else message
    lines = text.splitlines()
    number = int(found.group(1)) if found and found.group(1) else _guess_line(original, lines)
    if number and _new_statement(lines, number) and (opened := _open_list(lines, number)):
        number, original = opened, "Unclosed array"  # a list left open took the next key or section in
    line = lines[number - 1] if number and 0 < number <= len(lines) else ""
    if any(quote in line for quote in CURLY):
        problem = CURLY_QUOTES
    elif _code(line).count('"') % 2 and not line.rstrip().endswith('"""'):
        problem = PROBLEMS["Unterminated string"]
    else:
        problem = next((term for start, term in PROBLEMS.items() if original.startswith(start)), None)
    if problem is None:
        return ConfigError("{file}: {problem}", file=file, problem=message)
    if not number:
        return ConfigError("{file}: {problem}", file=file, problem=problem)
    return ConfigError(
        "{file}, line {line}, “{text}”: {problem}", file=file, line=number, problem=problem, text=shown(line)
    )


def _guess_line(original: str, lines: list[str]) -> int | None:
    """The line tomllib reports only as "end of document": a text or a list left open, a key written twice."""
    if original.startswith("Unterminated string"):
        return next((n for n, line in enumerate(lines, 1) if _code(line).count('"') % 2), None)
    if original.startswith("Unclosed array"):
        opened = [n for n, line in enumerate(lines, 1) if _code(line).count("[") > _code(line).count("]")]
        return opened[-1] if opened else None
    if original.startswith("Cannot overwrite a value"):
        return _twice(lines)
    return None


def _new_statement(lines: list[str], number: int) -> bool:
    """Line `number` starts a key or a section (not a value inside a list written on several lines)."""
    code = _code(lines[number - 1]).strip() if number <= len(lines) else ""
    return code.startswith("[") or "=" in code


def _open_list(lines: list[str], before: int) -> int | None:
    """The line of a `key = [` list still open at line `before` (None when every list was closed)."""
    start, depth = None, 0
    for number, line in enumerate(lines[: before - 1], 1):
        code = _code(line)
        if start is None and "=" in code and code.count("[") > code.count("]"):
            start, depth = number, code.count("[") - code.count("]")
        elif start is not None:
            depth += code.count("[") - code.count("]")
            if depth <= 0:
                start = None
    return start


def _code(line: str) -> str:
    """The line without its comment (a # outside quotes)."""
    inside = False
    for index, char in enumerate(line):
        if char == '"':
            inside = not inside
        elif char == "#" and not inside:
            return line[:index]
    return line


def _twice(lines: list[str]) -> int | None:
    """The first key written a second time in the same section."""
    section, seen = "", set()
    for number, line in enumerate(lines, 1):
        code = _code(line).strip()
        if code.startswith("["):
            section, seen = code, set()
        elif "=" in code:
            key = code.split("=", 1)[0].strip().strip('"')
            if (section, key) in seen:
                return number
            seen.add((section, key))
    return None
