"""Due-date corpus: every line through /engage (split_due), /meeting (parse_meeting_text) and /edit #N due
(parse_when), for a French and an English member, with a fixed clock (Thursday 26 November 2026, 10:00, Paris).

The lines: every command line of tests/commands that takes a date, every short string of tests/dates, and the
variants below (weekdays, markers, times with dots, decimals, versions, articles, quotes, ratios, ISO dates…).
Record the code before a change and after it, on the same lines, and read every difference:

    mkdir -p /tmp/base && git archive main bot | tar -x -C /tmp/base
    python tools/due_corpus.py record /tmp/base /tmp/before.jsonl
    python tools/due_corpus.py record . /tmp/after.jsonl
    python tools/due_corpus.py diff /tmp/before.jsonl /tmp/after.jsonl
"""

from __future__ import annotations

import ast
import json
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

if sys.argv[1] == "record":
    sys.path.insert(0, str(Path(sys.argv[2]).resolve()))
from bot.dates import parse_when, split_due  # noqa: E402
from bot.meeting_text import parse_meeting_text  # noqa: E402

PARIS = "Europe/Paris"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo(PARIS))  # Thursday, as in the tests
ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "engage": ("/engage ", "/engager ", "/commit "),
    "meeting": ("/meeting ", "/reunion ", "/réunion "),
}


def from_tests() -> list[tuple[str, str]]:
    """(kind, text): command lines in tests/commands, every short string in tests/dates."""
    found: list[tuple[str, str]] = []
    for folder in ("tests/dates", "tests/commands"):
        for path in sorted((ROOT / folder).glob("test_*.py")):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
                    continue
                value = node.value
                for kind, prefixes in COMMANDS.items():
                    for prefix in prefixes:
                        if value.startswith(prefix):
                            found.append((kind, value[len(prefix) :]))
                if value.startswith(("/edit ", "/modifier ")):
                    parts = value.split(maxsplit=3)
                    if len(parts) == 4 and parts[2] in ("due", "échéance", "echeance"):
                        found.append(("edit", parts[3]))
                if (
                    folder == "tests/dates"
                    and 1 < len(value) <= 160
                    and "\n" not in value
                    and any(c.isalnum() for c in value)
                ):
                    found.append(("any", value))
    return found


FR_DUE = """vendredi|lundi|dimanche|ce jeudi|jeudi prochain|mardi prochain|mardi prochain 14h|d'ici vendredi
|d’ici vendredi|avant vendredi|avant le 15|avant le 15 décembre|avant lundi|fin janvier|mi-décembre
|début février|fin décembre
|dans 2 semaines|dans 3 jours|sous 15 jours|sous huitaine|d'ici 2 semaines|demain|demain à 9h30|demain 9h30
|demain matin|demain soir|après-demain|ce soir|aujourd'hui 18h|le 3/12|le 3/12 à 14h|3/12|11.12|le 11.12|9.30|à 9.30
|demain 9.30|demain à 9.30|demain 7.12|demain 11.12|demain 14.30|vendredi 11.12|lundi 7.12|samedi 8.30|mardi 9.30
|le 15 janvier|15 janvier 2027|le 15/12/2026|2026-12-15|2026-12-15T14:00|le 2026-12-15|14h|à 14h|à 14 h 30|à midi
|avant midi|fin de semaine|la semaine prochaine|cette semaine|fin du mois|le mois prochain|d'ici la fin de l'année
|pour Noël|pour le 1er décembre|au plus tard le 4 décembre|échéance 10/12|date limite 15/01|dans 1,5 heure
|d'ici 1,5 jour|dans 1.5 heures|dans 2,5 heures|sous 1,5 heure|dans 0,5 heure|sous 48h|dans une demi-heure|dans 3 heures
|jeudi 3 décembre 14h|jeudi 12|le 31/02|le 32 décembre|lundi en huit|vendredi 14h30|vendredi à 14 h 30|le 3|le 1er
|avant la fin du mois|avant mardi 18h|d'ici demain midi|dimanche soir|en janvier|d'ici janvier|sous quinzaine
|le 3 décembre à 9.30|jeudi 10.12|vendredi 4.12|le 7.12|7.12|demain 2.50|lundi 1.15""".replace("\n", "").split("|")

