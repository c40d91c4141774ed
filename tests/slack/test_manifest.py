"""manifest.yml declares exactly the slash commands the router marks `slash=True`, and the umbrella /relais.

The router is the one list: Slack's manifest is checked against it both ways, and the adapter
registers what the router says (adapters.slack.commands.slash_commands).
"""

from __future__ import annotations

import re
from pathlib import Path

from adapters.slack.commands import UMBRELLA, slash_commands
from commands import build_router

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"
ROUTER = build_router()


def manifest_commands() -> list[str]:
    """The `command:` entries under features.slash_commands (read as text: no YAML library needed)."""
    text = MANIFEST.read_text(encoding="utf-8")
    block = text[text.index("  slash_commands:") : text.index("\noauth_config:")]
    return re.findall(r"^\s+- command: /(\S+)\s*$", block, re.MULTILINE)


def test_the_manifest_reads_its_commands() -> None:
    names = manifest_commands()
    assert UMBRELLA in names and len(names) == len(set(names)) > 1


def test_every_slash_command_of_the_router_is_in_the_manifest() -> None:
    missing = set(slash_commands(ROUTER)) - set(manifest_commands())
    assert missing == set(), f"add them to manifest.yml: {sorted(missing)}"


def test_every_slash_command_of_the_manifest_is_one_of_the_router() -> None:
    unknown = set(manifest_commands()) - set(slash_commands(ROUTER))
    assert unknown == set(), f"mark them slash=True in commands/, or remove them from manifest.yml: {sorted(unknown)}"


def test_slash_commands_are_router_commands_under_their_english_name() -> None:
    for name in ROUTER.slash_commands():
        command = ROUTER.find(name)
        assert command is not None and command.name == name and command.slash
    assert ROUTER.find(UMBRELLA) is None  # /relais is the umbrella, no command of its own


def test_the_manifest_parsed_as_yaml_agrees() -> None:
    import pytest

    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed: the text reading above still checks")
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert [entry["command"].lstrip("/") for entry in manifest["features"]["slash_commands"]] == manifest_commands()
