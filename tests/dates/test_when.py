"""bot.dates: parse_when on a table of everyday phrases, time zones, DST and format_when.

The clock is always injected: Thursday 26 November 2026, 10:00 in Europe/Paris.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.dates import When, format_when, parse_when

PARIS = "Europe/Paris"
MONTREAL = "America/Montreal"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo(PARIS))

# (phrase, language, expected local ISO date or datetime, has_time); None: not a date.
TABLE: list[tuple[str, str, str | None, bool]] = [
    # --- French: what raw dateparser 1.5 misses or gets wrong ---
    ("vendredi prochain", "fr", "2026-12-04", False),
    ("mardi prochain à 18h", "fr", "2026-12-01T18:00", True),
    ("fin janvier", "fr", "2027-01-31", False),
    ("la fin du mois", "fr", "2026-11-30", False),
    ("mi-décembre", "fr", "2026-12-15", False),
    ("Noël", "fr", "2026-12-25", False),
    ("demain 14h", "fr", "2026-11-27T14:00", True),
    ("14h", "fr", "2026-11-26T14:00", True),
    ("le 3", "fr", "2026-12-03", False),
    # --- French: months, weeks, quarters ---
    ("fin du mois", "fr", "2026-11-30", False),
    ("fin de mois", "fr", "2026-11-30", False),
    ("mi décembre", "fr", "2026-12-15", False),
    ("mi-janvier", "fr", "2027-01-15", False),
    ("fin décembre", "fr", "2026-12-31", False),
    ("début décembre", "fr", "2026-12-01", False),
    ("début de mois prochain", "fr", "2026-12-01", False),
    ("début du mois prochain", "fr", "2026-12-01", False),
    ("début du mois", "fr", "2026-12-01", False),
    ("fin de semaine", "fr", "2026-11-27", False),
    ("fin de la semaine prochaine", "fr", "2026-12-04", False),
    ("début de semaine prochaine", "fr", "2026-11-30", False),
    ("fin du trimestre", "fr", "2026-12-31", False),
    ("début du trimestre prochain", "fr", "2027-01-01", False),
    ("fin du trimestre prochain", "fr", "2027-03-31", False),
    ("fin d'année", "fr", "2026-12-31", False),
    ("cette semaine", "fr", "2026-11-27", False),
    ("la semaine prochaine", "fr", "2026-12-04", False),
    ("le mois prochain", "fr", "2026-12-31", False),
    ("ce week-end", "fr", "2026-11-29", False),
    ("en janvier", "fr", "2027-01-01", False),
    ("janvier 2027", "fr", "2027-01-01", False),
    # --- French: durations ---
    ("sous 15 jours", "fr", "2026-12-11", False),
    ("sous huitaine", "fr", "2026-12-04", False),
    ("dans 3 jours", "fr", "2026-11-29", False),
    ("d'ici 3 jours", "fr", "2026-11-29", False),
    ("dans une semaine", "fr", "2026-12-03", False),
    ("dans 2 semaines", "fr", "2026-12-10", False),
    ("dans quinze jours", "fr", "2026-12-11", False),
    ("dans un mois", "fr", "2026-12-26", False),
    ("dans 3 heures", "fr", "2026-11-26T13:00", True),
    ("sous 48h", "fr", "2026-11-28T10:00", True),
    ("dans 2 semaines et 3 jours", "fr", "2026-12-13", False),
    # --- French: days ---
    ("aujourd'hui", "fr", "2026-11-26", False),
    ("demain", "fr", "2026-11-27", False),
    ("après-demain", "fr", "2026-11-28", False),
    ("apres demain", "fr", "2026-11-28", False),
    ("lundi", "fr", "2026-11-30", False),
    ("jeudi", "fr", "2026-12-03", False),
    ("vendredi", "fr", "2026-11-27", False),
    ("ce vendredi", "fr", "2026-11-27", False),
    ("lundi en huit", "fr", "2026-12-07", False),
    ("Pâques", "fr", "2027-03-28", False),
    # --- French: calendar dates ---
    ("15/12", "fr", "2026-12-15", False),
    ("15/12/2027", "fr", "2027-12-15", False),
    ("03/01", "fr", "2027-01-03", False),
    ("2026-12-15", "fr", "2026-12-15", False),
    ("2026-12-15T14:00", "fr", "2026-12-15T14:00", True),
    ("le 15 janvier", "fr", "2027-01-15", False),
    ("15 janvier", "fr", "2027-01-15", False),
    ("le 10 janvier", "fr", "2027-01-10", False),
    ("15 janvier 2027 à 10h", "fr", "2027-01-15T10:00", True),
    ("vendredi 27 novembre", "fr", "2026-11-27", False),
    ("1er décembre", "fr", "2026-12-01", False),
    ("le 1er", "fr", "2026-12-01", False),
    ("le 26", "fr", "2026-11-26", False),
    # --- French: times ---
    ("9h", "fr", "2026-11-27T09:00", True),
    ("9h30", "fr", "2026-11-27T09:30", True),
    ("18h", "fr", "2026-11-26T18:00", True),
    ("à midi", "fr", "2026-11-26T12:00", True),
    ("lundi 9h30", "fr", "2026-11-30T09:30", True),
    ("ce soir", "fr", "2026-11-26T20:00", True),
    ("demain matin", "fr", "2026-11-27T09:00", True),
    ("demain soir", "fr", "2026-11-27T20:00", True),
    ("cet après-midi", "fr", "2026-11-26T14:00", True),
    ("8h du soir", "fr", "2026-11-26T20:00", True),
    ("29 mars 2027 9h", "fr", "2027-03-29T09:00", True),
    # --- French: markers and articles inside the phrase ---
    ("d'ici lundi", "fr", "2026-11-30", False),
    ("avant vendredi 18h", "fr", "2026-11-27T18:00", True),
    ("au plus tard le 15/12", "fr", "2026-12-15", False),
    ("lundi au plus tard", "fr", "2026-11-30", False),
    ("à la mi-décembre", "fr", "2026-12-15", False),
    # --- French: not dates ---
    ("2026", "fr", None, False),
    ("2", "fr", None, False),
    ("la saint-glinglin", "fr", None, False),
    ("dans 4 écoles", "fr", None, False),
    ("3 jours", "fr", None, False),
    ("bonjour", "fr", None, False),
    ("31/02", "fr", None, False),
    ("25h", "fr", None, False),
    ("14h 15h", "fr", None, False),
    # --- French: a number before a weekday or a day word is not a date (dateparser read years) ---
    ("12 jeudi 14h", "fr", None, False),
    ("le 12 jeudi", "fr", None, False),
    ("12 lundi", "fr", None, False),
    ("3 jeudi 10h", "fr", None, False),
    ("2 vendredi", "fr", None, False),
    ("12 demain", "fr", None, False),
    ("demain 12", "fr", None, False),
    ("12 en janvier", "fr", None, False),
    # --- French: a weekday and a day of the month must agree ---
    ("jeudi 3 décembre 14h", "fr", "2026-12-03T14:00", True),
    ("jeudi 10 14h", "fr", "2026-12-10T14:00", True),
    ("le jeudi 3", "fr", "2026-12-03", False),
    ("jeudi 12 14h", "fr", None, False),  # the next 12th is a Saturday: not a guess months away
    ("jeudi 12", "fr", None, False),
    ("vendredi 1er", "fr", None, False),  # 1 December is a Tuesday
    ("mardi 1er", "fr", "2026-12-01", False),
    ("mardi 29 février", "fr", "2028-02-29", False),
    ("vendredi 15/01/2027", "fr", "2027-01-15", False),
    ("jeudi 12 novembre", "fr", None, False),
    ("jeudi 15/01/2027", "fr", None, False),
    ("jeudi 12 du mois prochain", "fr", None, False),
    ("dimanche 29 février", "fr", None, False),
    # --- English: what raw dateparser 1.5 misses or gets wrong ---
    ("end of January", "en", "2027-01-31", False),
    ("mid-December", "en", "2026-12-15", False),
    ("the 3rd", "en", "2026-12-03", False),
    ("next friday", "en", "2026-12-04", False),
    ("next tuesday at 6pm", "en", "2026-12-01T18:00", True),
    ("Christmas", "en", "2026-12-25", False),
    ("tomorrow 2pm", "en", "2026-11-27T14:00", True),
    ("2pm", "en", "2026-11-26T14:00", True),
    # --- English: months, weeks, quarters ---
    ("end of the month", "en", "2026-11-30", False),
    ("end of month", "en", "2026-11-30", False),
    ("the end of next month", "en", "2026-12-31", False),
    ("beginning of next month", "en", "2026-12-01", False),
    ("beginning of the month", "en", "2026-12-01", False),
    ("early December", "en", "2026-12-01", False),
    ("late January", "en", "2027-01-31", False),
    ("end of the week", "en", "2026-11-27", False),
    ("end of next week", "en", "2026-12-04", False),
    ("beginning of next week", "en", "2026-11-30", False),
    ("end of the quarter", "en", "2026-12-31", False),
    ("beginning of next quarter", "en", "2027-01-01", False),
    ("end of the year", "en", "2026-12-31", False),
    ("this week", "en", "2026-11-27", False),
    ("next week", "en", "2026-12-04", False),
    ("next month", "en", "2026-12-31", False),
    ("this weekend", "en", "2026-11-29", False),
    ("in January", "en", "2027-01-01", False),
    # --- English: durations ---
    ("within 2 weeks", "en", "2026-12-10", False),
    ("in 3 days", "en", "2026-11-29", False),
    ("in a week", "en", "2026-12-03", False),
    ("in a month", "en", "2026-12-26", False),
    ("in two weeks", "en", "2026-12-10", False),
    ("2 weeks from now", "en", "2026-12-10", False),
    ("in a fortnight", "en", "2026-12-10", False),
    ("in 2 hours", "en", "2026-11-26T12:00", True),
    ("in 5 business days", "en", "2026-12-03", False),
    # --- English: days ---
    ("today", "en", "2026-11-26", False),
    ("tomorrow", "en", "2026-11-27", False),
    ("day after tomorrow", "en", "2026-11-28", False),
    ("the day after tomorrow", "en", "2026-11-28", False),
    ("monday", "en", "2026-11-30", False),
    ("thursday", "en", "2026-12-03", False),
    ("this friday", "en", "2026-11-27", False),
    ("Easter", "en", "2027-03-28", False),
    ("New Year's Eve", "en", "2026-12-31", False),
    # --- English: calendar dates ---
    ("12/15", "en", "2026-12-15", False),
    ("12/15/2027", "en", "2027-12-15", False),
    ("1/3", "en", "2027-01-03", False),
    ("2026-12-15", "en", "2026-12-15", False),
    ("2026-12-15T14:00", "en", "2026-12-15T14:00", True),
    ("January 15", "en", "2027-01-15", False),
    ("15 January", "en", "2027-01-15", False),
    ("Jan 15th", "en", "2027-01-15", False),
    ("the 15th of January", "en", "2027-01-15", False),
    ("January 10", "en", "2027-01-10", False),
    ("Friday, November 27, 2026", "en", "2026-11-27", False),
    ("December 15th, 2026 at 2pm", "en", "2026-12-15T14:00", True),
    ("on the 1st", "en", "2026-12-01", False),
    # --- English: times ---
    ("9:30", "en", "2026-11-27T09:30", True),
    ("6pm", "en", "2026-11-26T18:00", True),
    ("6:30 pm", "en", "2026-11-26T18:30", True),
    ("noon", "en", "2026-11-26T12:00", True),
    ("at noon", "en", "2026-11-26T12:00", True),
    ("9am", "en", "2026-11-27T09:00", True),
    ("monday 9:30am", "en", "2026-11-30T09:30", True),
    ("tomorrow at 2pm", "en", "2026-11-27T14:00", True),
    ("tomorrow at 6", "en", "2026-11-27T18:00", True),
    ("tonight", "en", "2026-11-26T20:00", True),
    ("tomorrow morning", "en", "2026-11-27T09:00", True),
    ("friday afternoon", "en", "2026-11-27T14:00", True),
    ("end of day", "en", "2026-11-26T18:00", True),
    ("midnight", "en", "2026-11-26T23:59", True),
    ("March 29, 2027 9am", "en", "2027-03-29T09:00", True),
    # --- English: markers and articles inside the phrase ---
    ("by Friday", "en", "2026-11-27", False),
    ("before tomorrow at 2pm", "en", "2026-11-27T14:00", True),
    ("by the end of the month", "en", "2026-11-30", False),
    ("on Monday", "en", "2026-11-30", False),
    ("Monday at the latest", "en", "2026-11-30", False),
    # --- English: not dates ---
    ("2026", "en", None, False),
    ("2", "en", None, False),
    ("in 4 schools", "en", None, False),
    ("3 days", "en", None, False),
    ("hello", "en", None, False),
    ("13/13", "en", None, False),
    ("when pigs fly", "en", None, False),
    ("sept", "en", None, False),
    # --- English: a number before a weekday or a day word is not a date ---
    ("12 monday", "en", None, False),
    ("3 thursday 10am", "en", None, False),
    ("2 friday", "en", None, False),
    ("12 tomorrow", "en", None, False),
    ("a monday", "en", None, False),
    # --- English: a weekday and a day of the month must agree ---
    ("Thursday 3rd", "en", "2026-12-03", False),
    ("Thursday, December 3 at 2pm", "en", "2026-12-03T14:00", True),
    ("Thursday 12th", "en", None, False),
    ("Thursday the 12th at 2pm", "en", None, False),
    ("Tuesday the 1st at 2pm", "en", "2026-12-01T14:00", True),
    ("Saturday 12/12", "en", "2026-12-12", False),
    ("Thursday December 12", "en", None, False),
    ("Thursday 12/12/2026", "en", None, False),
]


def _expected(expected: str, tz: str = PARIS) -> datetime:
    if "T" in expected:
        return datetime.fromisoformat(expected).replace(tzinfo=ZoneInfo(tz))
    return datetime.fromisoformat(expected + "T00:00").replace(tzinfo=ZoneInfo(tz))


def _ok(phrase: str, language: str, expected: str | None, has_time: bool) -> bool:
    when = parse_when(phrase, NOW, PARIS, language)
    if expected is None:
        return when is None
    return (
        when is not None
        and when.at == _expected(expected)
        and when.at.utcoffset() == _expected(expected).utcoffset()
        and when.has_time is has_time
    )


@pytest.mark.parametrize(
    ("phrase", "language", "expected", "has_time"),
    TABLE,
    ids=[f"{language}:{phrase}" for phrase, language, _e, _t in TABLE],
)
def test_table(phrase: str, language: str, expected: str | None, has_time: bool) -> None:
    when = parse_when(phrase, NOW, PARIS, language)
    if expected is None:
        assert when is None
        return
    assert when is not None, f"{phrase!r} not understood"
    assert when.at.tzinfo is not None
    assert when.at.isoformat() == _expected(expected).isoformat()
    assert when.has_time is has_time


def test_table_size_and_score() -> None:
    for language in ("fr", "en"):
        rows = [row for row in TABLE if row[1] == language]
        assert len(rows) >= 80
        right = sum(_ok(*row) for row in rows)
        assert right / len(rows) >= 0.95, f"{language}: {right}/{len(rows)}"


def test_dst_spring_forward_paris() -> None:
    when = parse_when("29 mars 2027 9h", NOW, PARIS, "fr")
    assert when is not None and when.at.utcoffset() == timedelta(hours=2)
    before = parse_when("27 mars 2027 9h", NOW, PARIS, "fr")
    assert before is not None and before.at.utcoffset() == timedelta(hours=1)


def test_dst_gap_moves_forward() -> None:
    when = parse_when("28 mars 2027 2h30", NOW, PARIS, "fr")  # 02:30 does not exist that night
    assert when is not None
    assert when.at.isoformat() == "2027-03-28T03:30:00+02:00"


def test_durations_in_hours_count_real_time_across_dst() -> None:
    now = datetime(2027, 3, 27, 23, 0, tzinfo=ZoneInfo(PARIS))
    when = parse_when("dans 5 heures", now, PARIS, "fr")
    assert when is not None
    assert when.at.astimezone(UTC) - now.astimezone(UTC) == timedelta(hours=5)
    assert when.at.isoformat() == "2027-03-28T05:00:00+02:00"


def test_other_time_zone_montreal() -> None:
    # Same instant as NOW: 04:00 in Montreal.
    tomorrow = parse_when("demain 14h", NOW, MONTREAL, "fr")
    assert tomorrow is not None and tomorrow.at.isoformat() == "2026-11-27T14:00:00-05:00"
    nine = parse_when("9am", NOW, MONTREAL, "en")  # still ahead in Montreal, past in Paris
    assert nine is not None and nine.at.isoformat() == "2026-11-26T09:00:00-05:00"
    paris_nine = parse_when("9am", NOW, PARIS, "en")
    assert paris_nine is not None and paris_nine.at.isoformat() == "2026-11-27T09:00:00+01:00"
    monday = parse_when("monday", NOW, MONTREAL, "en")
    assert monday is not None and monday.at.isoformat() == "2026-11-30T00:00:00-05:00"
    spring = parse_when("March 15, 2027 at 10am", NOW, MONTREAL, "en")  # DST starts 14 March 2027
    assert spring is not None and spring.at.utcoffset() == timedelta(hours=-4)


def test_now_in_utc_is_read_in_local_time() -> None:
    late = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)  # already Friday 27 Nov, 00:30 in Paris
    when = parse_when("demain", late, PARIS, "fr")
    assert when is not None and when.at.date().isoformat() == "2026-11-28"
    montreal = parse_when("tomorrow", late, MONTREAL, "en")  # still Thursday 18:30 in Montreal
    assert montreal is not None and montreal.at.date().isoformat() == "2026-11-27"


def test_naive_now_is_local_time() -> None:
    when = parse_when("14h", datetime(2026, 11, 26, 10, 0), PARIS, "fr")
    assert when is not None and when.at.isoformat() == "2026-11-26T14:00:00+01:00"


def test_result_depends_only_on_the_injected_clock() -> None:
    later = NOW + timedelta(days=40)  # Tuesday 5 January 2027
    when = parse_when("vendredi", later, PARIS, "fr")
    assert when is not None and when.at.date().isoformat() == "2027-01-08"
    assert parse_when("le 3", later, PARIS, "fr").at.date().isoformat() == "2027-02-03"  # type: ignore[union-attr]


def test_past_dates_are_returned_for_the_caller_to_refuse() -> None:
    yesterday = parse_when("hier", NOW, PARIS, "fr")
    assert yesterday is not None and yesterday.at.date().isoformat() == "2026-11-25"
    old = parse_when("15/01/2020", NOW, PARIS, "fr")
    assert old is not None and old.at.year == 2020
    tonight = parse_when("ce soir", NOW.replace(hour=21), PARIS, "fr")
    assert tonight is not None and tonight.at < NOW.replace(hour=21)


def test_language_variants_and_accents() -> None:
    assert parse_when("apres-demain", NOW, PARIS, "fr-FR") == parse_when("après-demain", NOW, PARIS, "fr")
    assert parse_when("DECEMBRE 15", NOW, PARIS, "fr") is not None
    assert parse_when("d’ici lundi", NOW, PARIS, "fr") == parse_when("d'ici lundi", NOW, PARIS, "fr")


def test_unknown_time_zone_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_when("demain", NOW, "Mars/Olympus_Mons", "fr")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "x" * 10_000,
        "lundi " * 2_000,
        "🎉🎉🎉",
        "שלום עולם",
        "'; DROP TABLE dates; --",
        "<script>alert(1)</script>",
        "\u202e15/12",
        "\x00\x01",
        "99/99/9999",
        "9" * 50,
        "à à à",
        "le le le 3",
    ],
)
def test_odd_input_never_raises(text: str) -> None:
    started = time.perf_counter()
    for language in ("fr", "en"):
        result = parse_when(text, NOW, PARIS, language)
        assert result is None or isinstance(result, When)
    assert time.perf_counter() - started < 0.5


class _FakeParser:
    """Stands for dateparser's DateDataParser: answers `found` whatever the phrase."""

    found = datetime(2114, 11, 12)

    def __init__(self, **_kwargs: object) -> None:
        pass

    def get_date_data(self, _text: str) -> object:
        return type("DateData", (), {"date_obj": self.found, "period": "day"})()


