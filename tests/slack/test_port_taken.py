"""HTTP mode on a port another program holds: `relais run` says so in one line naming slack.port, in the
community's language, with exit code 2 (before: the front's Python traceback, then "Slack is unreachable:
OSError(…IncompleteReadError…)", exit code 1, and aiohttp's "Unclosed client session")."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from tests.slack.standin import SlackStandin


def test_a_port_in_use_is_one_line_naming_slack_port(tmp_path):
    standin = SlackStandin().start_in_thread()
    holder = socket.create_server(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    try:
        config = tmp_path / "relais.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{tmp_path / "r.db"}"\n[community]\nlanguage = "fr"\n'
            f'[slack]\nmode = "http"\nbot_token = "xoxb-x"\nsigning_secret = "s"\nport = {port}\n'
            f'api_url = "{standin.api_url}"\n',
            encoding="utf-8",
        )
        environment = {key: value for key, value in os.environ.items() if not key.startswith("RELAIS_")}
        run = subprocess.run(
            [sys.executable, "-m", "relais.launcher", "--config", str(config), "run"],
            capture_output=True,
            text=True,
            timeout=60,
            env=environment,
        )
    finally:
        holder.close()
        standin.stop_in_thread()
    output = run.stderr.replace("\u00a0", " ").replace("\u202f", " ")
    assert run.returncode == 2, output
    assert f"slack.port : Relais ne peut pas écouter sur 127.0.0.1:{port} (Address already in use)" in output
    assert "Traceback" not in output and "Unclosed" not in output and "unreachable" not in output, output
