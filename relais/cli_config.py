"""`relais config check`: what is wrong in the configuration, and what is in force.

Everything `relais chat` and `relais run` would refuse at start is said here, in the user's
language: a wrong value (one line naming the key), a platform section its adapter refuses or whose
software is missing, a database that cannot be opened or whose schema is behind; and what is only
ignored (unknown sections, keys, RELAIS_… variables). Then what is in force. Exit code 0 when
Relais would start, 2 when it would not (with --strict, also when something is ignored).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import click
from sqlalchemy.engine import make_url

from bot.config import Config, ConfigError, ignored, load_config
from bot.config.values import ConfigNote
from bot.db import current_revision, head_revision, make_engine, normalise_url
from bot.i18n import N_, Translator, listing, translator
from relais.cli_support import LocalisedGroup, cli_language, said
from relais.wiring import database_errors, kept_somewhere, safe_url

OK, WRONG, IGNORED = "✓", "✗", "!"


@dataclass
class Findings:
    """What `config check` found: the config (None if it cannot be read), problems, notes."""

    config: Config | None = None
    problems: list[ConfigError] = field(default_factory=list)
    notes: list[ConfigNote] = field(default_factory=list)
    database: str = ""  # the database's state, said in force

    def attempt(self, check: Callable[[], object]) -> None:
        try:
            check()
        except ConfigError as error:
            self.problems.append(error)


def platform_checks(config: Config) -> dict[str, Callable[[], object]]:
    """The check of each platform enabled: its adapter reads its section, and its software is there."""
    from relais.runner import enabled_platforms, import_factory

    def matrix() -> object:
        from adapters.matrix.config import matrix_config

        matrix_config(config)
        return import_factory("matrix", config)  # as `relais run` will: without what the config does not use

    def slack() -> object:
        from adapters.slack.settings import load_settings

        load_settings(config)
        return import_factory("slack")

    def web() -> object:
        from relais.web import web_settings

        return web_settings(config)

    checks = {"matrix": matrix, "slack": slack}
    found = {platform: checks[platform] for platform in enabled_platforms(config)}
    if config.enabled("web"):
        found["web"] = web
    return found


def ready_to_run(config: Config) -> None:
    """What `relais run` needs before it opens the database: a platform, every section it reads in order, and
    tokens the platforms take (a mistake there is one line, and the database is left as it was). A platform
    that does not answer is no reason not to start: Relais keeps trying."""
    from relais.runner import enabled_platforms

    if not enabled_platforms(config) and config.file is None:  # started from another folder (a service's)
        raise ConfigError(
            "there is no relais.toml in {folder}: start Relais from the folder that holds it, or give "
            "--config PATH (relais --config /srv/relais/relais.toml run)",
            folder=str(Path.cwd()),
        )
    if not enabled_platforms(config):
        raise ConfigError("no chat platform is configured: add a [matrix] or [slack] section")
    for check in platform_checks(config).values():
        check()
    from relais.cli_reach import refused_for_good

    problem = refused_for_good(config, enabled_platforms(config))  # a token refused: said now, in one line
    if problem is not None:
        raise problem


def database_state(url: str) -> str:
    """The database's state, as a msgid; a database that cannot be used raises ConfigError."""
    with database_errors(url):
        kept_somewhere(url)
        parsed = make_url(normalise_url(url))
        if parsed.get_backend_name() == "sqlite":
            path = parsed.database
            if not path or path == ":memory:" or not Path(path).expanduser().exists():
                return N_("will be created at the first start")
        engine = make_engine(url)
        try:
            revision = current_revision(engine)
        finally:
            engine.dispose()
        if revision == head_revision():
            return N_("schema up to date")
        if engine.dialect.name == "sqlite":
            return N_("its schema will be upgraded at the next start")
        raise ConfigError("the database schema is not up to date: run `relais db upgrade` first")


def inspect(path: str | None, db: str | None = None, connect: bool = False) -> Findings:
    found = Findings()
    try:
        config = load_config(path)
    except ConfigError as error:
        found.problems.append(error)
        found.notes = ignored(path)
        return found
    if db:
        config = replace(config, database_url=db)
    found.config = config
    found.notes = list(config.notes)
    try:
        checks = platform_checks(config)
    except ConfigError as error:  # `enabled = maybe`
        found.problems.append(error)
        checks = {}
    passed = []
    for platform, check in checks.items():
        before = len(found.problems)
        found.attempt(check)
        passed += [platform] if len(found.problems) == before else []
    if connect:  # the platforms asked: the homeserver, the tokens (relais.cli_reach)
        from relais.cli_reach import reach

        found.problems += reach(found.config, passed)
    try:
        found.database = database_state(config.database_url)
    except ConfigError as error:
        found.problems.append(error)
    return found


