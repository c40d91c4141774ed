"""The adapter's pure parts: Block Kit, mentions, settings, pacing, response URLs, the manifest."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.blocks import (
    ACK_ACTION,
    MAX_BLOCKS,
    MESSAGE_LIMIT,
    SECTION_LIMIT,
    chunks,
    message_parts,
    outbox_id_of,
    part_of,
    text_only,
)
from adapters.slack.commands import UMBRELLA, command_line, slash_commands
from adapters.slack.engage_form import CIRCLE, DUE_DATE, EngageForm, engage_view, read_form
from adapters.slack.events import emoji_of
from adapters.slack.home_view import home_view
from adapters.slack.mentions import mentioned_channels, mentioned_users, rewrite
from adapters.slack.pacing import ChannelPacer
from adapters.slack.response_urls import ResponseUrls
from adapters.slack.settings import is_configured, load_settings, parse_settings
from bot.config import ConfigError, config_from_dict, load_config
from bot.i18n import translator
from bot.services.home import HomeData, HomeItem
from bot.services.reads import is_ack_emoji
from commands import build_router

from .harness import FakeTime

ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- blocks


def test_message_payload_escapes_renders_bold_and_carries_the_outbox_id() -> None:
    (payload,) = message_parts("**#12 Point** de <!channel> & <@U1>", "abc123", ack_number=12, ack_label="✅ Lu")
    section, actions = payload["blocks"]
    assert section["text"] == {
        "type": "mrkdwn",
        "text": "*#12 Point* de &lt;!channel&gt; &amp; &lt;@U1&gt;",
        "verbatim": True,
    }
    assert payload["text"] == section["text"]["text"]
    assert actions["elements"][0] == {
        "type": "button",
        "action_id": ACK_ACTION,
        "value": "12",
        "text": {"type": "plain_text", "text": "✅ Lu", "emoji": True},
        "style": "primary",
    }
    assert payload["metadata"] == {"event_type": "relais_outbox", "event_payload": {"outbox_id": "abc123"}}
    assert outbox_id_of({"metadata": payload["metadata"]}) == "abc123"
    assert outbox_id_of({"metadata": {"event_type": "other", "event_payload": {"outbox_id": "x"}}}) is None
    assert "blocks" not in text_only(payload) and text_only(payload)["metadata"]


def words(text: str) -> list[str]:
    return text.split()


def section_texts(parts: list[dict[str, Any]]) -> list[str]:
    return [block["text"]["text"] for part in parts for block in part["blocks"] if block["type"] == "section"]


def test_long_text_is_split_into_sections_without_cutting_an_entity() -> None:
    text = ("a" * (SECTION_LIMIT - 3)) + "&&&" + "b" * 10
    texts = section_texts(message_parts(text, "id"))
    assert all(len(part) <= SECTION_LIMIT for part in texts) and "".join(texts).count("&amp;") == 3
    assert all(not part.endswith("&") and not part.endswith("&am") for part in texts)
    lines = "\n".join(f"ligne {n}" for n in range(2000))
    assert all(part.startswith("ligne") for part in chunks(lines))  # cut at line ends
    assert message_parts("", "id")[0]["blocks"][0]["text"]["text"] == "…"  # never an empty section


def test_sections_end_at_paragraphs_then_lines_then_sentences_then_words() -> None:
    paragraph = "Premier paragraphe. " * 60  # 1,200 characters
    text = "\n\n".join([paragraph.strip()] * 4)
    assert [len(part) for part in chunks(text)] == [len(paragraph.strip()) * 2 + 2] * 2  # two paragraphs each
    one_line = "Une phrase qui se termine ici. " * 150  # 4,650 characters, no line break
    first, second = chunks(one_line)
    assert first.endswith("ici.") and second.startswith("Une phrase") and len(first) <= SECTION_LIMIT
    no_sentence = "mot " * 1000
    assert all(part.endswith("mot") for part in chunks(no_sentence))  # between words, never inside
    assert words(" ".join(chunks(no_sentence))) == words(no_sentence)
    link = "https://example.org/" + "x" * 4000  # one word longer than a section: cut inside, nothing lost
    parts = chunks(f"voir {link} merci")
    assert parts[0] == "voir" and "".join(parts[1:]) == f"{link} merci" and len(parts) == 3


@pytest.mark.parametrize("size", [3000, 12_000, 16_000, 200_000])
def test_every_word_arrives_in_order_within_slacks_limits(size: int) -> None:
    sentence = "Les partenaires confirment leur présence au COPIL & préparent l’ordre du jour. "
    text = ""
    while len(text) < size:
        text += sentence if len(text) % 7 else "\n\n" + sentence
    text = text[:size]
    parts = message_parts(f"**#3 Annonce**\n{text}", "row", ack_number=3, ack_label="✅ Lu")
    texts = section_texts(parts)
    assert words(" ".join(texts).replace("&amp;", "&")) == words(f"*#3 Annonce*\n{text}")
    assert all(len(part) <= SECTION_LIMIT for part in texts)
    assert all(len(part["blocks"]) <= MAX_BLOCKS for part in parts)
    assert all(sum(len(t) for t in section_texts([part])) <= MESSAGE_LIMIT for part in parts)
    assert [block["type"] for block in parts[-1]["blocks"]][-1] == "actions"  # ✅ on the last message
    assert all(block["type"] == "section" for part in parts[:-1] for block in part["blocks"])
    assert [part_of(part) for part in parts] == list(range(1, len(parts) + 1))
    assert all(len(part["text"]) <= 300 for part in parts)  # the notification; the blocks carry the text
    assert words(" ".join(text_only(part)["text"] for part in parts).replace("&amp;", "&")) == words(
        f"*#3 Annonce*\n{text}"
    )  # when Slack refuses the blocks, the whole text goes in `text`


# --------------------------------------------------------------------------- mentions and command lines


def test_mentions_channels_links_and_entities() -> None:
    text = (
        "<@U1|alice> et <@U2> dans <#C1|copil> : <!here> <!subteam^S1|@comite> <https://x.org|le site> "
        "<mailto:a@b.fr|a@b.fr> 3 &lt; 4 &amp;&amp; &amp;lt;"
    )
    assert mentioned_users(text) == {"U1": "alice", "U2": None}
    assert mentioned_channels(text) == {"C1": "copil"}
    assert rewrite(text, {"U1": "slack:T/U1"}, {"C1": "gt-mobilite"}) == (
        "@slack:T/U1 et @U2 dans #gt-mobilite : @here @comite le site (https://x.org) a@b.fr 3 < 4 && &lt;"
    )


def test_command_lines() -> None:
    assert command_line("engage", "  Faire X  ") == "/engage Faire X"
    assert command_line("unread", "") == "/unread"
    assert command_line(UMBRELLA, "member @bob org Mairie") == "/member @bob org Mairie"
    assert command_line(UMBRELLA, "/help") == "/help" and command_line(UMBRELLA, "") == "/help"


@pytest.mark.parametrize(
    "name",
    [
        "white_check_mark",
        "+1",
        "+1::skin-tone-4",
        "heavy_check_mark",
        "ballot_box_with_check",
        "thumbsup",
        ":white_check_mark:",
    ],
)
def test_slack_reaction_names_that_acknowledge(name: str) -> None:
    assert is_ack_emoji(emoji_of(name))


@pytest.mark.parametrize("name", ["eyes", "tada", "-1", "x"])
def test_other_reactions_do_not(name: str) -> None:
    assert not is_ack_emoji(emoji_of(name))


# --------------------------------------------------------------------------- modal and home views


def test_modal_view_and_form_reading() -> None:
    view = engage_view(translator("en"), [(1, "COPIL"), (2, "GT Mobilité")], 2, {"channel": "slack:T/C"})
    assert view["title"]["text"] == "New commitment" and len(view["title"]["text"]) <= 24
    circle = next(block for block in view["blocks"] if block["block_id"] == CIRCLE)
    assert circle["element"]["initial_option"]["value"] == "2"
    assert next(b for b in view["blocks"] if b["block_id"] == DUE_DATE)["element"]["type"] == "datepicker"
    state = {
        "values": {
            "what": {"value": {"type": "plain_text_input", "value": "Faire X"}},
            "due_date": {"value": {"type": "datepicker", "selected_date": "2026-12-15"}},
            "circle": {"value": {"type": "static_select", "selected_option": {"value": "2"}}},
            "human": {"value": {"type": "plain_text_input", "value": None}},
        }
    }
    assert read_form({"state": state}) == EngageForm(what="Faire X", due_date="2026-12-15", circle_id=2)
    assert read_form({}) == EngageForm()


def test_home_view_in_both_languages() -> None:
    data = HomeData(
        language="fr",
        name="Bob",
        commitments=["#1 **Faire X**"],
        unread=[HomeItem(2, "#2 lire")],
        unread_total=3,
        meetings=[],
    )
    view = home_view(data)
    text = str(view["blocks"])
    assert view["type"] == "home" and "Bonjour Bob" in text and "3 éléments à lire" in text
    assert "… et 2 plus anciens." in text
    assert "Aucune réunion prévue." in text
    english = str(home_view(HomeData(language="en", name="Bob", meetings=None))["blocks"])
    assert "You have no open commitment" in english and "nothing left to read" in english
    assert "Upcoming meetings" in english and "No meeting planned." in english
    assert len(view["blocks"]) <= 100


# --------------------------------------------------------------------------- settings


def test_settings_from_toml_and_environment(tmp_path: Path) -> None:
    toml = tmp_path / "relais.toml"
    toml.write_text(
        '[slack]\nmode = "http"\nbot_token = "xoxb-1"\nsigning_secret = "s"\nport = 8080\n'
        '[slack.channels]\nC0AAA = "COPIL"\n',
        encoding="utf-8",
    )
    settings = load_settings(load_config(toml, environ={}))
    assert (settings.mode, settings.port, settings.channels, settings.path) == (
        "http",
        8080,
        {"C0AAA": "COPIL"},
        "/slack/events",
    )
    config = load_config(
        toml,
        environ={
            "RELAIS_SLACK_MODE": "socket",
            "RELAIS_SLACK_APP_TOKEN": "xapp-2",
            "RELAIS_SLACK_BOT_TOKEN": "xoxb-env",
            "RELAIS_SLACK_FACILITATORS": "U1, @U2",
        },
    )
    settings = load_settings(config)
    assert (settings.mode, settings.bot_token, settings.app_token) == ("socket", "xoxb-env", "xapp-2")
    assert settings.facilitators == ("U1", "U2")
    assert is_configured(config) and not is_configured(config_from_dict({}))


@pytest.mark.parametrize(
    "raw, words",
    [
        ({"bot_token": "xoxp-user"}, "bot_token"),
        ({"bot_token": "xoxb-1"}, "app_token"),
        ({"bot_token": "xoxb-1", "mode": "http"}, "signing_secret"),
        ({"bot_token": "xoxb-1", "mode": "webhook"}, "socket or http"),
        ({"bot_token": "xoxb-1", "app_token": "xapp-1", "port": "huit"}, "slack.port"),
        ({"bot_token": "xoxb-1", "app_token": "xapp-1", "channels": ["C1"]}, "slack.channels"),
    ],
)
def test_settings_errors_name_the_key(raw: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        parse_settings(raw)


# --------------------------------------------------------------------------- pacing and response URLs


async def test_pacer_spaces_one_channel_and_not_the_others() -> None:
    fake = FakeTime()
    pacer = ChannelPacer(1.0, fake.monotonic, fake.sleep)
    waits = [await pacer.wait("C1"), await pacer.wait("C1"), await pacer.wait("C2"), await pacer.wait("C1")]
    assert waits == [0.0, 1.0, 0.0, 1.0]
    fake.now += 5
    assert await pacer.wait("C1") == 0.0
    together = await asyncio.gather(*(pacer.wait("C3") for _ in range(3)))
    assert sorted(together) == [0.0, 1.0, 1.0] and fake.sleeps.count(1.0) == 4


def test_response_urls_expire_and_are_used_five_times() -> None:
    fake = FakeTime()
    urls = ResponseUrls(monotonic=fake.monotonic)
    urls.remember("slack:T/C", "slack:T/U", "https://hooks/1")
    assert [urls.take("slack:T/C", "slack:T/U") for _ in range(6)] == ["https://hooks/1"] * 5 + [None]
    urls.remember("slack:T/C", "slack:T/U", "https://hooks/2")
    fake.now += 26 * 60
    assert urls.take("slack:T/C", "slack:T/U") is None and urls.take(None, None) is None


# --------------------------------------------------------------------------- the manifest


def test_manifest_declares_every_command_scope_and_event() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed: the manifest is checked where it is")
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    commands = {entry["command"] for entry in manifest["features"]["slash_commands"]}
    assert commands == {f"/{name}" for name in slash_commands(build_router())}  # see also test_manifest.py
    assert all(entry["should_escape"] for entry in manifest["features"]["slash_commands"])
    assert all(len(entry["description"]) <= 2000 for entry in manifest["features"]["slash_commands"])
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == {  # only what Relais uses: no chat:write.public, no mpim:history
        "commands",
        "chat:write",
        "users:read",
        "channels:read",
        "groups:read",
        "im:write",
        "im:history",
        "reactions:read",
        "channels:history",
        "groups:history",
        "files:write",  # the weekly recap's chart
    }
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert events == {
        "app_home_opened",
        "reaction_added",
        "reaction_removed",
        "message.im",
        "member_joined_channel",
        "member_left_channel",
        "channel_left",
        "group_left",
        "user_change",
        "app_uninstalled",
        "tokens_revoked",
    }
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert len(manifest["display_information"]["description"]) <= 140
    assert 174 <= len(manifest["display_information"]["long_description"]) <= 4000