@pytest.mark.parametrize(
    ("phrase", "found", "expected", "has_time"),
    [
        ("dans 2 semaines et 3 jours", datetime(2114, 12, 13), None, False),  # a year never typed
        ("dans 2 semaines et 3 jours", datetime(2026, 12, 13), "2026-12-13", False),
        ("dans 2 semaines et 3 jours 2114", datetime(2114, 12, 13), None, False),  # not after a date
        ("dans 2 semaines et 3 jours à 14h", datetime(2026, 12, 13), None, False),  # the clock time is lost
        ("dans 2 semaines et 3 jours à 14h", datetime(2026, 12, 13, 14), "2026-12-13T14:00", True),
        ("dans 2 semaines et 3 jours lundi", datetime(2026, 12, 13), None, False),  # a Sunday
    ],
)
def test_dateparser_answers_are_checked(
    monkeypatch: pytest.MonkeyPatch, phrase: str, found: datetime, expected: str | None, has_time: bool
) -> None:
    monkeypatch.setattr("bot.dates.core.DateDataParser", type("Fake", (_FakeParser,), {"found": found}))
    when = parse_when(phrase, NOW, PARIS, "fr")
    if expected is None:
        assert when is None
    else:
        assert when == When(at=_expected(expected), has_time=has_time)


