"""The web dashboard in a Relais process: `relais web` serves it alone; `relais run` serves it too
when relais.toml has a [web] section (adapters.web; `pip install 'relais[web]'`)."""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

import click

from bot.app import App
from bot.config import Config, ConfigError, os_reason
from bot.i18n import N_
from relais.cli_support import DB_HELP, cli_language, cli_translator, fail


def web_server(app: App, overrides: dict[str, Any] | None = None, required: bool = False) -> Any:
    """The dashboard's server for this app (None when [web] is not configured and not `required`)."""
    if not required and not app.config.enabled("web"):
        return None
    settings = web_settings(app.config, overrides)
    from adapters.web.server import WebServer

    return WebServer(app, settings)


def web_settings(config: Config, overrides: dict[str, Any] | None = None) -> Any:
    """The [web] section, read as the dashboard reads it; its software missing is a ConfigError too."""
    try:
        import adapters.web.server  # noqa: F401  (its software: aiohttp, jinja2)
        from adapters.web.settings import parse_settings
    except ModuleNotFoundError as error:
        raise ConfigError(
            "the web dashboard's software is missing ({module}): pip install 'relais[web]'", module=error.name
        ) from error
    return parse_settings({**config.section("web"), **(overrides or {})})


async def serve_until_stopped(server: Any) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await server.start()
    from relais.memory import settle_memory  # not relais.runner: the scheduler and the delivery stay out (2.7 MB)

    settle_memory()  # as relais run once started: no full collection walks what starting made
    try:
        await stop.wait()
    finally:
        await server.stop()


@click.command("web", help=N_("Serve the web dashboard ([web] in the config): sign in with /dashboard in the chat."))
@click.option("--host", help=N_("Address to listen on (default: [web] host, else 127.0.0.1)"))
@click.option("--port", type=int, help=N_("Port to listen on (default: [web] port, else 8080)"))
@click.option("--db", help=DB_HELP)
@click.option("--demo", is_flag=True, help=N_("Use the demo community of `relais demo`"))
@click.option("--lang", "language", type=click.Choice(["fr", "en"]), help=N_("With --demo: which demo"))
@click.pass_context
def web_command(
    ctx: click.Context, host: str | None, port: int | None, db: str | None, demo: bool, language: str | None
) -> None:
    from relais.cli_schedules import open_app
    from relais.runner import setup_logging

    app = open_app(ctx, db, None, demo, language)
    setup_logging(app.config)
    overrides = {key: value for key, value in (("host", host), ("port", port)) if value is not None}
    try:
        server = web_server(app, overrides, required=True)
        said = cli_translator(app.config).t(
            "The dashboard listens on {url}: type /dashboard in the chat for a sign-in link.",
            url=server.settings.public_url,
        )
        click.echo(said, err=True)
        asyncio.run(serve_until_stopped(server))
    except ConfigError as error:
        raise fail(error, cli_language(app.config)) from error
    except OSError as error:
        raise fail(ConfigError("cannot listen: {reason}", reason=os_reason(error)), cli_language(app.config)) from error
    finally:
        app.close()
    sys.exit(0)
