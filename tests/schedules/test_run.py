"""run_due across a simulated week, a DST change and downtimes: each post once, late ones marked,
missed ones reported, nothing silently dropped."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.markup import to_plain
from bot.models import Item, OutboxMessage
from bot.reply import Incoming
from tests.schedules.support import (
    PARIS,
    make_world,
    paris,
    schedules_config,
    setup_week,
)


def test_a_week_posts_each_recap_agenda_reminder_digest_and_nudge_once(world):
    setup_week(world)
    outcomes = world.until(paris(2026, 12, 3, 23))
    done = Counter((o.kind, o.status) for o in outcomes)
    assert done[("recap", "posted")] == 2  # COPIL and GT Mobilité, Monday 09:00
    assert done[("agenda", "posted")] == 1 and done[("reminder", "posted")] == 1
    assert done[("digest", "posted")] == 1
    assert done[("nudges", "posted")] + done[("nudges", "empty")] == 7  # Fri 27 Nov … Thu 3 Dec, 09:30
    assert not any(o.status in ("late", "missed") for o in outcomes)
    when = {(o.kind, o.key.split(":")[0]): o.due_at.astimezone(PARIS).strftime("%a %H:%M") for o in outcomes}
    assert when[("recap", "recap")] == "Mon 09:00" and when[("digest", "digest")] == "Mon 08:30"
    assert when[("agenda", "agenda")] == "Wed 14:00" and when[("reminder", "reminder")] == "Thu 13:00"
    # again, and again: nothing more
    assert world.run() == [] and world.run(paris(2026, 12, 3, 23, 30)) == []
    rows = world.outbox()
    keys = [row.occurrence_key for row in rows]
    assert all(keys) and len(keys) == len(set(keys))
    assert sum(o.outbox for o in outcomes) == len(rows)
    per_member_day = Counter(
        (row.member_id, row.created_at.astimezone(PARIS).date(), row.text.split("\n")[0][:2])
        for row in rows
        if row.member_id is not None
    )
    assert max(per_member_day.values()) == 1  # at most one nudge (and one digest) per member and day
    recaps = [row for row in rows if row.text.startswith("📋")]
    assert {row.channel for row in recaps} == {"matrix:!copil:hs", "matrix:!gt:hs"} and all(r.item_id for r in recaps)
    copil = to_plain(next(row.text for row in recaps if row.channel == "matrix:!copil:hs"))
    assert "Récapitulatif de la semaine — COPIL" in copil
    assert "#2 Envoyer le compte rendu — Alice" in copil and "Prochaines réunions" in copil
    assert "Réagissez avec ✅ ou tapez !lu" in copil  # its rooms are on Matrix
    agenda = to_plain(next(row.text for row in rows if row.text.startswith("🗓️")))
    assert "Ordre du jour — COPIL de rentrée" in agenda and "Point budget — proposé par Bob" in agenda
    reminder = to_plain(next(row.text for row in rows if row.text.startswith("⏰")))
    assert "commence dans 1 heure" in reminder and "L’ordre du jour est le #" in reminder
    nudges = [to_plain(row.text) for row in rows if row.text.startswith("👋")]
    assert any("Réserver la salle arrive à échéance demain" in text for text in nudges)
    assert any("Envoyer le compte rendu arrive à échéance dans 3 jours" in text for text in nudges)
    assert any("Réserver la salle était attendu pour le dimanche 29 novembre 2026" in text for text in nudges)


def test_recap_is_an_item_to_acknowledge(world):
    setup_week(world)
    world.until(paris(2026, 11, 30, 9))
    number = int(world.say("alice", "/unread").split("#")[1].split(" ")[0])
    assert "Récapitulatif de la semaine" in world.say("alice", "/unread")
    assert "confirmée" in world.say("alice", f"/read #{number}")
    with world.store.unit_of_work() as session:
        kinds = set(session.scalars(select(Item.kind).where(Item.must_read.is_(True))))
    assert {"recap", "update"} <= kinds


@pytest.mark.parametrize(
    ("start", "monday", "utc_hour"),
    [
        (paris(2027, 3, 25, 10), paris(2027, 3, 29, 9), 7),  # after the last Sunday of March: CEST
        (paris(2027, 10, 28, 10), paris(2027, 11, 1, 9), 8),  # after the last Sunday of October: CET
    ],
)
def test_dst_change_keeps_the_recap_at_nine(store, clock, start, monday, utc_hour):
    clock.set(start)
    world = make_world(store, clock, schedules_config())
    world.run()
    before = world.until(monday - timedelta(minutes=1))
    assert [o for o in before if o.kind == "recap"] == []
    at_nine = world.run(monday)
    recaps = [o for o in at_nine if o.kind == "recap"]
    assert len(recaps) == 2 and {o.status for o in recaps} == {"posted"}
    assert {o.due_at.hour for o in recaps} == {utc_hour}
    assert {o.due_at.astimezone(PARIS).hour for o in recaps} == {9}


def test_downtime_inside_the_grace_window_posts_once_marked_late(world):
    setup_week(world)
    outcomes = world.run(paris(2026, 11, 30, 15))  # down from Thursday to Monday 15:00
    status = {(o.kind, o.due_at.astimezone(PARIS).strftime("%a %H:%M")): o.status for o in outcomes}
    assert status[("recap", "Mon 09:00")] == "late"  # 6 h late < 12 h grace
    assert status[("digest", "Mon 08:30")] == "late"
    assert status[("nudges", "Mon 09:30")] == "late"
    assert status[("nudges", "Fri 09:30")] == status[("nudges", "Sat 09:30")] == "missed"
    copil = to_plain(next(o.posts[0].text for o in outcomes if o.kind == "recap" and "COPIL" in o.posts[0].text))
    assert "Publié en retard\u00a0: prévu le lundi 30 novembre 2026 à 09:00, pendant un arrêt de Relais." in copil
    assert "Pour l’animation\u00a0: non publié pendant un arrêt de Relais" in copil
    assert "les relances, prévues le vendredi 27 novembre 2026 à 09:30" in copil
    gt = to_plain(next(o.posts[0].text for o in outcomes if o.kind == "recap" and "GT" in o.posts[0].text))
    assert "relances" not in gt  # community-wide misses go to the default circle's recap only
    assert world.run() == [] and world.run(paris(2026, 11, 30, 20)) == []
    assert len([row for row in world.outbox() if row.text.startswith("📋")]) == 2


def test_downtime_beyond_the_grace_window_is_recorded_missed_and_reported_once(world):
    setup_week(world)
    world.say("fabienne", "/meeting Point d'étape mercredi 10h")  # Wed 2 Dec 10:00: agenda Tue 10:00, reminder Wed 9:00
    world.until(paris(2026, 11, 29, 12))
    outcomes = world.run(paris(2026, 12, 2, 12))  # down from Sunday noon to Wednesday noon
    status = Counter((o.kind, o.status) for o in outcomes)
    assert status[("recap", "missed")] == 2 and status[("agenda", "missed")] == 1
    assert status[("reminder", "missed")] == 1 and status[("digest", "missed")] == 1
    assert not any(o.posts for o in outcomes if o.status == "missed")
    with world.store.unit_of_work() as session:
        recap_items = session.scalar(select(func.count()).select_from(Item).where(Item.kind == "recap"))
    assert recap_items == 0
    schedule = world.say("fabienne", "/schedule")
    assert "Non publié pendant un arrêt de Relais (30 derniers jours)\u00a0:" in schedule
    assert "le récapitulatif hebdomadaire de COPIL, prévu le lundi 30 novembre 2026 à 09:00" in schedule
    later = world.until(paris(2026, 12, 7, 9))
    copil = to_plain(next(o.posts[0].text for o in later if o.kind == "recap" and "— COPIL" in o.posts[0].text))
    assert "Pour l’animation\u00a0: non publié pendant un arrêt de Relais" in copil
    assert "le récapitulatif hebdomadaire de COPIL, prévu le lundi 30 novembre 2026 à 09:00" in copil
    assert "l’ordre du jour de la réunion #" in copil and "un rappel de la réunion #" in copil
    assert "les résumés personnels, prévus le lundi 30 novembre 2026 à 08:30" in copil
    gt = to_plain(next(o.posts[0].text for o in later if o.kind == "recap" and "Mobilité" in o.posts[0].text))
    assert "le récapitulatif hebdomadaire de GT Mobilité, prévu le lundi 30 novembre 2026" in gt
    assert "COPIL, prévu" not in gt
    following = world.until(paris(2026, 12, 14, 9))
    again = to_plain(next(o.posts[0].text for o in following if o.kind == "recap" and "COPIL" in o.posts[0].text))
    assert "Pour l’animation" not in again  # listed once


def test_a_failure_while_writing_leaves_nothing_and_is_retried(world, monkeypatch):
    setup_week(world)
    world.until(paris(2026, 11, 30, 8, 45))
    import schedules.rounds as engine

    real = engine.enqueue_post
    calls = {"n": 0}

    def broken(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "enqueue_post", broken)
    first = world.run(paris(2026, 11, 30, 9))
    assert [o.kind for o in first] == ["recap"]  # the first recap failed: claim, item and rows rolled back
    second = world.run(paris(2026, 11, 30, 9, 1))
    assert [(o.kind, o.status) for o in second] == [("recap", "posted")]
    recaps = [row for row in world.outbox() if row.text.startswith("📋")]
    assert len(recaps) == 2 and len({row.item_id for row in recaps}) == 2
    with world.store.unit_of_work() as session:
        numbers = list(session.scalars(select(Item.number).where(Item.kind == "recap")))
    assert len(numbers) == 2


def test_pause_and_resume(world):
    setup_week(world)
    assert "Seule l’animation" in world.say("alice", "/schedule pause")
    assert "⏸️ Suspendus\u00a0: les récapitulatifs, ordres du jour et rappels de COPIL." in world.say(
        "fabienne", "/schedule pause #copil"
    )
    assert "Déjà suspendus" in world.say("fabienne", "/schedule pause #copil")
    assert "suspendu" in world.say("fabienne", "/schedule")
    outcomes = world.until(paris(2026, 12, 3, 14))
    by_kind = {(o.kind, o.status) for o in outcomes if o.kind in ("recap", "agenda", "reminder")}
    assert ("recap", "paused") in by_kind and ("recap", "posted") in by_kind  # COPIL paused, GT posted
    assert ("agenda", "paused") in by_kind and ("reminder", "paused") in by_kind
    assert "▶️ De nouveau actifs\u00a0: les récapitulatifs, ordres du jour et rappels de COPIL." in world.say(
        "fabienne", "/schedule resume #copil"
    )
    later = world.until(paris(2026, 12, 7, 9))
    assert {o.status for o in later if o.kind == "recap"} == {"posted"}
    assert "relances" in world.say("fabienne", "/schedule pause nudges")
    assert {o.status for o in world.until(paris(2026, 12, 8, 10)) if o.kind == "nudges"} == {"paused"}
    assert "Choisissez" in world.say("fabienne", "/schedule sleep")
    assert "Il n’y a pas d’instance" in world.say("fabienne", "/schedule pause #nowhere")


def test_cancelled_meeting_posts_nothing_more(world):
    setup_week(world)
    assert "annulée" in world.say("fabienne", "/cancel-meeting #1")
    outcomes = world.until(paris(2026, 12, 3, 23))
    assert not [o for o in outcomes if o.kind in ("agenda", "reminder")]
    texts = [row.text for row in world.outbox()]
    assert not any(text.startswith("🗓️") for text in texts)


def test_meeting_created_late_gets_its_agenda_at_once_and_no_past_reminder(world):
    world.run()
    world.say("fabienne", "/meeting Point rapide aujourd'hui 12h")  # in 2 hours: 24 h lead already passed
    outcomes = world.run(world.clock.now() + timedelta(minutes=1))
    assert [(o.kind, o.status) for o in outcomes] == [("agenda", "posted")]
    outcomes = world.until(paris(2026, 11, 26, 12))
    assert [(o.kind, o.due_at.astimezone(PARIS).strftime("%H:%M")) for o in outcomes] == [("reminder", "11:00")]


def test_console_only_members_get_no_direct_rows(store, clock):
    world = make_world(store, clock, schedules_config())
    world.run()
    world.dispatcher.handle(
        Incoming(identity="console:zoe", text="/engage Finir le dossier samedi", channel="console:copil")
    )
    outcomes = world.until(paris(2026, 11, 28, 10))
    assert {o.status for o in outcomes if o.kind == "nudges"} == {"empty"}
    with store.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_schedule_lists_what_will_be_posted_where_and_when(world):
    setup_week(world)
    world.say("fabienne", "/meeting Point d'étape #gt mardi 10h")
    out = world.say("fabienne", "/schedule")
    assert out.startswith("Ce que Relais va publier dans les 7 prochains jours\u00a0:")
    lines = out.split("\n")
    assert "• lundi 30 novembre 2026 à 09:00 — récapitulatif de la semaine — COPIL (matrix)" in lines
    assert "• lundi 30 novembre 2026 à 09:00 — récapitulatif de la semaine — GT Mobilité (matrix)" in lines
    assert (
        "• lundi 30 novembre 2026 à 10:00 — ordre du jour de la réunion #5 Point d'étape — GT Mobilité (matrix)"
        in lines
    )
    assert "• mardi 1er décembre 2026 à 09:00 — rappel de la réunion #5 Point d'étape — GT Mobilité (matrix)" in lines
    assert (
        "• mercredi 2 décembre 2026 à 14:00 — ordre du jour de la réunion #1 COPIL de rentrée — COPIL (matrix)" in lines
    )
    assert "• Résumés personnels\u00a0: chaque lundi à 08:30, en message privé au 1 membre qui l’a demandé." in lines
    assert "• Relances\u00a0: tous les jours à 09:30, en message privé, une par jour et par membre au plus." in lines
    world.say("alice", "/nudges off")
    world.say("fabienne", "/lang en")
    english = world.say("fabienne", "/schedule")
    assert "• Monday 30 November 2026 at 09:00 — weekly recap — COPIL (matrix)" in english
    assert (
        "• Nudges: every day at 09:30, by direct message, at most one a day per member (1 switched them off)."
        in english
    )


def test_world_speaks_matrix_and_posts_reach_the_outbox(world):
    assert "Réunion #1 planifiée" in world.say("fabienne", "/meeting COPIL jeudi 14h salle du conseil")
    outcomes = world.run(paris(2026, 12, 2, 14))
    assert [(o.kind, o.status) for o in outcomes] == [("agenda", "posted")]
    assert [row.channel for row in world.outbox()] == ["matrix:!copil:hs"]
