"""`relais demo`: a small sample community, seeded through the real command path.

Each language has its own demo, written in that language (a French sentence read as English gives
wrong dates) and kept in its own database: `demo-fr.db` or `demo-en.db` in Relais' data folder
(`$XDG_DATA_HOME/relais`, by default `~/.local/share/relais`). The seed is a story of five weeks
told by four members, each line typed at its own moment (so many days before now): older items,
a meeting that took place, a commitment now overdue, one done, progress, reading. `/actions
overdue`, `/level`, `/unread`, `/meetings` and the weekly recap (`relais digest --demo`) have
something to show from the first minute, whatever the day.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import MetaData, func, inspect, select, text
from sqlalchemy.engine import make_url

from bot.app import App
from bot.clock import FixedClock
from bot.config import CircleConfig, Config, ConfigError
from bot.db import make_engine, normalise_url
from bot.dispatch import Dispatcher
from bot.models import Item
from bot.reply import Incoming
from bot.services.community import find_community
from relais.wiring import database_errors, safe_url

DEMO_FACILITATOR = "console:camille"


@dataclass(frozen=True)
class Line:
    """One command of the story, typed by `who` in a console channel `days` days before now."""

    days: float
    who: str
    channel: str
    text: str


@dataclass(frozen=True)
class Demo:
    community: str
    circles: tuple[tuple[str, str], ...]  # (circle name, console channel); the first is the default
    story: tuple[Line, ...]

    @property
    def default_channel(self) -> str:
        return self.circles[0][1]


FRENCH = Demo(
    community="Réussite éducative en Essonne",
    circles=(("COPIL", "copil"), ("GT Mobilité", "gt-mobilite"), ("GT Numérique", "gt-numerique")),
    story=(
        Line(40, "camille", "copil", "/member @camille org Fonction de soutien"),
        Line(40, "amina", "gt-mobilite", "/whoami"),
        Line(40, "bruno", "gt-numerique", "/whoami"),
        Line(40, "claire", "copil", "/whoami"),
        Line(40, "amina", "copil", "/whoami"),
        Line(40, "bruno", "copil", "/whoami"),
        Line(40, "camille", "copil", "/member @amina org Association Trait d'union"),
        Line(40, "camille", "copil", "/member @bruno org Collège Jean-Moulin"),
        Line(40, "camille", "copil", "/member @claire org Mairie"),
        # #1, older than the 30 days of /level
        Line(
            38,
            "camille",
            "copil",
            "/info Bienvenue dans l'espace de la communauté : chaque engagement et chaque point d'étape sont ici, "
            "à confirmer d'un ✅ ou de /read.",
        ),
        # #2, a meeting that took place three weeks ago
        Line(30, "camille", "copil", "/meeting COPIL de lancement jeudi prochain 14h salle du conseil municipal"),
        Line(29, "claire", "copil", "/agenda add Calendrier des vacances scolaires"),
        # #3, due a week ago: overdue
        Line(22, "amina", "gt-mobilite", "/engage Cartographier les trajets domicile-collège sous 15 jours"),
        # #4
        Line(21, "claire", "copil", "/info La mairie met une salle à disposition des ateliers le mercredi."),
        Line(20, "amina", "copil", "/react #4 ✅"),
        # #5, decided at the meeting
        Line(19, "camille", "copil", "/decision Les ateliers du mercredi commencent après les vacances"),
        # #6, done
        Line(18, "bruno", "gt-numerique", "/engage Recenser les familles sans ordinateur dans 10 jours"),
        Line(11, "camille", "copil", "/read all"),
        Line(9, "bruno", "gt-numerique", "/done #6 32 familles recensées"),
        # #7, #8
        Line(6, "amina", "gt-mobilite", "/engage Recruter 2 bénévoles pour l'accompagnement dans 5 semaines"),
        Line(6, "bruno", "gt-numerique", "/engage Prêter 20 tablettes aux familles sous 10 jours"),
        # #9, progress on #7
        Line(4, "amina", "gt-mobilite", "/update #7 Deux candidatures reçues, entretiens la semaine prochaine 40%"),
        # #10, #11
        Line(3, "claire", "copil", "/engage Présenter le budget de l'an prochain au conseil municipal dans 3 semaines"),
        Line(3, "bruno", "gt-numerique", "/update Le collège ouvre sa salle informatique le mercredi après-midi"),
        # #12
        Line(
            2,
            "claire",
            "copil",
            "/info Le conseil municipal vote le budget dans deux semaines : envoyez vos besoins avant.",
        ),
        Line(1, "bruno", "copil", "/read all"),
        # #13, #14: the coming meetings
        Line(1, "camille", "copil", "/meeting COPIL de suivi jeudi prochain 14h salle du conseil municipal"),
        Line(1, "camille", "gt-mobilite", "/meeting Atelier trajets mardi prochain 18h https://visio.example.org/gt"),
        Line(1, "claire", "copil", "/agenda add Budget de l'an prochain"),
        Line(1, "amina", "copil", "/agenda add Bilan du recrutement des bénévoles"),
        # #15
        Line(0.5, "camille", "copil", "/engage Préparer l'ordre du jour du COPIL de suivi dans 2 jours à 17h"),
    ),
)

ENGLISH = Demo(
    community="Educational success in Essonne",
    circles=(("Steering committee", "steering"), ("Mobility group", "mobility"), ("Digital group", "digital")),
    story=(
        Line(40, "camille", "steering", "/member @camille org Backbone team"),
        Line(40, "amina", "mobility", "/whoami"),
        Line(40, "bruno", "digital", "/whoami"),
        Line(40, "claire", "steering", "/whoami"),
        Line(40, "amina", "steering", "/whoami"),
        Line(40, "bruno", "steering", "/whoami"),
        Line(40, "camille", "steering", "/member @amina org Trait d'union association"),
        Line(40, "camille", "steering", "/member @bruno org Jean-Moulin middle school"),
        Line(40, "camille", "steering", "/member @claire org Town hall"),
        # #1, older than the 30 days of /level
        Line(
            38,
            "camille",
            "steering",
            "/info Welcome to the community's space: every commitment and every progress report is here, "
            "to confirm with a ✅ or /read.",
        ),
        # #2, a meeting that took place three weeks ago
        Line(30, "camille", "steering", "/meeting Kick-off committee next Thursday at 2pm town hall, council room"),
        Line(29, "claire", "steering", "/agenda add School holiday calendar"),
        # #3, due a week ago: overdue
        Line(22, "amina", "mobility", "/engage Map the home-to-school journeys within 15 days"),
        # #4
        Line(21, "claire", "steering", "/info The town hall lends a room for the workshops on Wednesdays."),
        Line(20, "amina", "steering", "/react #4 ✅"),
        # #5, decided at the meeting
        Line(19, "camille", "steering", "/decision The Wednesday workshops start after the holidays"),
        # #6, done
        Line(18, "bruno", "digital", "/engage List the families without a computer in 10 days"),
        Line(11, "camille", "steering", "/read all"),
        Line(9, "bruno", "digital", "/done #6 32 families listed"),
        # #7, #8
        Line(6, "amina", "mobility", "/engage Recruit 2 volunteer mentors in 5 weeks"),
        Line(6, "bruno", "digital", "/engage Lend 20 tablets to families within 10 days"),
        # #9, progress on #7
        Line(4, "amina", "mobility", "/update #7 Two applications received, interviews next week 40%"),
        # #10, #11
        Line(3, "claire", "steering", "/engage Present next year's budget to the town council in 3 weeks"),
        Line(3, "bruno", "digital", "/update The school opens its computer room on Wednesday afternoons"),
        # #12
        Line(
            2,
            "claire",
            "steering",
            "/info The town council votes the budget in two weeks: send your needs before then.",
        ),
        Line(1, "bruno", "steering", "/read all"),
        # #13, #14: the coming meetings
        Line(1, "camille", "steering", "/meeting Follow-up committee next Thursday at 2pm town hall, council room"),
        Line(1, "camille", "mobility", "/meeting Journeys workshop next Tuesday at 6pm https://visio.example.org/gt"),
        Line(1, "claire", "steering", "/agenda add Next year's budget"),
        Line(1, "amina", "steering", "/agenda add How the volunteer recruitment went"),
        # #15
        Line(0.5, "camille", "steering", "/engage Prepare the follow-up committee's agenda in 2 days at 5pm"),
    ),
)

DEMOS = {"fr": FRENCH, "en": ENGLISH}


def data_home() -> Path:
    """Relais' data folder: $XDG_DATA_HOME/relais, by default ~/.local/share/relais."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "relais"


