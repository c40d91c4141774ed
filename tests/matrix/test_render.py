"""Pure rendering, config and error classification of the Matrix adapter (no homeserver)."""

from __future__ import annotations

import pytest

from adapters.matrix.client import backoff, sync_filter
from adapters.matrix.config import matrix_config, matrix_enabled
from adapters.matrix.errors import delivery_failure
from adapters.matrix.render import message_content
from bot.config import ConfigError, config_from_dict, load_config
from bot.delivery import PermanentFailure, TemporaryFailure
from bot.markup import bold, esc


def test_reply_is_a_notice_with_escaped_html_and_no_mentions():
    member_text = "@room <b>hi</b> <img src=x onerror=alert(1)> @bob:hs **not bold** & co"
    content = message_content(f"{bold('#3')} {esc(member_text)}")
    assert content["msgtype"] == "m.notice"
    assert content["m.mentions"] == {}
    assert content["body"] == f"#3 {member_text}"
    assert content["format"] == "org.matrix.custom.html"
    html = content["formatted_body"]
    assert html.startswith("<strong>#3</strong> ")
    assert "&lt;b&gt;hi&lt;/b&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>" not in html and "<img" not in html and "**not bold** &amp; co" in html
    assert "m.relates_to" not in content


def test_notifying_post_is_text_and_threaded_reply_stays_in_thread():
    content = message_content("Recap", notify=True, thread="$root")
    assert content["msgtype"] == "m.text" and content["m.mentions"] == {}
    assert content["m.relates_to"] == {
        "rel_type": "m.thread",
        "event_id": "$root",
        "is_falling_back": True,
        "m.in_reply_to": {"event_id": "$root"},
    }


def test_an_answer_is_a_rich_reply_to_the_command_without_fallback():
    content = message_content("✅ Engagement #1 enregistré", reply_to="$cmd", author="@alice:hs")
    assert content["m.relates_to"] == {"m.in_reply_to": {"event_id": "$cmd"}}
    assert content["m.mentions"] == {"user_ids": ["@alice:hs"]}  # the command's author, nobody else
    # no quoted fallback (removed from the spec in v1.13): the body is the answer alone
    assert content["body"] == "✅ Engagement #1 enregistré" and "mx-reply" not in content["formatted_body"]


def test_an_answer_in_a_thread_stays_there_and_replies_to_the_command():
    content = message_content("#1 saved", thread="$root", reply_to="$cmd", author="@alice:hs")
    assert content["m.relates_to"] == {
        "rel_type": "m.thread",
        "event_id": "$root",
        "is_falling_back": False,
        "m.in_reply_to": {"event_id": "$cmd"},
    }


def test_a_long_answer_replies_with_its_first_part_only():
    from adapters.matrix.render import message_contents

    first, *rest = message_contents("mot " * 5_000, reply_to="$cmd", author="@alice:hs", budget=4_000)
    assert first["m.relates_to"] == {"m.in_reply_to": {"event_id": "$cmd"}}
    assert rest and all("m.relates_to" not in part and part["m.mentions"] == {} for part in rest)


def section(**matrix: object) -> dict:
    return {"matrix": {"homeserver": "https://matrix.example.org", "user_id": "@relais:example.org", **matrix}}


def test_config_with_token_and_defaults():
    config = matrix_config(config_from_dict(section(access_token="syt_x")))
    assert config.prefix == "!" and config.access_token == "syt_x" and config.password is None
    assert config.ignored_users == () and config.ignores("@relais:example.org")
    # nobody is on an allow-list by default, not even the bot's own homeserver: members only
    assert not config.invite_listed("@alice:example.org") and not config.invite_listed("@eve:evil.org")


def test_config_allowed_lists_and_env_override(tmp_path):
    path = tmp_path / "relais.toml"
    path.write_text(
        '[matrix]\nhomeserver = "https://hs.example/"\nuser_id = "@relais:hs.example"\n'
        'allowed_homeservers = ["agora.gouv.fr"]\nallowed_users = ["@camille:elsewhere.org"]\n'
        'ignored_users = ["@telegram:hs.example"]\nprefix = "?"\n',
        encoding="utf-8",
    )
    config = matrix_config(
        load_config(path, environ={"RELAIS_MATRIX_PASSWORD": "s3cret", "RELAIS_MATRIX_DEVICE_ID": "RELAISBOT"})
    )
    assert config.homeserver == "https://hs.example" and config.password == "s3cret"
    assert config.device_id == "RELAISBOT" and config.prefix == "?"
    assert config.invite_listed("@x:agora.gouv.fr") and config.invite_listed("@camille:elsewhere.org")
    assert not config.invite_listed("@x:hs.example")
    assert config.ignores("@telegram:hs.example") and not config.ignores("@x:hs.example")
    everyone = matrix_config(config_from_dict(section(access_token="t", allowed_homeservers="*")))
    assert everyone.invite_listed("@anyone:anywhere.example")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"homeserver": "matrix.example.org", "access_token": "t"}, "matrix.homeserver"),
        ({"user_id": "relais", "access_token": "t"}, "matrix.user_id"),
        ({}, "RELAIS_MATRIX_ACCESS_TOKEN"),
        ({"access_token": "t", "prefix": "a b"}, "matrix.prefix"),
        ({"access_token": "t", "sync_timeout": "soon"}, "matrix.sync_timeout"),
    ],
)
def test_config_errors_say_which_key(changes, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        matrix_config(config_from_dict(section(**changes)))


def test_enabled():
    assert matrix_enabled(config_from_dict(section(access_token="t")))
    assert not matrix_enabled(config_from_dict(section(access_token="t", enabled=False)))
    assert not matrix_enabled(config_from_dict({}))


class Error:
    def __init__(self, code: str | None, status: int | None, retry_ms: int | None = None) -> None:
        self.status_code, self.retry_after_ms, self.message = code, retry_ms, "boom"
        self.transport_response = type("T", (), {"status": status})() if status else None


def test_delivery_failures():
    limited = delivery_failure(Error("M_LIMIT_EXCEEDED", 429, 1500), "send")
    assert isinstance(limited, TemporaryFailure) and limited.retry_after == 1.5
    assert isinstance(delivery_failure(Error("M_FORBIDDEN", 403), "send"), PermanentFailure)
    assert isinstance(delivery_failure(Error("M_UNKNOWN", 500), "send"), TemporaryFailure)
    assert isinstance(delivery_failure(Error(None, 502), "send"), TemporaryFailure)
    assert isinstance(delivery_failure(Error("M_UNKNOWN_TOKEN", 401), "send"), TemporaryFailure)


def test_backoff_grows_and_is_capped():
    assert [backoff(n, 30) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert sync_filter(50)["room"]["timeline"]["limit"] == 50
