"""A long text is sent whole, in parts that each fit in one Matrix event (pure: no homeserver)."""

from __future__ import annotations

import json
import re

import pytest

from adapters.matrix.parts import MOST_PER_CHARACTER, markup_cost, split_markup
from adapters.matrix.render import PART_BYTES, message_contents
from bot.markup import bold, esc, to_html, to_plain

MARKER = re.compile(r"^\((\d+)/(\d+)\) ")
HEAVY = 'Été 🎉👍 «&» "où" <b>ça</b> 🇫🇷 café ✅ Élise & Zoé 😀 '


def long_item(characters: int) -> str:
    """An item as the core posts it: a bold header, the member's text (escaped), a footer."""
    paragraphs: list[str] = []
    size = 0
    while size < characters:
        paragraph = (HEAVY * (1 + len(paragraphs) % 4)).strip().replace("Zoé ", "Zoé\n", 1)
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    text = "\n\n".join(paragraphs)[:characters]
    return f"{bold('📢 #3 Annonce de Alice')}\n{esc(text, limit=20_000)}\nRéagissez ✅ ou tapez /lu #3."


def words(contents: list[dict]) -> list[str]:
    return " ".join(MARKER.sub("", content["body"]) for content in contents).split()


def test_no_character_costs_more_than_the_bound_that_skips_weighing_short_texts() -> None:
    """split_markup sends a text whole without weighing it when len × MOST_PER_CHARACTER fits."""
    for markup in (HEAVY, '"' * 50, "\n" * 50, "👍" * 50, "**" * 50, "\\*" * 50, esc(HEAVY * 3), long_item(3_000)):
        assert markup_cost(markup) <= len(markup) * MOST_PER_CHARACTER
    for character in "\"&'<>\né😀":
        assert markup_cost(esc(character)) <= len(esc(character)) * MOST_PER_CHARACTER


def test_a_text_that_fits_is_one_message_without_marker() -> None:
    markup = long_item(3_000)
    (content,) = message_contents(markup, notify=True)
    assert content["body"] == to_plain(markup) and content["formatted_body"] == to_html(markup)
    assert not MARKER.match(content["body"]) and content["msgtype"] == "m.text"


@pytest.mark.parametrize("characters", [18_000, 20_000])
def test_a_long_text_arrives_whole_in_parts_that_fit(characters: int) -> None:
    markup = long_item(characters)
    contents = message_contents(markup, notify=True, thread="$root")
    count = len(contents)
    assert count >= 3
    for number, content in enumerate(contents, 1):
        assert MARKER.match(content["body"]).groups() == (str(number), str(count))
        assert content["formatted_body"].startswith(f"({number}/{count}) ")
        assert len(content["body"].encode()) + len(content["formatted_body"].encode()) <= PART_BYTES
        assert len(json.dumps(content, ensure_ascii=False).encode()) < 65_536 // 2
        assert content["m.mentions"] == {} and content["m.relates_to"]["event_id"] == "$root"
        html = content["formatted_body"]
        assert html.count("<strong>") == html.count("</strong>")
        assert html.count("&") == html.count(";")  # no HTML entity cut in half
    assert words(contents) == to_plain(markup).split()  # every word, in order, none cut
    assert [content["msgtype"] for content in contents] == ["m.text"] + ["m.notice"] * (count - 1)
    assert contents[0]["body"].startswith("(1/") and "📢 #3 Annonce de Alice" in contents[0]["body"]


def test_cuts_fall_on_paragraphs_then_lines_then_spaces() -> None:
    text = "aaaa bbbb\ncccc dddd\n\neeee ffff gggg hhhh"
    assert split_markup(text, 200) == [text]
    # 22 bytes are kept for closing and reopening bold; a character costs 2 bytes, a line break 5
    parts = split_markup(text, 22 + 60)
    assert parts[0] == "aaaa bbbb\ncccc dddd"  # the paragraph break, not the later line break
    assert split_markup("aaaa bbbb\ncccc dddd eeee ffff", 22 + 30)[0] == "aaaa bbbb"  # else the line break
    assert split_markup("aaaa bbbb cccc dddd eeee ffff", 22 + 30)[0] == "aaaa bbbb cccc"  # else a space
    assert " ".join(parts).split() == text.split()


def test_bold_and_escapes_survive_a_cut() -> None:
    markup = bold("gras \\* étoile " * 30) + " fin"
    parts = split_markup(markup, 300)
    assert len(parts) > 2
    for part in parts:
        html = to_html(part)
        assert html.startswith("<strong>") and html.count("<strong>") == html.count("</strong>") == 1
        assert markup_cost(part) <= 300
    assert " ".join(to_plain(part) for part in parts).split() == to_plain(markup).split()


def test_a_word_longer_than_a_part_is_cut_inside_it_but_no_character_is() -> None:
    parts = split_markup(esc("é👍" * 5_000, limit=10**6), 4_000)
    assert "".join(to_plain(part) for part in parts) == "é👍" * 5_000
    assert all(markup_cost(part) <= 4_000 for part in parts)
