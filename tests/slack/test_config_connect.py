"""`relais config check --connect` against the Slack stand-in: a bot token Slack refuses, an app-level
token missing its Socket Mode, and circles' channels written with another workspace's id (before:
`config check` said the configuration was in order)."""

from __future__ import annotations

from click.testing import CliRunner

from relais.cli import main
from tests.slack.standin import SlackStandin


def check(tmp_path, standin: SlackStandin, bot_token: str, app_token: str, team: str) -> tuple[int, str]:
    config = tmp_path / "relais.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "r.db"}"\n'
        f'[[circles]]\nname = "COPIL"\nchannels = ["slack:{team}/C0GENERAL01"]\n'
        f'[slack]\nbot_token = "{bot_token}"\napp_token = "{app_token}"\napi_url = "{standin.api_url}"\n',
        encoding="utf-8",
    )
    environment = {"RELAIS_COMMUNITY_LANGUAGE": "en", "RELAIS_SLACK_BOT_TOKEN": None, "RELAIS_SLACK_APP_TOKEN": None}
    result = CliRunner().invoke(main, ["--config", str(config), "config", "check", "--connect"], env=environment)
    return result.exit_code, result.output


def test_config_check_connect_asks_slack(tmp_path):
    standin = SlackStandin(valid_tokens=["xoxb-good", "xapp-good"]).start_in_thread()
    try:
        team = standin.team_id
        code, output = check(tmp_path, standin, "xoxb-good", "xapp-good", team)
        assert code == 0 and "✓ The configuration is in order." in output, output

        code, output = check(tmp_path, standin, "xoxb-revoked", "xapp-good", team)
        assert code == 2 and "Slack refuses slack.bot_token (invalid_auth): copy the Bot User OAuth Token" in output

        code, output = check(tmp_path, standin, "xoxb-good", "xapp-other", team)
        assert code == 2 and "Slack refuses slack.app_token (invalid_auth)" in output, output

        code, output = check(tmp_path, standin, "xoxb-good", "xapp-good", "T0123")
        expected = "circles.COPIL.channels: slack:T0123/C0GENERAL01 is in another workspace than slack.bot_token's"
        assert code == 2 and expected in output and f"write slack:{team}/…" in output, output
    finally:
        standin.stop_in_thread()
    assert not (tmp_path / "r.db").exists()


def test_relais_run_refuses_a_token_slack_refuses_before_it_opens_the_database(tmp_path):
    standin = SlackStandin(valid_tokens=["xoxb-good", "xapp-good"]).start_in_thread()
    try:
        config = tmp_path / "relais.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{tmp_path / "r.db"}"\n'
            f'[slack]\nbot_token = "xoxb-revoked"\napp_token = "xapp-good"\napi_url = "{standin.api_url}"\n',
            encoding="utf-8",
        )
        environment = {"RELAIS_COMMUNITY_LANGUAGE": "fr", "RELAIS_SLACK_BOT_TOKEN": None}
        result = CliRunner().invoke(main, ["--config", str(config), "run"], env=environment)
    finally:
        standin.stop_in_thread()
    output = result.output.replace("\u00a0", " ").replace("\u202f", " ")
    assert result.exit_code == 2 and len(output.strip().splitlines()) == 1, output
    assert "Slack refuse slack.bot_token (invalid_auth) : copiez à nouveau le Bot User OAuth Token" in output
    assert not (tmp_path / "r.db").exists()
