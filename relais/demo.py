"""`relais demo`: a small sample community, seeded through the real command path."""

from __future__ import annotations

from pathlib import Path

from bot.config import CircleConfig, Config
from bot.dispatch import Dispatcher
from bot.reply import Incoming

DEMO_FACILITATOR = "console:camille"


def demo_config(database_url: str, language: str = "fr") -> Config:
    return Config(
        community_name="Réussite éducative en Essonne",
        language=language,
        timezone="Europe/Paris",
        database_url=database_url,
        facilitators=(DEMO_FACILITATOR,),
        default_circle="COPIL",
        circles=(
            CircleConfig("COPIL", ("console:copil",)),
            CircleConfig("GT Mobilité", ("console:gt-mobilite",)),
            CircleConfig("GT Numérique", ("console:gt-numerique",)),
        ),
    )


def default_demo_path() -> Path:
    return Path.home() / ".local" / "share" / "relais" / "demo.db"


SEED: tuple[tuple[str, str, str], ...] = (
    ("camille", "copil", "/member @camille org Fonction de soutien"),
    ("amina", "gt-mobilite", "/whoami"),
    ("bruno", "gt-numerique", "/whoami"),
    ("claire", "copil", "/whoami"),
    ("camille", "copil", "/member @amina org Association Trait d'union"),
    ("camille", "copil", "/member @bruno org Collège Jean-Moulin"),
    ("camille", "copil", "/member @claire org Mairie"),
    ("amina", "gt-mobilite", "/engage Recruter 2 bénévoles pour l'accompagnement d'ici fin janvier"),
    ("amina", "gt-mobilite", "/engage Cartographier les trajets domicile-collège avant le 15 janvier"),
    ("bruno", "gt-numerique", "/engage Prêter 20 tablettes aux familles dans 3 semaines"),
    ("claire", "copil", "/engage Présenter le budget 2027 au conseil municipal d'ici mi-décembre"),
    ("amina", "gt-mobilite", "/update #1 Deux candidatures reçues, entretiens la semaine prochaine 40%"),
    ("bruno", "gt-numerique", "/update Le collège ouvre sa salle informatique le mercredi après-midi"),
    ("camille", "copil", "/engage Préparer l'ordre du jour du prochain COPIL vendredi prochain 17h"),
    ("amina", "copil", "/whoami"),
    ("bruno", "copil", "/whoami"),
    ("claire", "copil", "/info Le conseil municipal vote le budget le 15 décembre : envoyez vos besoins avant."),
    ("amina", "copil", "/react #8 ✅"),
)


def seed_demo(dispatcher: Dispatcher) -> None:
    """Create the sample community once (it is skipped when the demo database has commitments)."""
    for who, circle, line in SEED:
        dispatcher.handle(
            Incoming(identity=f"console:{who}", display_name=who.capitalize(), text=line, channel=f"console:{circle}")
        )
