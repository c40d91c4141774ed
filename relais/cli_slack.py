"""`relais slack manifest`: the Slack app manifest, generated from the commands Relais has."""

from __future__ import annotations

from pathlib import Path

import click

from bot.config import ConfigError
from bot.i18n import N_
from relais.cli_support import LocalisedGroup, cli_language, fail, written


@click.group("slack", cls=LocalisedGroup, help=N_("Slack: the app manifest to create or update the Slack app with."))
def slack_group() -> None:
    pass


@slack_group.command(
    "manifest",
    help=N_(
        "Print the Slack app manifest (every command, the scopes Relais uses): paste it at api.slack.com/apps. "
        "HTTP mode needs --url, where Slack will send requests (https://your-host/slack/events)."
    ),
)
@click.option(
    "--mode",
    type=click.Choice(["socket", "http"]),
    default="socket",
    show_default=True,
    help=N_("Socket Mode (nothing to expose) or HTTP mode (Slack calls --url)"),
)
@click.option("--url", help=N_("HTTP mode: the public URL Slack sends requests to (https://your-host/slack/events)"))
@click.option("--output", "-o", type=click.Path(dir_okay=False), help=N_("Write it to this file instead"))
@click.pass_context
def manifest(ctx: click.Context, mode: str, url: str | None, output: str | None) -> None:
    from adapters.slack.manifest import manifest_text
    from commands import build_router

    language = cli_language(None, ctx.obj.get("config_path") if ctx.obj else None)
    try:
        if mode == "http" and not url:
            raise ConfigError("HTTP mode needs --url: where Slack sends requests (https://your-host/slack/events)")
        text = manifest_text(build_router(), mode, url)
    except ConfigError as error:
        raise fail(error, language) from error
    if not written(Path(output) if output else None, text, language):
        click.echo(text, nl=False)
