"""The `relais` command line (click): chat, demo, run, db upgrade, export, digest, agenda, config check,
slack manifest.

Its messages and its --help texts are in the community's language (cli_language): every help text
is an English msgid (N_) that Localised commands translate when they write their help.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click
from sqlalchemy import Engine, select

from bot import __version__
from bot.clock import SystemClock
from bot.config import Config, ConfigError
from bot.db import make_engine, upgrade
from bot.i18n import N_
from bot.models import Community
from bot.services.community import find_community
from relais.cli_config import config_group
from relais.cli_schedules import agenda, digest, export_meetings
from relais.cli_slack import slack_group
from relais.cli_support import (
    DB_HELP,
    LocalisedGroup,
    Problem,
    build,
    cli_language,
    cli_translator,
    clock_for,
    config_for,
    fail,
    said,
    written,
)
from relais.web import web_command


@click.group(
    cls=LocalisedGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=N_("Relais: the backbone-function bot of a community of action."),
)
@click.version_option(__version__, prog_name="relais")
@click.option("--config", "config_path", type=click.Path(), help=N_("TOML file (default: ./relais.toml)"))
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path


@main.command(help=N_("Talk to Relais as a member, one command per line (piped input works)."))
@click.option("--as", "identity", required=True, help=N_("Who you are: a name such as alice"))
@click.option("--circle", help=N_("The circle you speak in (default: the community's default circle)"))
@click.option("--name", help=N_("Your display name (default: the --as name)"))
@click.option("--now", help=N_("Fix the clock at this ISO datetime, for scripted demos and tests"))
@click.option("--db", help=DB_HELP)
@click.pass_context
def chat(
    ctx: click.Context, identity: str, circle: str | None, name: str | None, now: str | None, db: str | None
) -> None:
    from relais.console import chat as console

    config = config_for(ctx, db)
    app = build(config, clock_for(now, config))
    try:
        console(app, identity, circle, name)
    finally:
        app.close()


@main.command(help=N_("Open the console on a sample community (no account needed)."))
@click.option("--db", help=N_("Demo database URL (default: demo-fr.db or demo-en.db in ~/.local/share/relais)"))
@click.option(
    "--lang",
    "language",
    type=click.Choice(["fr", "en"]),
    default="fr",
    show_default=True,
    help=N_("The demo's language: each has its own community, written in it"),
)
@click.option("--now", help=N_("Fix the clock at this ISO datetime"))
@click.option("--reset", is_flag=True, help=N_("Start again from a fresh demo community (in --db too)"))
def demo(db: str | None, language: str, now: str | None, reset: bool) -> None:
    from relais.console import chat as console
    from relais.demo import DEMO_FACILITATOR, DEMOS, demo_place, open_demo

    try:
        app = open_demo(db, language, now, reset)
    except ConfigError as error:
        raise fail(error, language) from error
    try:
        name = DEMO_FACILITATOR.split(":", 1)[1]
        console(app, name, DEMOS[language].default_channel, "Camille", demo=demo_place(app.config.database_url))
    finally:
        app.close()


@main.command(help=N_("Run the bot on the chat platforms of the config ([matrix], [slack]) with its scheduler."))
@click.option("--db", help=DB_HELP)
@click.pass_context
def run(ctx: click.Context, db: str | None) -> None:
    from relais.cli_config import ready_to_run
    from relais.runner import run_app, setup_logging

    config = config_for(ctx, db)
    try:
        ready_to_run(config)  # before the database is opened: a mistake there changes nothing
    except ConfigError as error:
        raise fail(error, cli_language(config)) from error
    setup_logging(config)
    app = build(config)
    try:
        code, problem = run_app(app)
    except ConfigError as error:
        raise fail(error, cli_language(config)) from error
    finally:
        app.close()
    if code and problem:  # the last line the operator reads, apart from the log
        said_why = said(problem, cli_language(config))
        click.echo(cli_translator(config).t("Relais stopped: {problem}", problem=said_why), err=True)
    sys.exit(code)


@main.group(help=N_("Database schema."))
def db() -> None:
    pass


def on_database(ctx: click.Context, url: str | None, work: Callable[[Engine], None]) -> Config:
    """`work` on the configured database, upgraded first; its errors said in one line, in the user's language."""
    from relais.wiring import database_errors, kept_somewhere

    config = config_for(ctx, url)
    try:
        with database_errors(config.database_url):
            kept_somewhere(config.database_url)
            engine = make_engine(config.database_url)
            try:
                upgrade(engine)
                work(engine)
            finally:
                engine.dispose()
    except ConfigError as error:
        raise fail(error, cli_language(config)) from error
    return config


