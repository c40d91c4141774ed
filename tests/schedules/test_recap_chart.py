"""The weekly recap's chart (bot.posts.chart): a PNG with its figures as alternative text, French and
English, in its own outbox row right after the recap's; posted once across runs; retried alone when
its upload fails, the recap's text posted all the same; none with recap_chart = false or without
Pillow; the console prints its figures."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from adapters.console import ConsoleAdapter
from bot.delivery import Deliverer, PermanentFailure, TemporaryFailure
from bot.images import PNG_SIGNATURE, png_size
from bot.kinds import OutboxStatus
from bot.posts import chart
from bot.posts.chart import WeekFigures, alt_text, chart_picture, drawable
from bot.presentation import FixedLocaliser
from bot.reply import Incoming
from tests.schedules.support import make_world, paris, schedules_config
from tests.support.sender import RecordingSender


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def week(world) -> None:
    world.run(paris(2026, 11, 26, 10))
    world.say("alice", "/engage Envoyer le compte rendu vendredi")
    world.say("bob", "/engage Réserver la salle dans 10 jours")
    world.say("bob", "/engage Imprimer les affiches dans 12 jours")
    world.say("bob", "/done #2")


def test_alt_text_says_the_figures_in_french_and_english():
    figures = WeekFigures("GT Mobilité", datetime(2026, 11, 23, 8, tzinfo=UTC), datetime(2026, 11, 30, 8, tzinfo=UTC),
                          3, 1, 5, 15, 24)  # fmt: skip
    now, zone = datetime(2026, 11, 30, 8, tzinfo=UTC), ZoneInfo("Europe/Paris")
    assert alt_text(FixedLocaliser("en", zone, now), figures) == (
        "GT Mobilité, the week from Monday 23 November 2026 to Monday 30 November 2026. Commitments done: 3; "
        "overdue: 1; open, on time: 5. Readings confirmed over the last 4 weeks: 62% (15 of 24)."
    )
    french = chart_picture(FixedLocaliser("fr", zone, now), figures)
    assert french is not None and french.png.startswith(PNG_SIGNATURE) and french.size == (640, 250)
    assert plain(french.alt) == (
        "GT Mobilité, semaine du lundi 23 novembre 2026 au lundi 30 novembre 2026. Engagements faits : 3 ; "
        "en retard : 1 ; en cours dans les temps : 5. "
        "Lectures confirmées sur les 4 dernières semaines : 62 % (15 sur 24)."
    )
    assert plain(french.note) == f"[graphique : {plain(french.alt)}]"
    empty = WeekFigures("COPIL", figures.since, figures.until, 0, 0, 0, 0, 0)
    assert alt_text(FixedLocaliser("en", zone, now), empty).endswith("Nothing was to be read over the last 4 weeks.")


def test_what_the_font_cannot_draw_is_left_out_of_the_picture_not_out_of_its_alt_text():
    assert drawable("GT 🚲 Mobilité — du 23 nov.\u202f»") == "GT Mobilité — du 23 nov.\u202f»"
    assert drawable("Œuvre commune") == "Œuvre commune"
    figures = WeekFigures(
        "GT 🚲", datetime(2026, 11, 23, 8, tzinfo=UTC), datetime(2026, 11, 30, 8, tzinfo=UTC), 0, 0, 0, 0, 0
    )
    picture = chart_picture(FixedLocaliser("en", ZoneInfo("Europe/Paris"), figures.until), figures)
    assert picture is not None and picture.alt.startswith("GT 🚲, the week from")


def test_the_scheduled_recap_has_its_picture_right_after_it_once(world):
    week(world)
    world.run(paris(2026, 11, 30, 9))
    rows = [row for row in world.outbox() if row.channel == "matrix:!copil:hs" and row.occurrence_key]
    recap, picture = rows[-2], rows[-1]
    assert "Récapitulatif de la semaine — COPIL" in recap.text and recap.image is None and recap.item_id
    assert picture.id > recap.id and picture.item_id is None
    assert picture.occurrence_key == f"{recap.occurrence_key}#image"
    assert picture.image is not None and png_size(picture.image) == (640, 250)
    assert plain(picture.text).startswith("COPIL, semaine du lundi 23 novembre 2026 au lundi 30 novembre 2026.")
    assert "Engagements faits : 1 ; en retard : 1 ; en cours dans les temps : 1." in plain(picture.text)
    count = len(world.outbox())
    world.run(paris(2026, 11, 30, 9, 5))  # the scheduler runs again: nothing doubled
    assert len(world.outbox()) == count


@pytest.mark.parametrize("why", ["switched off", "no Pillow"])
def test_without_the_chart_the_recap_is_posted_as_text(store, clock, monkeypatch, caplog, why):
    """Without Pillow the log says it once, at INFO: `relais run`'s log shows it, the console demo does not."""
    config = schedules_config(recap_chart=False) if why == "switched off" else schedules_config()
    if why == "no Pillow":

        def missing(*_args: object) -> bytes:
            raise ImportError("No module named 'PIL'")

        monkeypatch.setattr(chart, "render", missing)
        monkeypatch.setattr(chart, "_NO_PILLOW", [])
    caplog.set_level("INFO", logger="bot.posts.chart")
    world = make_world(store, clock, config)
    week(world)
    world.run(paris(2026, 11, 30, 9))
    recaps = [row for row in world.outbox() if "Récapitulatif de la semaine" in row.text]
    assert len(recaps) == 2  # COPIL's room and the working group's
    assert not [row for row in world.outbox() if row.image is not None or (row.occurrence_key or "").endswith("#image")]
    said = [r for r in caplog.records if "without their chart" in r.getMessage()]
    assert [r.levelname for r in said] == (["INFO"] if why == "no Pillow" else [])