def in_force(config: Config, found: Findings, tr: Translator) -> Iterator[tuple[str, str]]:
    """(label, value) lines: what Relais would run with."""
    yield (
        tr.t("community"),
        tr.t(
            "{name} (language {language}, timezone {timezone})",
            name=config.community_name,
            language=config.language,
            timezone=config.timezone,
        ),
    )
    database = safe_url(config.database_url)
    yield tr.t("database"), f"{database} ({tr.t(found.database)})" if found.database else database
    circles = [config.default_circle] + [c.name for c in config.circles if c.name != config.default_circle]
    channels = {circle.name: circle.channels for circle in config.circles}
    for name in circles:
        where = ", ".join(channels.get(name, ())) or tr.t("console only")
        label = tr.t("{name} (default circle)", name=name) if name == config.default_circle else name
        yield tr.t("circle"), tr.t("{circle}: {channels}", circle=label, channels=where)
    yield tr.t("facilitators"), ", ".join(config.facilitators) or tr.t("nobody (community.facilitators)")
    platforms = ["console"] + list(platform_names(config))
    yield tr.t("platforms"), ", ".join(platforms)
    for label, value in schedules(config, tr):
        yield label, value


def platform_names(config: Config) -> Iterator[str]:
    from relais.runner import ADAPTER_MODULES

    for platform in ADAPTER_MODULES:
        try:
            if config.enabled(platform):
                yield platform
        except ConfigError:
            continue


def schedules(config: Config, tr: Translator) -> Iterator[tuple[str, str]]:
    settings = config.schedules

    def rule(value: object) -> str:
        describe = getattr(value, "describe", None)
        return describe(tr) if describe else tr.t("off")

    recaps = [rule(settings.recap)]
    for circle in config.circles:
        own = settings.recap_rule(circle.name)
        if own != settings.recap:
            recaps.append(tr.t("{circle}: {rule}", circle=circle.name, rule=rule(own)))
    yield tr.t("weekly recap"), "; ".join(recaps)
    yield tr.t("personal digests"), rule(settings.digest)
    yield tr.t("nudges"), rule(settings.nudges)
    hours = [f"{offset.total_seconds() / 3600:g} h" for offset in settings.reminder_offsets]
    lead = f"{settings.agenda_lead.total_seconds() / 3600:g}"
    reminders = listing(tr, hours) if hours else tr.t("none")
    yield tr.t("meetings"), tr.t("agenda {lead} h before, reminders {reminders} before", lead=lead, reminders=reminders)


@click.group(
    "config", cls=LocalisedGroup, help=N_("The configuration: relais.toml and RELAIS_<SECTION>_<KEY> variables.")
)
def config_group() -> None:
    pass


@config_group.command(
    "check", help=N_("Say what is wrong in the configuration and what is in force; exit 2 if Relais would not start.")
)
@click.option("--db", help=N_("Check this database URL instead of the config's"))
@click.option("--strict", is_flag=True, help=N_("Also fail (exit 2) when something is ignored (unknown names)"))
@click.option(
    "--connect",
    is_flag=True,
    help=N_("Also ask Matrix and Slack whether the homeserver, the tokens and the workspace are right"),
)
@click.pass_context
def check(ctx: click.Context, db: str | None, strict: bool, connect: bool) -> None:
    path = ctx.obj.get("config_path")
    found = inspect(path, db, connect)
    language = found.config.language if found.config else cli_language(None, path)
    tr = translator(language)
    file = found.config.file if found.config else path
    if file:
        click.echo(tr.t("Configuration: {file}", file=Path(file).resolve()))
    else:
        click.echo(tr.t("Configuration: no relais.toml here; defaults and RELAIS_… variables"))
    for problem in found.problems:
        click.echo(f"  {WRONG} {said(problem, language)}")
    for note in found.notes:
        click.echo(f"  {IGNORED} {said(note, language)}")
    if found.config is not None:
        click.echo("")
        click.echo(tr.t("In force:"))
        lines = list(in_force(found.config, found, tr))
        width = max(len(label) for label, _ in lines)
        for label, value in lines:
            click.echo(f"  {label.ljust(width)}  {value}")
    click.echo("")
    if found.problems:
        click.echo(
            tr.tn(
                "{count} problem: Relais will not start until it is fixed.",
                "{count} problems: Relais will not start until they are fixed.",
                len(found.problems),
            )
        )
        ctx.exit(2)
    if found.notes:
        click.echo(
            tr.tn(
                "{count} thing is ignored; the rest is in order.",
                "{count} things are ignored; the rest is in order.",
                len(found.notes),
            )
        )
        ctx.exit(2 if strict else 0)
    from relais.runner import enabled_platforms

    if found.config is not None and not enabled_platforms(found.config):  # `relais run` would refuse it
        click.echo(
            tr.t(
                "The configuration is in order for the console (relais console); "
                "relais run needs a [matrix] or [slack] section."
            )
        )
        return
    click.echo(f"{OK} " + tr.t("The configuration is in order."))
