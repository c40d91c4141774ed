"""`relais demo`: each language's demo in its own words and its own database, with a history
(something overdue, older items, a past meeting) whatever the day it starts; --reset empties the
database it is given, and only a demo."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.clock import FixedClock
from bot.models import Commitment, Meeting
from relais.cli import main
from relais.cli_support import build
from relais.demo import DEMOS, demo_config, seed_demo

PARIS = ZoneInfo("Europe/Paris")


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def demo(args: list[str], stdin: str, tmp_path) -> str:
    result = CliRunner().invoke(
        main, ["demo", *args], input=stdin, env={"XDG_DATA_HOME": str(tmp_path / "data"), "LANG": "C"}
    )
    assert result.exit_code == 0, result.output
    return plain(result.output)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("day", range(7))
def test_every_line_of_the_story_is_understood_whatever_the_day(tmp_path, language, day):
    now = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS) + timedelta(days=day, hours=day * 2)  # Monday…Sunday
    config = demo_config(f"sqlite:///{tmp_path / 'demo.db'}", language)
    app = build(config, FixedClock(now))
    try:
        assert seed_demo(app) and not seed_demo(app)  # told once
        with app.store.unit_of_work() as session:
            commitments = {row.item.number: row for row in session.scalars(select(Commitment))}
            meetings = {row.item.number: row for row in session.scalars(select(Meeting))}
    finally:
        app.close()
    assert sorted(commitments) == [3, 6, 7, 8, 10, 15] and sorted(meetings) == [2, 13, 14]
    assert all(row.due_at is not None for row in commitments.values())  # every date was understood
    assert commitments[3].due_at < now and commitments[3].status == "open"  # overdue
    assert commitments[6].status == "done" and commitments[7].progress == 40
    assert all(row.due_at > now for number, row in commitments.items() if number not in (3, 6))
    assert meetings[2].starts_at < now - timedelta(days=14)  # took place
    assert all(now < meetings[number].starts_at < now + timedelta(days=14) for number in (13, 14))
    for meeting in meetings.values():
        assert meeting.starts_at.astimezone(PARIS).weekday() in (1, 3)  # Tuesday and Thursday, as written


def test_the_english_demo_is_english_and_has_something_to_show(tmp_path):
    out = demo(
        ["--lang", "en", "--now", "2026-11-26T10:00"], "/actions overdue\n/level\n/meetings\n/unread\n", tmp_path
    )
    assert "#3 Map the home-to-school journeys · Amina (Trait d'union association) · Mobility group" in out
    assert "due Thursday 19 November 2026 ⚠️ overdue" in out
    assert "Reading level, the whole community" in out and "Bruno (Jean-Moulin middle school): 3/3" in out
    assert "#13 Follow-up committee" in out and "Thursday 3 December 2026 at 14:00" in out
    assert "#12 · Steering committee · Claire" in out
    assert "Relais demo" not in out  # piped: no banner, as a script expects
    assert (tmp_path / "data" / "relais" / "demo-en.db").exists()
    assert not (tmp_path / "data" / "relais" / "demo-fr.db").exists()


def test_the_french_demo_is_french(tmp_path):
    out = demo(["--now", "2026-11-26T10:00"], "/actions retard\n/réunions\n", tmp_path)
    assert "#3 Cartographier les trajets domicile-collège" in out and "jeudi 19 novembre 2026 ⚠️ en retard" in out
    assert "#13 COPIL de suivi" in out and "jeudi 3 décembre 2026 à 14:00" in out
    assert (tmp_path / "data" / "relais" / "demo-fr.db").exists()


def test_the_recap_of_the_demo_has_a_week_to_tell(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = CliRunner().invoke(main, ["digest", "--demo", "--db", url, "--now", "2026-11-26T10:00", "--lang", "en"])
    out = plain(result.output)
    assert "📋 Weekly recap — Steering committee" in out and "New commitments (2)" in out
    assert "⚠️ Overdue (1)" in out and "#3 Map the home-to-school journeys" in out
    assert "Coming meetings" in out and "Information level" in out


def test_reset_starts_again_in_the_database_given(tmp_path):
    url = f"sqlite:///{tmp_path / 'mine.db'}"
    first = demo(["--db", url, "--now", "2026-11-26T10:00"], "/engage Un essai demain\n", tmp_path)
    assert "Engagement #16 enregistré" in first
    again = demo(["--db", url, "--now", "2026-11-26T10:00"], "/show #16\n", tmp_path)
    assert "Un essai" in again
    reset = demo(["--db", url, "--reset", "--now", "2026-11-26T10:00"], "/show #16\n/show #15\n", tmp_path)
    assert "Un essai" not in reset and "Préparer l'ordre du jour du COPIL de suivi" in reset
    assert not (tmp_path / "data").exists()  # the default demo was not touched


def test_reset_refuses_a_database_that_is_not_a_demo(tmp_path):
    url = f"sqlite:///{tmp_path / 'team.db'}"
    runner = CliRunner()
    runner.invoke(main, ["chat", "--as", "alice", "--db", url], input="/engage Rapport annuel\n")
    result = runner.invoke(main, ["demo", "--db", url, "--reset"], input="", env={"LANG": "C"})
    assert result.exit_code == 2
    assert plain(result.output).strip() == (
        f"{url} contient la communauté « Communauté d'action », pas une démo : elle n’a pas été remise à zéro"
    )
    english = runner.invoke(main, ["demo", "--db", url, "--reset", "--lang", "en"], input="")
    assert english.exit_code == 2 and "holds the community “Communauté d'action”, not a demo" in english.output
    out = runner.invoke(main, ["chat", "--as", "alice", "--db", url], input="/actions\n").output
    assert "Rapport annuel" in out  # nothing was removed


def test_each_demo_has_its_database_to_itself(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    demo(["--db", url], "", tmp_path)
    result = CliRunner().invoke(main, ["demo", "--db", url, "--lang", "en"], input="")
    assert result.exit_code == 2 and plain(result.output).strip() == (
        f"{url} already holds the community “Réussite éducative en Essonne”: give this demo another --db, "
        "or start again with --reset"
    )
    english = demo(
        ["--db", url, "--lang", "en", "--reset", "--now", "2026-11-26T10:00"], "/actions overdue\n", tmp_path
    )
    assert "Map the home-to-school journeys" in english  # --reset made room for it


def test_each_demo_names_its_circles_in_its_language():
    assert [name for name, _ in DEMOS["fr"].circles] == ["COPIL", "GT Mobilité", "GT Numérique"]
    assert [name for name, _ in DEMOS["en"].circles] == ["Steering committee", "Mobility group", "Digital group"]


def test_a_demo_database_holding_a_real_community_does_not_send_to_a_reset_that_refuses(tmp_path):
    """Before: "already holds the community “Communauté d'action”: … or start again with --reset", and --reset
    then answered "not a demo: it was not reset" — a dead end for someone trying things out."""
    url = f"sqlite:///{tmp_path / 'mixed.db'}"
    runner = CliRunner()
    runner.invoke(main, ["chat", "--as", "alice", "--db", url], input="/engage Rapport annuel\n")
    result = runner.invoke(main, ["demo", "--db", url], input="", env={"LANG": "C"})
    assert result.exit_code == 2
    assert plain(result.output).strip() == (
        f"{url} contient déjà la communauté « Communauté d'action », qui n’est pas une démo : "
        "donnez à cette démo une autre --db (--reset ne l’effacerait pas)"
    )