EN_DUE = """Friday|by Friday|before Friday|Monday|before the 15th|before Monday|by the 15th|tomorrow|tomorrow 9.30am
|tomorrow at 9.30|tomorrow 9:30|tomorrow 9.30|tomorrow 7.12|tomorrow 2pm|in 1.5 hours|within 1.5 hours|in 2.5 hours
|in 2 weeks|within 3 days|next Tuesday|next Tuesday 2pm|on Monday at 9.30|end of January|mid-December
|by the end of the month|12/15|on 12/3|12/3|2026-12-15|at 6|at noon|tonight|this week|next week|by EOD
|in a fortnight|in 5 business days|December 3rd|on December 3rd|the 3rd|Thursday the 3rd|Thursday 12|by Feb 30
|by Christmas|3pm|at 3pm Friday|Friday 3pm|Friday 12.11|Monday 12.7|by Friday 5pm|due Monday|no later than Dec 4
|in 3 hours|in half an hour|next month|by next week|on the 1st|Friday at 2.30pm|tomorrow morning
|in 1,5 hours""".replace("\n", "").split("|")

FR_TITLES = [
    "Envoyer le bilan",
    "Réserver la salle",
    "Appeler Paul",
    "Relancer les partenaires",
    "Publier la version 2.5",
    "Publier la v2.5",
    "Appliquer l'art. 12.3",
    "Relire l'article 12.3",
    "Lire « Avant lundi »",
    "Partager les frais 50/50",
    "Atteindre 80 % de réponses",
    "Atteindre 80% de réponses",
    "Salle 12",
    "Plan A",
    "Payer 12,50 €",
    "Préparer le COPIL",
]
EN_TITLES = [
    "Send the report",
    "Book the room",
    "Call Paul",
    "Release v2.5",
    "Apply art. 12.3",
    "Read “Before Monday”",
    "Split costs 50/50",
    "Reach 80% answers",
    "Room 12",
    "Plan A",
]
QUOTED = [
    "Lire « Avant lundi »",
    "Lire « Before Monday »",
    "Lire «\u00a0Avant lundi\u00a0»",
    "Lire “Before Monday”",
    'Lire "Before Monday"',
    "Lire ‘Tomorrow’",
    "Read “Before Monday”",
    'Read "Before Monday"',
    "Read ‘Before Monday’",
    "Lire « Fin janvier »",
    "Lire « Dans 2 semaines »",
    "Lire « Demain 14h »",
    "Voir « Le 3/12 »",
    "Watch “Next Tuesday”",
    "Lire « Avant lundi » de Dupont",
    "Lire « D’ici vendredi »",
    "Read “By Friday”",
    "Diffuser « Le Soir »",
    "Diffuser le film « Dimanche »",
]
MEETINGS = [
    "COPIL mardi prochain 14h",
    "COPIL mardi prochain 14h salle du conseil",
    "COPIL jeudi 14h #copil salle du conseil",
    "Point mensuel le 3 décembre à 9.30",
    "Point d'étape demain 9.30",
    "Point d'étape demain 7.12",
    "Steering committee next Tuesday 2pm",
    "Steering committee Tuesday 2pm room 4",
    "Bilan vendredi 11.12 14h",
    "Réunion de la commission 50/50 jeudi 14h",
    "COPIL mardi 14h visio https://meet.example.org/copil",
    "Atelier « Avant lundi » jeudi 14h",
    "Workshop “Before Monday” Thursday 2pm",
    "COPIL dans 1,5 heure",
    "COPIL le 15/12 à 14h",
    "COPIL vendredi prochain 10h",
]
OTHERS = [
    "Le Soir",
    "Dimanche",
    "dimanche",
    "Lundi",
    "Monday",
    "Black Friday",
    "May",
    "Mars",
    "mardi prochain",
    "mardi prochain 14h",
    "next Tuesday",
    "d'ici vendredi",
    "by Friday",
    "Noël",
    "Christmas",
    "Préparer Noël",
    "Observer Mars",
    "Animer l'atelier 2h",
    "Animer l'atelier à 2h",
    "Vendre les tickets à 2.50",
    "Sell raffle tickets at 2.50",
    "Book a table at Le Soir",
    "Meet Dimanche",
    "Voter le budget 2026-12-15",
    "Relire le compte rendu du 03/12",
    "Send the minutes of 12/03",
    "Augmenter de 1,5 %",
    "Relever la note à 9.30 sur 20",
    "Lire les pages 9.30",
    "Atteindre 7.12 %",
    "Préparer la rentrée 2027",
    "Finir avant de partir",
    "Leave due to rain",
]


