"""`relais run` serves the dashboard when [web] is configured, and stops it with the rest."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace

import aiohttp

from bot.app import App
from relais.runner import Runner
from tests.support.waiting import POLL


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_relais_run_serves_the_dashboard_with_web_configured(testbot):
    port = free_port()
    config = replace(testbot.dispatcher.config, sections={"web": {"port": port}})
    app = App(config=config, store=testbot.store, clock=testbot.clock, dispatcher=testbot.dispatcher)
    stop = asyncio.Event()
    runner = Runner(app, factories={}, schedule=False)
    serving = asyncio.create_task(runner.serve(stop))
    async with aiohttp.ClientSession() as http:

        async def answers() -> bool:
            try:
                async with http.get(f"http://127.0.0.1:{port}/roadmap") as response:
                    return response.status == 401 and "/tableau" in await response.text()
            except aiohttp.ClientConnectionError:
                return False

        deadline = asyncio.get_running_loop().time() + 10
        while not await answers():  # the server is up once it answers (a condition, with a deadline)
            assert asyncio.get_running_loop().time() < deadline, "the dashboard never answered"
            await asyncio.sleep(POLL)
        stop.set()
        assert await serving == 0
        assert not await answers()  # stopped with Relais


def test_a_dashboard_port_taken_or_impossible_is_one_line_in_french_not_a_traceback(tmp_path):
    """Before: `relais run` with [web] port = 99999 (config check said ✓), or a port another program holds,
    ended in a Python traceback (OverflowError, OSError), exit code 1."""
    from click.testing import CliRunner

    from relais.cli import main

    def run(port: int) -> tuple[int, str]:
        config = tmp_path / "relais.toml"
        config.write_text(
            f'[community]\nlanguage = "fr"\n[database]\nurl = "sqlite:///{tmp_path / "r.db"}"\n[web]\nport = {port}\n'
            '[matrix]\nhomeserver = "http://127.0.0.1:9"\nuser_id = "@r:example.org"\naccess_token = "x"\n',
            encoding="utf-8",
        )
        checked = CliRunner().invoke(main, ["--config", str(config), "config", "check"])
        result = CliRunner().invoke(main, ["--config", str(config), "run"])
        said = (checked.output + result.output).replace("\u00a0", " ").replace("\u202f", " ")
        assert "Traceback" not in said and isinstance(result.exception, SystemExit), said
        return result.exit_code, said

    code, said = run(99999)
    assert code == 2 and "web.port doit être un numéro de port (65535 au plus), pas « 99999 »" in said, said
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        code, said = run(port)
    assert code == 2, said
    assert f"web.port : Relais ne peut pas écouter sur 127.0.0.1:{port} (le port est déjà pris)" in said, said


def test_a_dashboard_address_this_machine_does_not_have_names_web_host_not_the_port(tmp_path):
    """[web] host = an address of another machine: before, "web.port: … choose a free port", wrong advice."""
    from click.testing import CliRunner

    from relais.cli import main

    config = tmp_path / "relais.toml"
    config.write_text(
        f'[community]\nlanguage = "fr"\n[database]\nurl = "sqlite:///{tmp_path / "r.db"}"\n'
        '[web]\nhost = "192.0.2.1"\nport = 8099\n'  # TEST-NET-1: documentation only, never this machine's
        '[matrix]\nhomeserver = "http://127.0.0.1:9"\nuser_id = "@r:example.org"\naccess_token = "x"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["--config", str(config), "run"])
    said = result.output.replace("\u00a0", " ").replace("\u202f", " ")
    assert result.exit_code == 2 and "Traceback" not in said, said
    assert "web.host" in said and "127.0.0.1" in said and "port libre" not in said, said