@db.command("upgrade", help=N_("Create or upgrade the database schema to the latest revision."))
@click.option("--db", "url", help=DB_HELP)
@click.pass_context
def db_upgrade(ctx: click.Context, url: str | None) -> None:
    config = on_database(ctx, url, lambda engine: None)
    click.echo(cli_translator(config).t("database is up to date"))


@db.command(
    "recount",
    help=N_(
        "Count again, from the items and confirmations, what is kept as it happens: unread counts, reading levels."
    ),
)
@click.option("--db", "url", help=DB_HELP)
@click.pass_context
def db_recount(ctx: click.Context, url: str | None) -> None:
    from bot.models import recount_all_unread

    def recount(engine: Engine) -> None:
        with engine.begin() as connection:
            recount_all_unread(connection)

    config = on_database(ctx, url, recount)
    click.echo(cli_translator(config).t("counts are up to date"))


@db.command(
    "backup",
    help=N_(
        "A consistent copy of the database, taken while Relais runs, then checked: to PATH (a file or a folder; "
        "default: relais-YYYY-MM-DD-HHMM.db beside an SQLite database). PostgreSQL: with pg_dump."
    ),
)
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help=N_("Replace PATH if it exists"))
@click.option("--db", "url", help=DB_HELP)
@click.pass_context
def db_backup(ctx: click.Context, path: Path | None, force: bool, url: str | None) -> None:
    from zoneinfo import ZoneInfo

    from bot.errors import Refusal
    from relais.backup import backup, said
    from relais.wiring import database_errors

    config = config_for(ctx, url)
    language = cli_language(config)
    try:
        with database_errors(config.database_url):
            now = SystemClock().now().astimezone(ZoneInfo(config.timezone))
            copy = backup(config.database_url, path, force, now)
    except (Refusal, ConfigError) as error:
        raise fail(error, language) from error
    click.echo(said(copy, language))


@main.group(help=N_("Export data for spreadsheets and other tools."))
def export() -> None:
    pass


@export.command(
    "actions",
    help=N_(
        "The roadmap: number, title, owner, organisation, circle, due (ISO 8601), status, progress, "
        "expected result, resources, dates (created, updated, completed)."
    ),
)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help=N_("File (default: stdout)"))
@click.option("--db", help=DB_HELP)
@click.option("--demo", is_flag=True, help=N_("Use the demo community of `relais demo`"))
@click.pass_context
def export_actions(ctx: click.Context, fmt: str, output: Path | None, db: str | None, demo: bool) -> None:
    from bot.export import action_rows, to_csv, to_json
    from relais.cli_schedules import open_app

    app = open_app(ctx, db, None, demo)
    config = app.config
    try:
        with app.store.unit_of_work() as session:
            community = find_community(session, config.community_name)
            rows = action_rows(session, community) if community else []
            others = [name for name in session.scalars(select(Community.name)) if name != config.community_name]
    finally:
        app.close()
    if not rows and others:
        message = cli_translator(config).t(
            "the community “{name}” has no commitment; this database holds: {others} (check community.name)",
            name=config.community_name,
            others=", ".join(sorted(others)),
        )
        raise Problem(message, exit_code=2)
    text = to_csv(rows) if fmt == "csv" else to_json(rows)
    if written(output, text, config.language):
        said = cli_translator(config).tn(
            "{count} commitment written to {file}", "{count} commitments written to {file}", len(rows), file=output
        )
        click.echo(said, err=True)
    else:
        # redirected to a file (`> roadmap.csv`), the byte-order mark lets spreadsheets read accents
        sys.stdout.write(text if fmt == "json" or not sys.stdout.isatty() else text.removeprefix("\ufeff"))


main.add_command(digest)
main.add_command(agenda)
main.add_command(config_group)
main.add_command(web_command)
main.add_command(slack_group)
export.add_command(export_meetings, "meetings")


if __name__ == "__main__":
    main()
