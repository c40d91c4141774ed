"""Recurrence rules are wall-clock times in the community's zone: DST never moves a recap."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError
from bot.i18n import translator
from bot.recurrence import RuleError, parse_rule
from tests.schedules.support import paris, schedules_config

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("text", "days", "at"),
    [
        ("mon 09:00", {0}, time(9, 0)),
        ("lundi 9h", {0}, time(9, 0)),
        ("Lun, Jeu 9h30", {0, 3}, time(9, 30)),
        ("mon-fri 08:00", {0, 1, 2, 3, 4}, time(8, 0)),
        ("weekdays 18:15", {0, 1, 2, 3, 4}, time(18, 15)),
        ("daily 09:30", set(range(7)), time(9, 30)),
        ("tous les jours à 7h", set(range(7)), time(7, 0)),
        ("09:30", set(range(7)), time(9, 30)),
        ("fri-mon 17:00", {4, 5, 6, 0}, time(17, 0)),
        ("mondays and thursdays at 10:00", {0, 3}, time(10, 0)),
    ],
)
def test_rules_in_english_and_french(text, days, at):
    rule = parse_rule(text)
    assert rule is not None and rule.days == frozenset(days) and rule.at == at


@pytest.mark.parametrize("text", ["off", "non", "aucun", "none", "-"])
def test_off(text):
    assert parse_rule(text) is None


@pytest.mark.parametrize("text", ["mon", "funday 9:00", "mon 25:00", "mon 9:75", "x" * 200, "lun-xyz 9h"])
def test_bad_rules_say_what_is_wrong(text):
    with pytest.raises(RuleError):
        parse_rule(text)


def test_canonical_text_and_description():
    rule = parse_rule("Lundi, jeudi 9h")
    assert rule is not None and rule.text() == "mon,thu 09:00"
    assert parse_rule(rule.text()) == rule
    assert rule.describe(translator("fr")) == "chaque lundi et jeudi à 09:00"
    assert rule.describe(translator("en")) == "every Monday and Thursday at 09:00"
    assert parse_rule("daily 9:30").describe(translator("fr")) == "tous les jours à 09:30"  # type: ignore[union-attr]


@pytest.mark.parametrize("year", [2026, 2027])
def test_monday_recap_stays_at_nine_across_both_dst_changes(year):
    """Last Sunday of March and of October: the Monday after is still 09:00 in Paris."""
    rule = parse_rule("mon 09:00")
    assert rule is not None
    start = datetime(year, 3, 1, tzinfo=UTC)
    mondays = rule.between(start, start + timedelta(days=300), PARIS)
    assert len(mondays) in (42, 43)
    assert {moment.astimezone(PARIS).time() for moment in mondays} == {time(9, 0)}
    assert {moment.weekday() for moment in mondays} == {0}
    utc_hours = {moment.astimezone(PARIS).date().isoformat(): moment.hour for moment in mondays}
    for month, before, after in ((3, 8, 7), (10, 7, 8)):  # CET is UTC+1, CEST UTC+2
        switch = max(datetime(year, month, day) for day in range(25, 32) if datetime(year, month, day).weekday() == 6)
        assert utc_hours[(switch - timedelta(days=6)).date().isoformat()] == before
        assert utc_hours[(switch + timedelta(days=1)).date().isoformat()] == after
    # never "7 days of seconds": the gap between those two Mondays is 167 h, then 169 h
    gaps = {round((b - a).total_seconds() / 3600) for a, b in zip(mondays, mondays[1:], strict=False)}
    assert gaps == {167, 168, 169}


def test_times_inside_the_dst_gap_and_overlap():
    gap = parse_rule("sun 02:30")
    assert gap is not None
    spring = gap.next_after(paris(2027, 3, 27), PARIS)
    assert spring.astimezone(PARIS).isoformat() == "2027-03-28T03:30:00+02:00"  # 02:30 does not exist
    autumn = gap.next_after(paris(2027, 10, 30), PARIS)
    assert autumn.astimezone(PARIS).isoformat() == "2027-10-31T02:30:00+02:00"  # the first 02:30
    assert gap.next_after(autumn, PARIS).astimezone(PARIS).date().isoformat() == "2027-11-07"  # once only


def test_between_next_and_previous():
    rule = parse_rule("mon 09:00")
    assert rule is not None
    monday = paris(2026, 11, 30, 9)
    assert rule.next_after(paris(2026, 11, 26, 10), PARIS) == monday
    assert rule.next_after(monday, PARIS) == paris(2026, 12, 7, 9)
    assert rule.previous(monday, PARIS) == monday
    assert rule.between(monday, monday + timedelta(days=7), PARIS) == [paris(2026, 12, 7, 9)]
    assert rule.between(monday - timedelta(seconds=1), monday, PARIS) == [monday]


def test_settings_defaults_overrides_and_errors():
    settings = schedules_config().schedules
    assert settings.recap_grace == timedelta(hours=12) and settings.reminder_grace == timedelta(minutes=30)
    assert settings.agenda_lead == timedelta(hours=24)
    assert settings.reminder_offsets == (timedelta(hours=24), timedelta(hours=1))
    assert settings.nudge_due_days == (3, 1) and settings.unread_nudge_days == 3
    custom_config = schedules_config(
        recap="fri 16:00", reminder_offsets_hours="2, 48", recap_grace_hours="6", circles={"GT Mobilité": "off"}
    )
    custom = custom_config.schedules
    assert custom.recap is not None and custom.recap.text() == "fri 16:00"
    assert custom.reminder_offsets == (timedelta(hours=48), timedelta(hours=2))
    assert custom.recap_grace == timedelta(hours=6)
    assert custom.recap_rule("GT mobilite") is None

    def with_own(rule: str):
        copil, *others = custom_config.circles
        return replace(custom_config, circles=(replace(copil, recap=rule), *others)).schedules

    assert with_own("mon 09:00").recap_rule("COPIL") == parse_rule("mon 09:00")  # a circle's own rule wins
    assert with_own("wed 10:00").recap_rule("COPIL") == parse_rule("wed 10:00")
    for bad in (
        {"recap": "someday"},
        {"recap_grace_hours": "soon"},
        {"reminder_offsets_hours": [1, -2]},
        {"circles": "COPIL"},
    ):
        with pytest.raises(ConfigError):
            schedules_config(**bad)  # checked when the configuration is made


def test_a_circle_recap_equal_to_the_usual_default_still_wins():
    from bot.config import config_from_dict

    config = config_from_dict(
        {
            "schedules": {"recap": "fri 16:00"},
            "circles": [{"name": "COPIL", "recap": "mon 09:00"}, {"name": "GT"}],
        }
    )
    settings = config.schedules
    assert settings.recap_rule("COPIL") != settings.recap
    assert settings.recap_rule("GT") == settings.recap


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("monday 9am", "mon 09:00"),
        ("Monday at 9:30", "mon 09:30"),
        ("mondays 9am", "mon 09:00"),
        ("every Monday at 9 a.m.", "mon 09:00"),
        ("Mondays at 9:30 PM", "mon 21:30"),
        ("friday 4pm", "fri 16:00"),
        ("monday 12am", "mon 00:00"),
        ("monday noon", "mon 12:00"),
        ("lundi 9h", "mon 09:00"),
        ("le lundi à 9 h 30", "mon 09:30"),
        ("tous les lundis à 9h", "mon 09:00"),
        ("lundi midi", "mon 12:00"),
        ("mon-fri 8.15am", "mon-fri 08:15"),
    ],
)
def test_relais_toml_takes_the_natural_english_and_french_forms(written, canonical):
    """recap = "monday 9am" in relais.toml gives the same rule as the canonical "mon 09:00"."""
    from bot.config import config_from_dict

    settings = config_from_dict({"schedules": {"recap": written}}).schedules
    assert settings.recap == parse_rule(canonical)


@pytest.mark.parametrize(("written", "time_said"), [("monday 13pm", "13pm"), ("lundi 0am", "0am")])
def test_an_impossible_am_pm_hour_is_refused(written, time_said):
    from bot.config import config_from_dict

    with pytest.raises(ConfigError) as refused:
        config_from_dict({"schedules": {"recap": written}})
    assert str(refused.value) == f"schedules.recap: “{time_said}” is not a time of day"  # French: tests/cli