def test_no_result_far_away_without_its_year() -> None:
    for phrase, language in [("12 jeudi 14h", "fr"), ("14 jeudi 12", "fr"), ("3 thursday 14", "en")]:
        when = parse_when(phrase, NOW, PARIS, language)
        assert when is None or abs(when.at.year - NOW.year) <= 3


def test_a_weekday_must_agree_with_the_next_such_day_of_the_month() -> None:
    later = NOW + timedelta(days=40)  # Tuesday 5 January 2027: 12 January is a Tuesday
    assert parse_when("mardi 12", later, PARIS, "fr").at.date().isoformat() == "2027-01-12"  # type: ignore[union-attr]
    assert parse_when("vendredi 12", later, PARIS, "fr") is None  # 12 January 2027 is a Tuesday
    assert parse_when("Friday the 13th", NOW, PARIS, "en") is None  # 13 December 2026 is a Sunday


def test_format_when() -> None:
    paris = ZoneInfo(PARIS)
    timed = When(at=datetime(2026, 11, 27, 14, 0, tzinfo=paris), has_time=True)
    day = When(at=datetime(2026, 11, 27, 0, 0, tzinfo=paris), has_time=False)
    assert format_when(timed, "fr") == "vendredi 27 novembre 2026 à 14:00"
    assert format_when(day, "fr") == "vendredi 27 novembre 2026"
    assert format_when(timed, "en") == "Friday 27 November 2026 at 14:00"
    assert format_when(day, "en") == "Friday 27 November 2026"


def test_format_when_keeps_the_local_zone() -> None:
    montreal = When(at=datetime(2026, 11, 27, 23, 30, tzinfo=ZoneInfo(MONTREAL)), has_time=True)
    assert format_when(montreal, "en") == "Friday 27 November 2026 at 23:30"  # not Saturday in UTC


def test_round_trip_parse_then_format() -> None:
    when = parse_when("mardi prochain à 18h", NOW, PARIS, "fr")
    assert when is not None and format_when(when, "fr") == "mardi 1 décembre 2026 à 18:00"
    when = parse_when("end of January", NOW, PARIS, "en")
    assert when is not None and format_when(when, "en") == "Sunday 31 January 2027"
