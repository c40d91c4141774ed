"""Meetings, topics and a decision for the demo community, seeded through the real command path."""

from __future__ import annotations

from bot.dispatch import Dispatcher
from bot.reply import Incoming

SEED: tuple[tuple[str, str, str], ...] = (
    ("camille", "copil", "/meeting COPIL de décembre jeudi prochain 14h salle du conseil municipal"),
    ("camille", "gt-mobilite", "/meeting Atelier trajets lundi prochain 18h https://visio.example.org/gt-mobilite"),
    ("claire", "copil", "/agenda add Calendrier budgétaire 2027"),
    ("amina", "copil", "/agenda add Bilan du recrutement des bénévoles"),
    ("camille", "copil", "/decision Le forum des partenaires aura lieu le 12 juin à la mairie"),
    ("bruno", "copil", "/read all"),
)


def seed_schedules_demo(dispatcher: Dispatcher) -> None:
    """Add the demo's meetings (run once, after relais.demo.seed_demo)."""
    for who, circle, line in SEED:
        dispatcher.handle(
            Incoming(identity=f"console:{who}", display_name=who.capitalize(), text=line, channel=f"console:{circle}")
        )
