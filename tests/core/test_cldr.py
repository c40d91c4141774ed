"""bot.cldr writes dates and percentages as Babel does (it keeps Babel's 6 MB of locale data out of a running
Relais): every day of two years, at several times, both languages, and percentages from -150 % to 1,500 %."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_datetime, get_day_names
from babel.numbers import format_percent

from bot import cldr

PARIS = ZoneInfo("Europe/Paris")
DAYS = [date(2026, 1, 1) + timedelta(days=offset) for offset in range(2 * 366)]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_dates_are_written_as_babel_writes_them(language):
    at = {"fr": "'à'", "en": "'at'"}[language]
    for day in DAYS:
        assert cldr.long_date(day, language) == format_date(day, "EEEE d MMMM y", locale=language)
        assert cldr.short_date(day, language) == format_date(day, "d MMM", locale=language)
        for clock in (time(0, 0), time(9, 5), time(14, 30), time(23, 59)):
            moment = datetime.combine(day, clock, PARIS)
            expected = format_datetime(moment, f"EEEE d MMMM y {at} HH:mm", tzinfo=PARIS, locale=language)
            assert cldr.long_datetime(moment, language) == expected


@pytest.mark.parametrize("language", ["fr", "en"])
def test_day_names_and_percentages_are_babel_s(language):
    names = get_day_names("wide", locale=language)
    assert [cldr.day_name(day, language) for day in range(7)] == [str(names[day]) for day in range(7)]
    values = [step / 8 for step in range(-1200, 12001)] + [-0.0, 100 / 3, 200 / 3, 0.005, 0.015, 0.025, 12.345, 99.5]
    for value in values:
        assert cldr.percent(value / 100, language) == format_percent(value / 100, locale=language), value


def test_a_date_a_share_and_a_translation_leave_babel_out():
    """What a command writes (its due date, a share, its translated words) imports neither Babel nor pytz."""
    import subprocess
    import sys

    script = (
        "import sys\nfrom datetime import datetime\nfrom zoneinfo import ZoneInfo\n"
        "from bot.dates import When, format_when\nfrom bot.cldr import percent\nfrom bot.i18n import translator\n"
        "at = datetime(2026, 11, 27, 14, tzinfo=ZoneInfo('Europe/Paris'))\n"
        "print(format_when(When(at, True), 'fr'), percent(0.5, 'fr'),\n"
        "      translator('fr').t('Due: {when}.', when='demain'))\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in ('babel', 'pytz')))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    written, imported = run.stdout.splitlines()
    assert written == "vendredi 27 novembre 2026 à 14:00 50\u00a0% Échéance\u00a0: demain."
    assert imported == "[]"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_instants_around_europe_paris_clock_changes(language):
    """Every quarter of an hour across both 2026 changes (02:00 skipped in March, 02:00-03:00 twice in October)."""
    at = {"fr": "'à'", "en": "'at'"}[language]
    for start in (datetime(2026, 3, 28, 22, tzinfo=UTC), datetime(2026, 10, 24, 22, tzinfo=UTC)):
        for quarter in range(4 * 30):
            moment = (start + timedelta(minutes=15 * quarter)).astimezone(PARIS)
            expected = format_datetime(moment, f"EEEE d MMMM y {at} HH:mm", tzinfo=PARIS, locale=language)
            assert cldr.long_datetime(moment, language) == expected


def test_infinite_shares_years_and_the_first_of_the_month_as_babel():
    for share in (float("inf"), float("-inf"), float("nan"), 1e-20, 1e20):
        for language in ("fr", "en"):
            assert cldr.percent(share, language) == format_percent(share, locale=language)
    for day in (date(1, 1, 1), date(999, 12, 1), date(9999, 12, 31)):
        assert cldr.long_date(day, "fr") == format_date(day, "EEEE d MMMM y", locale="fr")
    assert cldr.long_date(date(2026, 12, 1), "fr") == "mardi 1 décembre 2026"  # Babel (CLDR) writes 1, not 1er