def default_demo_path(language: str = "fr") -> Path:
    """The demo database of a language: demo-fr.db or demo-en.db in Relais' data folder."""
    return data_home() / f"demo-{language}.db"


def demo_url(db: str | None, language: str = "fr") -> str:
    return db or f"sqlite:///{default_demo_path(language)}"


def demo_place(url: str) -> str:
    """Where a demo database is, as the banner says it: its file, else its URL (password hidden)."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return str(Path(parsed.database).expanduser().resolve())
    return _shown(url)


def demo_config(database_url: str, language: str = "fr") -> Config:
    demo = DEMOS[language]
    return Config(
        community_name=demo.community,
        language=language,
        timezone="Europe/Paris",
        database_url=database_url,
        facilitators=(DEMO_FACILITATOR,),
        default_circle=demo.circles[0][0],
        circles=tuple(CircleConfig(name, (f"console:{channel}",)) for name, channel in demo.circles),
    )


def is_seeded(app: App) -> bool:
    """Whether the demo community already has its story (it is told once per database)."""
    with app.store.unit_of_work(reading=True) as session:
        community = find_community(session, app.config.community_name)
        if community is None:
            return False
        return bool(session.scalar(select(func.count()).select_from(Item).where(Item.community_id == community.id)))


def seed_demo(app: App, language: str | None = None) -> bool:
    """Tell the demo's story, each line at its own moment before now; False if it was already told."""
    if is_seeded(app):
        return False
    demo = DEMOS[language or app.config.language]
    now = app.clock.now()
    for line in demo.story:
        then = now - timedelta(days=line.days)
        dispatcher = Dispatcher(
            store=app.store, config=app.config, clock=FixedClock(then), router=app.dispatcher.router
        )
        dispatcher.handle(
            Incoming(
                identity=f"console:{line.who}",
                display_name=line.who.capitalize(),
                text=line.text,
                channel=f"console:{line.channel}",
            )
        )
    return True


