"""The weekly recap (French and English), /digest, /digest me, and `relais digest` / `relais agenda`."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from click.testing import CliRunner

from bot.models import Circle
from bot.posts.recap import build_recap
from bot.presentation import Localiser
from bot.services.community import find_circle
from relais.cli import main
from tests.schedules.support import (
    World,
    make_world,
    paris,
    schedules_config,
)


def busy_week(world: World) -> None:
    world.say("alice", "/engage Envoyer le compte rendu demain")
    world.say("bob", "/engage Réserver la salle lundi")
    world.say("bob", "/engage Imprimer les affiches dans 10 jours")
    world.say("fabienne", "/meeting COPIL de rentrée jeudi 14h salle du conseil")
    world.say("alice", "/update Les inscriptions sont ouvertes")
    world.say("alice", "/update Deux bénévoles de plus")
    world.say("fabienne", "/decision Le forum aura lieu le 12 juin")
    world.say("bob", "/done #2 Salle réservée")
    world.say("fabienne", "/read all")


def recap_text(world: World, language: str | None = None, name: str = "COPIL") -> str:
    from bot.markup import to_plain

    with world.store.unit_of_work() as session:
        community = world.dispatcher.community(session)
        circle = find_circle(session, community, name)
        assert isinstance(circle, Circle)
        voice = Localiser.of(community, world.clock.now(), language)
        draft = build_recap(
            session, community, circle, voice, world.config.schedules, world.clock.now() - timedelta(days=7)
        )
        return to_plain(draft.text())


def test_recap_in_french_reads_naturally(world):
    busy_week(world)
    world.clock.set(paris(2026, 11, 30, 9))
    text = recap_text(world)
    assert text.startswith(
        "📋 Récapitulatif de la semaine — COPIL\nDu lundi 23 novembre 2026 au lundi 30 novembre 2026."
    )
    assert "Nouveaux engagements (3)" in text
    assert "#1 Envoyer le compte rendu — Alice · échéance dépassée\u00a0: vendredi 27 novembre 2026" in text
    assert "Terminés (1) 🎉\n• #2 Réserver la salle — Bob" in text
    assert (
        "Points d’étape et annonces (2)" in text
        and "#5 Alice\u00a0: «\u202fLes inscriptions sont ouvertes\u202f»" in text
    )
    assert "Décisions (1)" in text and "Le forum aura lieu le 12 juin" in text
    assert "⚠️ En retard (1)\n• #1 Envoyer le compte rendu" in text
    assert "À échéance dans les 7 jours (0)" not in text
    assert "Prochaines réunions\n• #4 COPIL de rentrée — jeudi 3 décembre 2026 à 14:00 — salle du conseil" in text
    assert "Niveau d’information\nSur les 4 dernières semaines, " in text
    assert "Peu lus\u00a0: #7 (0/2)." in text  # the decision; the updates were read by Fabienne


def test_recap_in_english(world):
    busy_week(world)
    world.clock.set(paris(2026, 11, 30, 9))
    text = recap_text(world, "en")
    assert text.startswith("📋 Weekly recap — COPIL\nFrom Monday 23 November 2026 to Monday 30 November 2026.")
    assert "New commitments (3)" in text and "Done (1) 🎉" in text and "Updates and announcements (2)" in text
    assert "#1 Envoyer le compte rendu — Alice · was due Friday 27 November 2026" in text
    assert "Coming meetings\n• #4 COPIL de rentrée — Thursday 3 December 2026 at 14:00 — salle du conseil" in text
    assert "Information level\nOver the last 4 weeks, " in text


def test_quiet_circle(world):
    quiet = recap_text(world, name="GT Mobilité")
    assert "Rien de nouveau cette semaine, et rien à échéance dans les 7 jours." in quiet


@pytest.mark.parametrize(
    ("allowed", "expected"),
    [
        (False, "2 membres ont confirmé moins de la moitié de leurs lectures."),
        (True, "En retard de lecture\u00a0: Alice (0/2), Bob (0/2)."),
    ],
)
def test_members_behind_are_named_only_if_the_community_allows_it(store, clock, allowed, expected):
    world = make_world(store, clock, replace(schedules_config(), name_members_behind=allowed))
    world.say("alice", "/whoami")
    world.say("bob", "/whoami")
    world.say("fabienne", "/info Première annonce")
    world.say("fabienne", "/info Deuxième annonce")
    text = recap_text(world)
    assert expected in text
    assert ("Alice (0/2)" in text) is allowed


def test_digest_commands(testbot):
    testbot.say("alice", "/engage Envoyer le compte rendu demain")
    assert "Récapitulatif de la semaine — COPIL" in testbot.say("bob", "/digest")
    assert "Récapitulatif de la semaine — GT Mobilité" in testbot.say("fabienne", "/digest #gt")
    assert "GT Mobilité est une instance dont vous ne faites pas partie." in testbot.say("bob", "/digest #gt")
    assert "Il n’y a pas d’instance nommée #nulle-part." in testbot.say("bob", "/digest #nulle-part")
    assert "Je n’attendais pas" in testbot.say("bob", "/digest quoi")
    assert "Rien pour vous en ce moment" in testbot.say("bob", "/digest me")
    mine = testbot.say("alice", "/digest me")
    assert "Votre résumé de la semaine, Alice" in mine and "Vos engagements à échéance dans les 7 jours" in mine
    on = testbot.say("bob", "/digest me on")
    assert "C’est noté\u00a0: vous recevrez votre résumé personnel chaque lundi à 08:30, en message privé." in on
    assert "Ici, dans la console, tapez /récap moi pour le voir." in on
    assert "plus de résumé personnel" in testbot.say("bob", "/digest me off")
    assert "Choisissez parmi\u00a0: oui, non." in testbot.say("bob", "/digest me peut-être")
    testbot.say("bob", "/lang en")
    assert "Weekly recap — COPIL" in testbot.say("bob", "/recap")


def test_digest_off_in_the_settings(store, clock):
    world = make_world(store, clock, schedules_config(digest="off"))
    assert "les résumés personnels sont désactivés" in world.say("bob", "/digest me on")
    assert "Résumés personnels\u00a0: désactivés." in world.say("fabienne", "/schedule")


def cli(args: list[str], stdin: str = "") -> str:
    result = CliRunner().invoke(main, args, input=stdin, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def write_config(tmp_path) -> str:
    path = tmp_path / "relais.toml"
    path.write_text(
        '[community]\nname = "Essai"\nfacilitators = ["console:fabienne"]\n\n[schedules]\nrecap = "fri 16:00"\n',
        encoding="utf-8",
    )
    return str(path)


def test_relais_digest_and_agenda_print_the_posts(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    config = write_config(tmp_path)
    cli(
        ["--config", config, "chat", "--as", "fabienne", "--now", "2026-11-26T10:00", "--db", url],
        "/engage Envoyer le compte rendu lundi\n/meeting COPIL de rentrée jeudi 14h salle du conseil\n"
        "/agenda add Bilan\n",
    )
    out = cli(["--config", config, "digest", "--now", "2026-11-30T09:00", "--db", url])
    assert "📋 Récapitulatif de la semaine — Général" in out
    assert "#1 Envoyer le compte rendu — fabienne" in out
    english = cli(
        ["--config", config, "digest", "--circle", "Général", "--lang", "en", "--now", "2026-11-30T09:00", "--db", url]
    )
    assert "📋 Weekly recap — Général" in english and "Coming meetings" in english
    agenda = cli(["--config", config, "agenda", "--now", "2026-12-02T14:00", "--db", url])
    assert "🗓️ Ordre du jour — COPIL de rentrée" in agenda and "Bilan — proposé par fabienne" in agenda
    assert "Agenda — COPIL de rentrée" in cli(["--config", config, "agenda", "#2", "--lang", "en", "--db", url])
    bad = CliRunner().invoke(main, ["--config", config, "digest", "--circle", "nope", "--db", url])
    assert bad.exit_code != 0 and "aucune instance ne s’appelle «\u202fnope\u202f»" in bad.output
    missing = CliRunner().invoke(main, ["--config", config, "agenda", "#1", "--db", url])
    assert missing.exit_code != 0 and "#1 n’est pas une réunion" in missing.output
    schedule = cli(
        ["--config", config, "chat", "--as", "fabienne", "--now", "2026-11-26T10:00", "--db", url], "/schedule\n"
    )
    assert "vendredi 27 novembre 2026 à 16:00 — récapitulatif de la semaine — Général (console seulement)" in schedule


def test_relais_digest_and_agenda_on_the_demo_community(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    french = cli(["digest", "--demo", "--db", url, "--now", "2026-11-30T09:00"])
    assert "📋 Récapitulatif de la semaine — COPIL" in french and "Nouveaux engagements" in french
    assert "Prochaines réunions" in french and "COPIL de suivi" in french
    assert "[graphique\u00a0: COPIL, semaine du lundi 23 novembre 2026 au lundi 30 novembre 2026." in french
    english_url = f"sqlite:///{tmp_path / 'demo-en.db'}"  # the English demo, in its own database
    english = cli(["agenda", "--demo", "--db", english_url, "--now", "2026-11-30T09:00", "--lang", "en"])
    assert "🗓️ Agenda — Follow-up committee" in english and "1. Proposed topics" in english
    assert "Next year's budget — proposed by Claire (Town hall)" in english


def test_a_late_recap_covers_up_to_its_due_time_and_a_daily_recap_one_day(store, clock):
    from datetime import datetime, timedelta

    from bot.config import CircleConfig
    from schedules.rounds import recap_since
    from tests.conftest import PARIS, make_config

    config = make_config(
        circles=(CircleConfig("COPIL", ("console:copil",), recap="daily 18:00"), CircleConfig("GT", ("console:gt",)))
    )
    due = datetime(2026, 11, 30, 18, 0, tzinfo=PARIS)

    class Named:
        def __init__(self, name):
            self.name = name

    assert recap_since(config, Named("COPIL"), due) == due - timedelta(days=1)
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)
    assert recap_since(config, Named("GT"), monday) == monday - timedelta(days=7)
