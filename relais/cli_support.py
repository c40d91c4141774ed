"""What the command-line commands share: their language (messages and --help), their errors,
config, clock and app."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import click
import click.core
import click.exceptions
import click.formatting
import click.parser
import click.types

from bot.app import App, Stop
from bot.clock import Clock, FixedClock, SystemClock
from bot.config import Config, ConfigError, declared_language, load_config, os_reason
from bot.config.values import ConfigNote
from bot.errors import Refusal, Term
from bot.i18n import N_, Translator, translator
from bot.markup import to_plain
from relais.wiring import build_app

DB_HELP = N_("Database URL (default: the config's, or RELAIS_DATABASE_URL), e.g. sqlite:///relais.db")
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def cli_language(config: Config | None = None, config_path: str | None = None) -> str:
    """The language of the command line's messages: the community's (the config's at `config_path`).

    When that config cannot be loaded: the community.language that the file or the environment
    asks for (French when they ask for none); when the file cannot be read or asks for a language
    Relais does not speak, the locale (LC_ALL, LC_MESSAGES, LANG): fr… is French, anything else English.
    """
    if config is not None:
        return config.language
    try:
        return load_config(config_path).language
    except ConfigError:
        pass
    declared = declared_language(config_path)
    if declared:
        return declared
    for name in LOCALE_VARIABLES:
        value = os.environ.get(name, "")
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"


def cli_translator(config: Config | None = None, config_path: str | None = None) -> Translator:
    return translator(cli_language(config, config_path))


class Problem(click.ClickException):
    """A one-line message in the user's language, on stderr, without click's English "Error:" frame.

    Configuration mistakes exit with 2 (like a usage error), refusals with 1.
    """

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        click.echo(self.format_message(), err=True)


def said(message: ConfigError | ConfigNote | Refusal | Stop, language: str) -> str:
    """A configuration error, note, refusal or why Relais stopped, in `language` (its values stay as they are)."""
    tr = translator(language)
    values = {key: _said_value(value, language) for key, value in message.values.items()}
    return tr.t(message.message, **values)


def _said_value(value: object, language: str) -> object:
    """A value of a message: a Term translated; a message of its own (a RuleError) said in `language`."""
    if isinstance(value, Term):
        return translator(language).t(value)
    if isinstance(getattr(value, "message", None), str) and isinstance(getattr(value, "values", None), dict):
        return said(value, language)  # type: ignore[arg-type]
    return value


def fail(error: ConfigError | Refusal, language: str) -> click.ClickException:
    """A configuration error or a refusal as a click error, translated (values stay as they are)."""
    if isinstance(error, Refusal):
        return Problem(to_plain(said(error, language)))
    return Problem(said(error, language), exit_code=2)


def written(output: Path | None, data: str | bytes, language: str) -> bool:
    """An export written to `output`; False when it goes to the standard output (no --output, or "-"). What
    stops it (a folder not made yet, no right to write) is one line in `language`, exit code 2."""
    if output is None or str(output) == "-":
        return False
    try:
        if isinstance(data, bytes):
            output.write_bytes(data)
        else:
            output.write_text(data, encoding="utf-8", newline="")
    except OSError as error:
        problem = ConfigError("cannot write {file}: {reason}", file=str(output), reason=os_reason(error))
        raise fail(problem, language) from error
    return True


def warn(config: Config) -> None:
    """Say on stderr, once each, what the configuration has that Relais ignores (unknown names)."""
    tr = translator(config.language)
    for note in config.notes:
        click.echo(tr.t("warning: {text}", text=said(note, config.language)), err=True)


def config_for(ctx: click.Context, db: str | None) -> Config:
    """The configuration (--config, else ./relais.toml, and the environment), its notes said on stderr."""
    path = ctx.obj.get("config_path")
    try:
        config = load_config(path)
    except ConfigError as error:
        raise fail(error, cli_language(None, path)) from error
    warn(config)
    if db:
        config = replace(config, database_url=db)
    return config


def clock_for(now: str | None, config: Config) -> Clock:
    if not now:
        return SystemClock()
    try:
        moment = datetime.fromisoformat(now)
    except ValueError as error:
        message = cli_translator(config).t("not an ISO datetime: {now}", now=now)
        raise click.BadParameter(message, param_hint="--now") from error
    if moment.tzinfo is None:
        from zoneinfo import ZoneInfo

        moment = moment.replace(tzinfo=ZoneInfo(config.timezone))
    return FixedClock(moment)


def build(config: Config, clock: Clock | None = None) -> App:
    try:
        return build_app(config, clock=clock)
    except ConfigError as error:
        raise fail(error, cli_language(config)) from error


# --help in the user's language

# click's own words, around a help text and in its usage errors (click looks them up with gettext)
CLICK_WORDS = frozenset(
    {
        N_("Usage:"),
        N_("Options"),
        N_("Commands"),
        N_("default: {default}"),
        N_("required"),
        N_("Show this message and exit."),
        N_("Show the version and exit."),
        N_("Error: {message}"),
        N_("Try '{command} {option}' for help."),
        N_("Invalid value: {message}"),
        N_("Invalid value for {param_hint}: {message}"),
        N_("Missing argument"),
        N_("Missing option"),
        N_("Missing parameter"),
        N_("Missing command."),
        N_("No such option {name!r}."),
        N_("No such command {name!r}."),
        N_("Option {name!r} does not take a value."),
        N_("Aborted!"),
        N_("{value!r} is not {choice}."),  # a --format or --lang that is none of its choices (click's ngettext)
        N_("{value!r} is not one of {choices}."),
    }
)
CLICK_MODULES = (click.core, click.exceptions, click.formatting, click.types, click.parser)


@contextmanager
def click_speaks(language: Callable[[], str]) -> Iterator[None]:
    """While it runs, click says its own words in `language()` (the words above; the rest as it is)."""

    def gettext(word: str) -> str:
        return translator(language()).t(word) if word in CLICK_WORDS else word

    def ngettext(singular: str, plural: str, count: int) -> str:
        return gettext(singular if count == 1 else plural)

    saved = [(module, module._) for module in CLICK_MODULES if hasattr(module, "_")]
    counted = [(module, module.ngettext) for module in CLICK_MODULES if hasattr(module, "ngettext")]
    for module, _gettext in saved:
        module._ = gettext  # type: ignore[attr-defined]
    for module, _ngettext in counted:
        module.ngettext = ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module, original in saved:
            module._ = original  # type: ignore[attr-defined]
        for module, original in counted:
            module.ngettext = original  # type: ignore[attr-defined]


SPOKEN: dict[str, str] = {}  # the language of the command line being run, once known


def language_now() -> str:
    """The language of the command being run (its --config's community, else the environment's);
    after its context is gone (an error being shown), the one it had."""
    context = click.get_current_context(silent=True)
    if context is None:
        return SPOKEN.get("language") or _language_of(None)
    SPOKEN["language"] = _language_of(context.find_root().params.get("config_path"))
    return SPOKEN["language"]


@cache
def _language_of(path: str | None) -> str:
    return cli_language(None, path)


@contextmanager
def help_in(language: str, command: click.Command, ctx: click.Context) -> Iterator[None]:
    """While a help text is written: the command's, its options' and its subcommands' help texts,
    and click's own words, in `language` (each is an English msgid; untranslated ones stay English)."""
    tr = translator(language)
    saved: list[tuple[object, str, str]] = []

    def swap(thing: object, attribute: str) -> None:
        value = getattr(thing, attribute, None)
        if isinstance(value, str) and value:
            saved.append((thing, attribute, value))
            setattr(thing, attribute, tr.t(value))

    things: list[object] = [command, *command.get_params(ctx)]
    if isinstance(command, click.Group):
        things += [command.get_command(ctx, name) for name in command.list_commands(ctx)]
    for thing in things:
        swap(thing, "help")
        swap(thing, "short_help")
    try:
        with click_speaks(lambda: language):
            yield
    finally:
        for thing, attribute, value in reversed(saved):
            setattr(thing, attribute, value)


class Localised:
    """A command whose --help is in the user's language (see cli_language); mixed into click's classes."""

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        path = ctx.find_root().params.get("config_path")
        with help_in(cli_language(None, path), self, ctx):  # type: ignore[arg-type]
            super().format_help(ctx, formatter)  # type: ignore[misc]


class LocalisedCommand(Localised, click.Command):
    pass


class LocalisedGroup(Localised, click.Group):
    """The root of the command line: help and click's usage errors in the user's language."""

    command_class = LocalisedCommand
    group_class = type  # subgroups are LocalisedGroups too

    def main(self, *args: Any, **kwargs: Any) -> Any:
        _language_of.cache_clear()
        SPOKEN.clear()
        with click_speaks(language_now):
            return super().main(*args, **kwargs)