async def test_a_failed_upload_is_retried_alone_and_the_text_stays(world):
    week(world)
    world.run(paris(2026, 11, 30, 9))
    failures = {
        "matrix:!copil:hs": [TemporaryFailure("media repository down")],
        "matrix:!gt:hs": [PermanentFailure("no")],
    }

    def fail_pictures(message) -> None:
        if message.image is not None and failures[message.channel]:
            raise failures[message.channel].pop(0)

    sender = RecordingSender(on_accepted=fail_pictures)
    deliverer = Deliverer(world.store, world.clock, sender)
    await deliverer.deliver_due()

    def pictures() -> dict[str, tuple[OutboxStatus, int]]:
        rows = [row for row in world.outbox() if (row.occurrence_key or "").endswith("#image")]
        return {row.channel: (row.status, row.attempts) for row in rows}

    assert pictures() == {"matrix:!copil:hs": ("pending", 1), "matrix:!gt:hs": ("failed", 1)}
    world.clock.set(paris(2026, 11, 30, 9, 1))  # the retry falls due
    await deliverer.deliver_due()
    assert pictures() == {"matrix:!copil:hs": ("sent", 2), "matrix:!gt:hs": ("failed", 1)}
    kept = {
        row.channel: row.image is not None for row in world.outbox() if (row.occurrence_key or "").endswith("#image")
    }
    assert kept == {"matrix:!copil:hs": False, "matrix:!gt:hs": True}  # a posted picture's bytes are not kept
    recaps = [row for row in world.outbox() if "Récapitulatif de la semaine" in row.text]
    assert [(row.status, row.attempts) for row in recaps] == [("sent", 1), ("sent", 1)]  # each posted once
    assert len([text for text in sender.sent if "Récapitulatif de la semaine" in text]) == 2


def test_the_console_prints_the_chart_as_its_figures(world):
    week(world)
    world.clock.set(paris(2026, 11, 30, 9))
    reply = world.dispatcher.handle(Incoming(identity="console:fabienne", text="/digest", channel="console:copil"))
    assert reply is not None and reply.posts[0].image is not None
    out = io.StringIO()
    ConsoleAdapter("console:fabienne", "console:copil", lambda _: None, out=out).send(reply.posts[0])
    printed = plain(out.getvalue())
    assert "Récapitulatif de la semaine — COPIL" in printed
    assert "[graphique : COPIL, semaine du lundi 23 novembre 2026 au lundi 30 novembre 2026." in printed


async def test_a_picture_waits_for_its_recap_that_waits_for_a_retry(world):
    week(world)
    world.run(paris(2026, 11, 30, 9))
    refused = {"matrix:!copil:hs"}

    def refuse_the_recap_once(message) -> None:
        if message.image is None and message.item_id and message.channel in refused:
            refused.discard(message.channel)
            raise TemporaryFailure("rate limited", retry_after=30)

    sender = RecordingSender(on_accepted=refuse_the_recap_once)
    deliverer = Deliverer(world.store, world.clock, sender)
    await deliverer.deliver_due()
    world.clock.set(paris(2026, 11, 30, 9, 1))
    await deliverer.deliver_due()
    order = [
        ("picture" if m.image is not None else "recap") for m in sender.messages if m.channel == "matrix:!copil:hs"
    ]
    assert order == ["recap", "recap", "picture"]  # refused once, then posted, then its picture


def test_open_on_time_counts_as_is_overdue_decides(testbot):
    """The chart's "open, on time": a day-only due date is on time all its day, a timed one until its hour;
    read from the index of due dates, it agrees with is_overdue on every open commitment."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from bot.models import Circle, Commitment
    from bot.posts.chart import open_on_time
    from bot.services.commitments import is_overdue

    for line in (
        "/engage Préparer le budget aujourd'hui",
        "/engage Réserver la salle demain",
        "/engage Appeler la mairie demain à 11h",
        "/engage Écrire le bilan",
    ):
        assert "#" in testbot.say("alice", line)
    testbot.advance(hours=26)  # Friday 12:00 in Paris
    paris, now = ZoneInfo("Europe/Paris"), testbot.clock.now()
    with testbot.store.unit_of_work() as session:
        circle = session.scalars(select(Circle).where(Circle.name == "COPIL")).one()
        late = [c.title for c in session.scalars(select(Commitment)) if is_overdue(c, now, paris)]
        assert sorted(late) == ["Appeler la mairie", "Préparer le budget"]
        assert open_on_time(session, circle.id, now, paris) == 2