def lines() -> list[tuple[str, str]]:
    found = from_tests()
    for index, due in enumerate(FR_DUE):
        found.append(("any", due))
        for title in (FR_TITLES[index % len(FR_TITLES)], FR_TITLES[(index + 5) % len(FR_TITLES)]):
            found.append(("any", f"{title} {due}"))
    for index, due in enumerate(EN_DUE):
        found.append(("any", due))
        for title in (EN_TITLES[index % len(EN_TITLES)], EN_TITLES[(index + 3) % len(EN_TITLES)]):
            found.append(("any", f"{title} {due}"))
    for title in FR_TITLES + EN_TITLES + QUOTED + OTHERS:
        found.append(("any", title))
    for quoted in QUOTED:
        for due in ("vendredi", "demain 14h", "by Friday", "d'ici lundi", "le 3/12"):
            found.append(("any", f"{quoted} {due}"))
    found += [("meeting", line) for line in MEETINGS]
    seen: set[tuple[str, str]] = set()
    return [entry for entry in found if not (entry in seen or seen.add(entry))]


def _when(when: object) -> str | None:
    if when is None:
        return None
    at = when.at.isoformat(timespec="minutes")  # type: ignore[attr-defined]
    return at if when.has_time else at[:10]  # type: ignore[attr-defined]


def record(out: Path) -> None:
    rows = []
    all_lines = lines()
    texts = sorted({text for _, text in all_lines})
    for text in texts:
        for lang in ("fr", "en"):
            split = split_due(text, NOW, PARIS, lang)
            rows.append(
                {
                    "entry": "engage",
                    "lang": lang,
                    "line": text,
                    "title": split.title,
                    "due": _when(split.when),
                    "not_understood": split.not_understood,
                }
            )
            meeting = parse_meeting_text(text, NOW, PARIS, lang)
            rows.append(
                {
                    "entry": "meeting",
                    "lang": lang,
                    "line": text,
                    "title": meeting.title,
                    "due": _when(meeting.when),
                    "place": meeting.place,
                    "not_understood": meeting.date_text if meeting.when is None else None,
                }
            )
            rows.append({"entry": "edit", "lang": lang, "line": text, "due": _when(parse_when(text, NOW, PARIS, lang))})
    with out.open("w") as stream:
        for row in rows:
            stream.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    import bot

    print(f"{len(texts)} lines, {len(rows)} records -> {out} (code: {bot.__file__})")


def diff(before: Path, after: Path) -> None:
    def load(path: Path) -> dict[tuple[str, str, str], dict[str, object]]:
        rows = (json.loads(line) for line in path.read_text().splitlines())
        return {(row["entry"], row["lang"], row["line"]): row for row in rows}

    old, new = load(before), load(after)
    changed = 0
    for key in sorted(old.keys() | new.keys()):
        if old.get(key) != new.get(key):
            changed += 1
            a, b = old.get(key) or {}, new.get(key) or {}
            fields = {k: (a.get(k), b.get(k)) for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)}
            print(
                f"{key[0]:8} {key[1]} {key[2]!r}: " + "; ".join(f"{k}: {v[0]!r} -> {v[1]!r}" for k, v in fields.items())
            )
    print(f"{changed} records differ")


if __name__ == "__main__":
    if sys.argv[1] == "record":
        record(Path(sys.argv[3]))
    else:
        diff(Path(sys.argv[2]), Path(sys.argv[3]))
