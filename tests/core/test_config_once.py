"""The configuration is read once, at start: [schedules] becomes typed settings that the Config
carries (so the app and every command's Context), a wrong value stops Relais at start with one
line naming its key, and every section reads yes/no, numbers and lists by the same rules."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from adapters.matrix.config import matrix_config, matrix_enabled
from adapters.slack.settings import parse_settings
from bot.config import Config, ConfigError, config_from_dict, load_config
from bot.config.values import as_bool, as_list, as_numbers, as_whole
from relais.cli import main
from relais.runner import enabled_platforms
from tests.conftest import make_config

YES = ["1", "true", "TRUE", "yes", "Oui", "on", " On ", True, 1]
NO = ["0", "false", "False", "no", "non", "NON", "off", False, 0]
NEITHER = ["maybe", "2", "vrai", "", "enabled", "-1"]
MATRIX = {"homeserver": "https://hs.example", "user_id": "@relais:hs.example", "access_token": "t"}


@pytest.mark.parametrize("word", YES)
def test_what_counts_as_yes(word):
    assert as_bool(word, "community.name_members_behind") is True


@pytest.mark.parametrize("word", NO)
def test_what_counts_as_no(word):
    assert as_bool(word, "community.name_members_behind") is False


@pytest.mark.parametrize("word", NEITHER)
def test_anything_else_is_an_error_that_names_the_key(word):
    with pytest.raises(ConfigError) as caught:
        as_bool(word, "community.name_members_behind")
    assert str(caught.value).startswith("community.name_members_behind must be yes or no")
    assert f"not “{word}”" in str(caught.value)


@pytest.mark.parametrize(("word", "expected"), [("oui", True), ("non", False), ("on", True), ("0", False)])
def test_every_section_reads_yes_and_no_the_same_way(word, expected):
    config = config_from_dict(
        {
            "community": {"name_members_behind": word},
            "matrix": {**MATRIX, "enabled": word},
            "slack": {"bot_token": "xoxb-1", "enabled": word},
        }
    )
    assert config.name_members_behind is expected and config.schedules.name_members_behind is expected
    assert matrix_enabled(config) is expected
    assert enabled_platforms(config) == (["matrix", "slack"] if expected else [])


def test_an_unclear_yes_or_no_is_refused_in_every_section():
    with pytest.raises(ConfigError, match="community.name_members_behind must be yes or no"):
        config_from_dict({"community": {"name_members_behind": "maybe"}})
    config = config_from_dict({"matrix": {**MATRIX, "enabled": "maybe"}})
    with pytest.raises(ConfigError, match="matrix.enabled must be yes or no"):
        matrix_enabled(config)
    with pytest.raises(ConfigError, match="matrix.enabled must be yes or no"):
        enabled_platforms(config)


def test_the_environment_speaks_the_same_words(tmp_path):
    file = tmp_path / "relais.toml"
    file.write_text('[matrix]\nhomeserver = "https://hs.example"\n', encoding="utf-8")
    assert enabled_platforms(load_config(file, environ={"RELAIS_MATRIX_ENABLED": "non"})) == []
    assert enabled_platforms(load_config(file, environ={"RELAIS_MATRIX_ENABLED": "oui"})) == ["matrix"]
    config = load_config(file, environ={"RELAIS_COMMUNITY_NAME_MEMBERS_BEHIND": "yes"})
    assert config.name_members_behind and config.schedules.name_members_behind


def test_numbers_and_lists_follow_one_rule_in_every_section():
    assert as_whole("5", "k") == 5 and as_whole(5.0, "k") == 5
    assert as_list("a, b;c ,") == ("a", "b", "c") and as_list(["a ", " ", 3]) == ("a", "3") and as_list(None) == ()
    assert as_numbers("24, 1", "k") == (24.0, 1.0) and as_numbers(2, "k") == (2.0,)
    cases = [
        (
            lambda: config_from_dict({"schedules": {"lookback_days": "soon"}}),
            "schedules.lookback_days must be a number",
        ),
        (
            lambda: config_from_dict({"community": {"late_joiner_items": "5.5"}}),
            "community.late_joiner_items must be a whole",
        ),
        (lambda: config_from_dict({"community": {"late_joiner_items": -1}}), "community.late_joiner_items must not be"),
        (
            lambda: matrix_config(config_from_dict({"matrix": {**MATRIX, "sync_timeout": "soon"}})),
            "matrix.sync_timeout",
        ),
        (lambda: parse_settings({"bot_token": "xoxb-1", "app_token": "xapp-1", "port": "x"}), "slack.port must be"),
        (
            lambda: parse_settings({"bot_token": "xoxb-1", "app_token": "xapp-1", "timeout": -3}),
            "slack.timeout must not",
        ),
        (
            lambda: config_from_dict({"schedules": {"nudge_due_days": "3, soon"}}),
            "schedules.nudge_due_days must be a list",
        ),
    ]
    for make, message in cases:
        with pytest.raises(ConfigError, match=message):
            make()
    slack = parse_settings({"bot_token": "xoxb-1", "app_token": "xapp-1", "facilitators": "@U1; U2,", "port": "3001"})
    assert slack.facilitators == ("U1", "U2") and slack.port == 3001
    matrix = matrix_config(config_from_dict({"matrix": {**MATRIX, "ignored_users": "@a:hs, @b:hs"}}))
    assert matrix.ignored_users == ("@a:hs", "@b:hs")


def test_a_circle_recap_is_checked_with_the_rest():
    with pytest.raises(ConfigError, match="circles.COPIL.recap"):
        config_from_dict({"circles": [{"name": "COPIL", "recap": "someday"}]})
    with pytest.raises(ConfigError, match="schedules.circles.COPIL"):
        config_from_dict({"schedules": {"circles": {"COPIL": "someday"}}})


@pytest.mark.parametrize("command", [["chat", "--as", "alice"], ["digest"], ["run"]])
def test_a_wrong_schedules_value_stops_the_command_line_at_start_in_one_line(tmp_path, command):
    file = tmp_path / "relais.toml"
    file.write_text('[community]\nlanguage = "en"\n[schedules]\nnudge_due_days = "3, soon"\n', encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'r.db'}"
    result = CliRunner().invoke(main, ["--config", str(file), *command, "--db", url], input="/digest\n")
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "schedules.nudge_due_days must be a list of numbers, not “3, soon”" in lines[0]
    assert not (tmp_path / "r.db").exists()  # nothing was opened


@pytest.fixture(name="config")
def config_fixture() -> Config:
    return make_config(sections={"schedules": {"digest": "off", "meeting_minutes": "90", "agenda_lead_hours": 48}})


def test_commands_use_the_settings_read_at_start(testbot, monkeypatch):
    def read_again(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("[schedules] read again after start")

    monkeypatch.setattr("bot.config.schedule_settings", read_again)
    monkeypatch.setattr("bot.config.schedules.schedule_settings", read_again)
    assert testbot.dispatcher.config.schedules.meeting_minutes == 90
    assert "les résumés personnels sont désactivés" in testbot.say("fabienne", "/digest me on")
    planned = testbot.say("fabienne", "/meeting COPIL jeudi 3 décembre 2026 14h salle du conseil")
    assert "L’ordre du jour sera publié le mardi 1er décembre 2026 à 14:00" in planned
    assert "Quelque chose" not in testbot.say("fabienne", "/schedule")
    assert "Quelque chose" not in testbot.say("fabienne", "/digest")
    assert "Quelque chose" not in testbot.say("fabienne", "/agenda")
