"""`relais digest`, `relais agenda` and `relais export meetings`: scheduled posts from the command line.

They print what would be posted (a console has no outbox), in the community's language or --lang;
so are their own messages (no such circle…).
`--demo` reads the demo community of `relais demo` (seeding it, meetings included, if needed).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app import App
from bot.config import ConfigError
from bot.errors import Refusal
from bot.i18n import N_, translator
from bot.markup import to_plain
from bot.models import Circle, Community
from bot.services.community import find_community
from relais.cli_support import (
    DB_HELP,
    LocalisedCommand,
    build,
    cli_language,
    clock_for,
    config_for,
    fail,
    written,
)

RULE = "─" * 40


def open_app(ctx: click.Context, db: str | None, now: str | None, demo: bool, language: str | None = None) -> App:
    """The app on the config's database, or with `demo` on the demo of `language` (seeded if need be)."""
    if demo:
        from relais.demo import open_demo

        said = language or "fr"
        try:
            return open_demo(db, said, now)
        except ConfigError as error:
            raise fail(error, said) from error
    config = config_for(ctx, db)
    return build(config, clock_for(now, config))


def _language(app: App, language: str | None) -> str:
    """--lang, else the community's."""
    return language or cli_language(app.config)


def _community(session: Session, app: App, language: str) -> Community:
    community = find_community(session, app.config.community_name)
    if community is None:  # pragma: no cover - build_app creates it
        raise click.ClickException(translator(language).t("no community in this database"))
    return community


def _circles(session: Session, community: Community, name: str | None, language: str) -> list[Circle]:
    from bot.services.community import find_circle

    if name:
        circle = find_circle(session, community, name)
        if circle is None:
            known = ", ".join(
                row.name
                for row in session.scalars(
                    select(Circle).where(Circle.community_id == community.id).order_by(Circle.name)
                )
            )
            message = translator(language).t("no circle called “{name}”; circles: {circles}", name=name, circles=known)
            raise click.ClickException(message)
        return [circle]
    return list(session.scalars(select(Circle).where(Circle.community_id == community.id).order_by(Circle.id)))


@click.command(cls=LocalisedCommand, help=N_("Print the weekly recap that would be posted now, per circle."))
@click.option("--circle", help=N_("Only this circle (default: every circle)"))
@click.option("--now", help=N_("Pretend it is this ISO datetime (local time if no offset)"))
@click.option("--lang", "language", type=click.Choice(["fr", "en"]), help=N_("Language (default: the community's)"))
@click.option("--db", help=DB_HELP)
@click.option("--demo", is_flag=True, help=N_("Use the demo community of `relais demo`"))
@click.pass_context
def digest(
    ctx: click.Context, circle: str | None, now: str | None, language: str | None, db: str | None, demo: bool
) -> None:
    from bot.posts.recap import build_recap
    from bot.presentation import Localiser

    app = open_app(ctx, db, now, demo, language)
    try:
        said = _language(app, language)
        moment = app.clock.now()
        with app.store.unit_of_work() as session:
            community = _community(session, app, said)
            loc = Localiser.of(community, moment, language)
            settings = app.config.schedules
            drafts = [
                build_recap(
                    session, community, row, loc, settings, moment - timedelta(days=7), chart=settings.recap_chart
                )
                for row in _circles(session, community, circle, said)
            ]
            texts = [to_plain(draft.text() + (f"\n{draft.picture.note}" if draft.picture else "")) for draft in drafts]
    finally:
        app.close()
    click.echo(f"\n{RULE}\n".join(texts))


@click.command(cls=LocalisedCommand, help=N_("Print the agenda of meeting #N, or of the next meeting of each circle."))
@click.argument("ref", required=False)
@click.option("--circle", help=N_("The next meeting of this circle"))
@click.option("--now", help=N_("Pretend it is this ISO datetime (local time if no offset)"))
@click.option("--lang", "language", type=click.Choice(["fr", "en"]), help=N_("Language (default: the community's)"))
@click.option("--db", help=DB_HELP)
@click.option("--demo", is_flag=True, help=N_("Use the demo community of `relais demo`"))
@click.pass_context
def agenda(
    ctx: click.Context,
    ref: str | None,
    circle: str | None,
    now: str | None,
    language: str | None,
    db: str | None,
    demo: bool,
) -> None:
    from bot.posts.agenda import build_agenda
    from bot.presentation import Localiser
    from bot.services.meetings import get_meeting, next_meeting

    number = None
    if ref:
        try:
            number = int(ref.lstrip("#"))
        except ValueError as error:
            early = language or ("fr" if demo else cli_language(None, ctx.obj.get("config_path")))
            message = translator(early).t("not a meeting number: {ref}", ref=ref)
            raise click.BadParameter(message, param_hint="REF") from error
    app = open_app(ctx, db, now, demo, language)
    try:
        said = _language(app, language)
        moment = app.clock.now()
        with app.store.unit_of_work() as session:
            community = _community(session, app, said)
            loc = Localiser.of(community, moment, language)
            if number is not None:
                try:
                    meetings = [get_meeting(session, community, number)]
                except Refusal as error:
                    raise fail(error, loc.language) from error
            else:
                circles = _circles(session, community, circle, said)
                found = [next_meeting(session, row.id, moment) for row in circles]
                meetings = [meeting for meeting in found if meeting is not None]
            texts = [
                to_plain(build_agenda(session, community, meeting, loc, app.config.schedules).text())
                for meeting in meetings
            ]
            if not texts:
                texts = [
                    loc.t(
                        "No meeting is planned. A facilitator can plan one, for example: {example}",
                        example=loc.t("/meeting Steering committee Thursday 2pm #copil town hall, room 2"),
                    )
                ]
    finally:
        app.close()
    click.echo(f"\n{RULE}\n".join(texts))


@click.command(
    "meetings",
    cls=LocalisedCommand,
    help=N_("The meetings as an iCalendar (.ics) file for calendar apps; cancelled ones say so."),
)
@click.option("--format", "fmt", type=click.Choice(["ics"]), default="ics", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help=N_("File (default: stdout)"))
@click.option("--now", help=N_("Pretend it is this ISO datetime"))
@click.option("--db", help=DB_HELP)
@click.option("--demo", is_flag=True, help=N_("Use the demo community of `relais demo`"))
@click.pass_context
def export_meetings(
    ctx: click.Context, fmt: str, output: Path | None, now: str | None, db: str | None, demo: bool
) -> None:
    from bot.ics import meetings_calendar

    app = open_app(ctx, db, now, demo)
    try:
        said = _language(app, None)
        with app.store.unit_of_work() as session:
            community = _community(session, app, said)
            data = meetings_calendar(session, community, app.clock.now())
            count = data.count(b"BEGIN:VEVENT")
    finally:
        app.close()
    if written(output, data, said):
        click.echo(
            translator(said).tn(
                "{count} meeting written to {file}", "{count} meetings written to {file}", count, file=output
            ),
            err=True,
        )
    else:
        click.echo(data, nl=False)