def communities_in(url: str) -> set[str] | None:
    """The communities a database holds; None when it holds tables that are not Relais' (or no file yet: empty)."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "").expanduser()
        if not parsed.database or parsed.database == ":memory:" or not path.exists():
            return set()
    engine = make_engine(url)
    try:
        tables = inspect(engine).get_table_names()
        if not tables:
            return set()
        if "communities" not in tables:
            return None
        with engine.connect() as connection:
            return set(connection.scalars(text("SELECT name FROM communities")))
    finally:
        engine.dispose()


def check_demo_database(url: str, language: str) -> None:
    """A demo has its database to itself: members are known by their console names, which two
    communities in one database would share. Anything else there is a ConfigError."""
    names = communities_in(url)
    if names is None:
        raise ConfigError("{url} is not a Relais demo database: give the demo another --db", url=_shown(url))
    others = sorted(names - {DEMOS[language].community})
    real = sorted(names - {demo.community for demo in DEMOS.values()})
    if real:  # --reset refuses to remove it (reset_demo): say so rather than send there
        raise ConfigError(
            "{url} already holds the community “{name}”, which is not a demo: give this demo another --db "
            "(--reset would not remove it)",
            url=_shown(url),
            name=real[0],
        )
    if others:
        raise ConfigError(
            "{url} already holds the community “{name}”: give this demo another --db, or start again with --reset",
            url=_shown(url),
            name=others[0],
        )


def reset_demo(url: str) -> None:
    """Empty a demo database. Anything but a demo (another community, tables that are not Relais')
    is refused with a ConfigError, and nothing is removed."""
    names = communities_in(url)
    if names is None:
        raise ConfigError("{url} is not a Relais demo database: it was not reset", url=_shown(url))
    others = sorted(names - {demo.community for demo in DEMOS.values()})
    if others:
        raise ConfigError(
            "{url} holds the community “{name}”, not a demo: it was not reset", url=_shown(url), name=others[0]
        )
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "").expanduser()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = make_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        metadata.drop_all(engine)
    finally:
        engine.dispose()


def open_demo(db: str | None, language: str, now: str | None, reset: bool = False) -> App:
    """The demo of `language` (its database reset first with `reset`), its story told if need be."""
    from relais.cli_support import build, clock_for

    url = demo_url(db, language)
    with database_errors(url):
        if reset:
            reset_demo(url)
        check_demo_database(url, language)
    config = demo_config(url, language)
    app = build(config, clock_for(now, config))
    seed_demo(app)
    return app


def _shown(url: str) -> str:
    return safe_url(url)
