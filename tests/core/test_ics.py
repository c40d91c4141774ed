"""`relais export meetings --format ics`: a file calendar apps import (read back with icalendar)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from icalendar import Calendar

from bot.ics import meetings_calendar
from relais.cli import main

PARIS = ZoneInfo("Europe/Paris")


def events(data: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(data)
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


def export(testbot) -> bytes:
    with testbot.store.unit_of_work() as session:
        return meetings_calendar(session, testbot.dispatcher.community(session), testbot.clock.now())


def test_meetings_in_the_calendar_with_their_zone(testbot):
    testbot.say("fabienne", "/meeting COPIL de rentrée jeudi 14h #copil salle du conseil")
    testbot.say("fabienne", "/meeting Atelier trajets #gt 29 mars 2027 18h https://visio.example.org/gt")
    testbot.say("fabienne", "/meeting Annulée vendredi 10h")
    testbot.say("fabienne", "/cancel-meeting #3")
    data = export(testbot)
    calendar = Calendar.from_ical(data)
    assert calendar["version"] == "2.0" and str(calendar["x-wr-calname"]) == "Test community"
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    found = events(data)
    copil = found["COPIL de rentrée"]
    start = copil.decoded("dtstart")
    assert start.tzinfo is not None and start.astimezone(PARIS).isoformat() == "2026-12-03T14:00:00+01:00"
    assert copil.decoded("dtend") - start == timedelta(minutes=120)
    assert str(copil["location"]) == "salle du conseil" and str(copil["status"]) == "CONFIRMED"
    assert "Réunion #1 de l’instance COPIL" in str(copil["description"])
    assert str(copil["uid"]).endswith("-meeting-1@relais")
    summer = found["Atelier trajets"]
    assert summer.decoded("dtstart").astimezone(PARIS).isoformat() == "2027-03-29T18:00:00+02:00"  # after DST
    assert str(summer["url"]) == "https://visio.example.org/gt" and summer["categories"].cats == ["GT Mobilité"]
    assert str(found["Annulée"]["status"]) == "CANCELLED" and int(found["Annulée"]["sequence"]) == 1
    again = events(export(testbot))
    assert {str(e["uid"]) for e in again.values()} == {str(e["uid"]) for e in found.values()}  # stable UIDs


def test_user_text_cannot_break_the_file(testbot):
    testbot.say("fabienne", "/meeting Réunion; VERSION:9, BEGIN:VEVENT jeudi 14h salle A; étage 2, porte \\")
    found = events(export(testbot))
    assert len(found) == 1
    event = next(iter(found.values()))
    assert str(event["summary"]) == "Réunion; VERSION:9, BEGIN:VEVENT"
    assert str(event["location"]) == "salle A; étage 2, porte \\"


def test_a_meeting_created_in_the_console_appears_in_the_exported_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    config = tmp_path / "relais.toml"
    config.write_text('[community]\nname = "Essai"\nfacilitators = ["console:camille"]\n', encoding="utf-8")
    runner = CliRunner()
    chat = runner.invoke(
        main,
        ["--config", str(config), "chat", "--as", "camille", "--now", "2026-11-26T10:00", "--db", url],
        input="/meeting COPIL de rentrée jeudi 14h salle du conseil\n",
    )
    assert "Réunion #1 planifiée" in chat.output
    target = tmp_path / "meetings.ics"
    result = runner.invoke(
        main, ["--config", str(config), "export", "meetings", "--format", "ics", "-o", str(target), "--db", url]
    )
    assert result.exit_code == 0 and "1 réunion écrite dans" in result.output
    event = events(target.read_bytes())["COPIL de rentrée"]
    assert event.decoded("dtstart").astimezone(PARIS).strftime("%A %d %B %H:%M") == "Thursday 03 December 14:00"
    stdout = runner.invoke(main, ["--config", str(config), "export", "meetings", "--db", url])
    assert stdout.exit_code == 0 and "BEGIN:VCALENDAR" in stdout.output and "SUMMARY:COPIL de rentrée" in stdout.output


def test_meeting_uids_differ_between_installations():
    from datetime import UTC, datetime

    from bot.ics import meeting_uid
    from bot.models import Community, Item, Meeting

    meeting = Meeting(item=Item(number=3))
    here = Community(id=1, name="Essonne", created_at=datetime(2026, 1, 1, tzinfo=UTC))
    there = Community(id=1, name="Essonne", created_at=datetime(2026, 3, 2, tzinfo=UTC))
    assert meeting_uid(here, meeting) == meeting_uid(here, meeting)
    assert meeting_uid(here, meeting) != meeting_uid(there, meeting)
    assert meeting_uid(here, meeting).endswith("-meeting-3@relais")
