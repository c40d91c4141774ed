"""The manifest is generated from the router (one source): manifest.yml and manifest-http.yml are
current, declare every command Slack answers and ask for no scope Relais does not use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.slack.commands import UMBRELLA, slash_commands
from adapters.slack.manifest import (
    EXAMPLE_URL,
    GLOBAL_SHORTCUT,
    MESSAGE_SHORTCUT,
    SHORTCUT_NAME_LIMIT,
    manifest_text,
)
from commands import build_router
from relais.cli import main
from tests.slack.harness import FABIENNE, Harness

ROOT = Path(__file__).resolve().parents[2]
ROUTER = build_router()


def commands_in(text: str) -> list[str]:
    """The `command:` entries under features.slash_commands (read as text: no YAML library needed)."""
    block = text[text.index("  slash_commands:") : text.index("\noauth_config:")]
    return re.findall(r"^\s+- command: /(\S+)\s*$", block, re.MULTILINE)


def scopes_in(text: str) -> list[str]:
    block = text[text.index("    bot:\n") : text.index("\nsettings:")]
    return re.findall(r"^\s+- ([a-z:.]+)", block, re.MULTILINE)


@pytest.mark.parametrize(
    ("file", "arguments"),
    [("manifest.yml", []), ("manifest-http.yml", ["--mode", "http", "--url", EXAMPLE_URL])],
)
def test_the_shipped_manifests_are_the_generated_ones(file: str, arguments: list[str]) -> None:
    result = CliRunner().invoke(main, ["slack", "manifest", *arguments])
    assert result.exit_code == 0, result.output
    assert (ROOT / file).read_text(encoding="utf-8") == result.output, (
        f"run: relais slack manifest {arguments} -o {file}"
    )


def test_every_command_but_the_consoles_is_a_slash_command_and_relais_too() -> None:
    names = commands_in(manifest_text(ROUTER))
    assert names == list(slash_commands(ROUTER)) and names[-1] == UMBRELLA
    everything = {command.name for command in ROUTER.commands()}
    assert everything - set(names) == {"react", "unreact"}  # on Slack one reacts
    for needed in ("who-read", "show", "edit", "lang", "decision", "help"):  # typed as the README says
        assert needed in names
    assert len(names) <= 50 and all(re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", name) for name in names)


def test_only_the_scopes_relais_uses() -> None:
    scopes = scopes_in(manifest_text(ROUTER))
    assert "chat:write.public" not in scopes  # it would post where Slack sends no reactions
    assert "mpim:history" not in scopes
    assert {"commands", "chat:write", "reactions:read", "channels:read", "users:read"} <= set(scopes)


def test_the_http_manifest_names_the_url_everywhere() -> None:
    text = manifest_text(ROUTER, "http", "https://relais.asso.fr/slack/events")
    assert "socket_mode_enabled: false" in text
    urls = re.findall(r"(?:url|request_url): (\S+)", text)
    assert set(urls) == {"https://relais.asso.fr/slack/events"}
    assert len(urls) == len(commands_in(text)) + 2  # every command, the events, the interactivity
    assert "socket_mode_enabled: true" in manifest_text(ROUTER) and "url:" not in manifest_text(ROUTER)


def test_the_shortcuts_are_declared_with_names_slack_accepts() -> None:
    for text in (manifest_text(ROUTER), manifest_text(ROUTER, "http", EXAMPLE_URL)):
        block = text[text.index("  shortcuts:") : text.index("\noauth_config:")]
        names = re.findall(r'- name: "([^"]+)"', block)
        assert names == ["Créer un engagement", "Nouvel engagement"]
        assert all(len(name) <= SHORTCUT_NAME_LIMIT for name in names)
        assert re.findall(r"type: (\w+)", block) == ["message", "global"]
        assert re.findall(r"callback_id: (\S+)", block) == [MESSAGE_SHORTCUT, GLOBAL_SHORTCUT]


def test_a_wrong_url_is_refused_with_a_clear_message() -> None:
    for arguments in (["--mode", "http"], ["--mode", "http", "--url", "http://relais.asso.fr/slack/events"]):
        result = CliRunner().invoke(main, ["slack", "manifest", *arguments])
        assert result.exit_code == 2 and "https://" in result.output


def test_the_manifest_parsed_as_yaml_agrees() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed: the text reading above still checks")
    for text in (manifest_text(ROUTER), manifest_text(ROUTER, "http", EXAMPLE_URL)):
        manifest = yaml.safe_load(text)
        assert [entry["command"].lstrip("/") for entry in manifest["features"]["slash_commands"]] == commands_in(text)
        assert manifest["oauth_config"]["scopes"]["bot"] == scopes_in(text)
        assert "user_change" in manifest["settings"]["event_subscriptions"]["bot_events"]


async def test_every_declared_command_is_answered(relais_http: Harness) -> None:
    """Each slash command of the manifest, typed alone, gets an answer (usage, a list, the form): none is a 404."""

    for name in commands_in(manifest_text(ROUTER)):
        before = len(relais_http.replies_to(FABIENNE)) + len(relais_http.standin.calls_to("views.open"))
        answer = await relais_http.command(name, "", user=FABIENNE)
        assert answer.status == 200, name
        after = len(relais_http.replies_to(FABIENNE)) + len(relais_http.standin.calls_to("views.open"))
        assert after > before, f"/{name} said nothing"


def test_every_slack_key_is_in_the_readme_and_http_listens_on_loopback() -> None:
    from adapters.slack import settings

    source = Path(settings.__file__).read_text(encoding="utf-8")
    keys = set(re.findall(r"""(?:raw\.get\(|raw\[|section\.\w+\()"(\w+)\"""", source))
    assert {"host", "timeout", "port", "signing_secret", "db_threads"} <= keys
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    slack = readme[readme.index("\n## Slack") : readme.index("\n## Architecture")]
    missing = {key for key in keys if not re.search(rf"^#?\s*{key} = ", slack, re.MULTILINE) and key != "channels"}
    assert missing == set(), f"document them in the README's [slack] example: {sorted(missing)}"
    assert "[slack.channels]" in slack
    minimal = {"mode": "http", "bot_token": "xoxb-1", "signing_secret": "s"}
    assert settings.parse_settings(minimal).host == "127.0.0.1"
    assert settings.parse_settings({**minimal, "host": "0.0.0.0"}).host == "0.0.0.0"


def test_a_manifest_written_to_a_folder_that_does_not_exist_is_one_line(tmp_path) -> None:
    """Before: a FileNotFoundError traceback."""
    missing = tmp_path / "slack" / "manifest.yml"
    result = CliRunner().invoke(main, ["slack", "manifest", "--output", str(missing)], env={"LANG": "fr_FR.UTF-8"})
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"impossible d’écrire {missing}" in result.output.replace("\u00a0", " ")
