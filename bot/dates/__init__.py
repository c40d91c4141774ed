"""Due dates in words: parse_when, format_when and split_due (the /engage argument).

    >>> from datetime import datetime, UTC
    >>> now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)          # Thursday 26 Nov 2026, 10:00 in Paris
    >>> when = parse_when("vendredi prochain 14h", now, "Europe/Paris", "fr")
    >>> format_when(when, "fr")
    'vendredi 4 décembre 2026 à 14:00'
    >>> split_due("Réserver la salle pour la réunion du 15 janvier d'ici le 10 janvier",
    ...           now, "Europe/Paris", "fr").title
    'Réserver la salle pour la réunion du 15 janvier'

How a phrase is read.  A deterministic grammar (bot.dates.repairs, bot.dates.days) handles the
everyday forms that raw dateparser gets wrong or does not know; dateparser (DATE_ORDER pinned to
DMY in French and MDY in English, RELATIVE_BASE = the injected clock in local time,
PREFER_DATES_FROM = future) is the fallback, asked only about phrases made of date words, and its
answer is refused when it contradicts the text: a weekday typed that is not the answer's, a clock
time typed that is not the answer's time, a year never typed (an answer more than ~3 years from now
without its 4-digit year in the text: "12 jeudi 14h" once gave 12 November 2114).  Text is
compared without case or accents ("apres-demain", "decembre", "Noel" work).  Leading markers and
articles are ignored ("d'ici", "avant", "pour", "au plus tard", "le", "la", "à", "by", "before",
"on", "the", "at"…): a deadline "avant lundi" is due Monday, not Sunday.

Meanings chosen (now = Thursday 26 Nov 2026 10:00, Europe/Paris, in the examples):

* Clock times — "14h", "9h30", "14 h 30", "à 14 heures", "14:00", "2pm", "6:30 pm", "à midi"/"noon"
  = 12:00, "minuit"/"midnight" = 23:59 of that day (a deadline at the end of the day).  English "at 6"
  without am/pm: 1–7 are read pm (18:00), 8–23 as written.  A clock time alone is today if still
  ahead, else tomorrow ("9h" at 10:00 → tomorrow 9:00; "14h" → today 14:00).
* Parts of the day — matin/morning 09:00, après-midi/afternoon 14:00, soir/evening/night 20:00, fin de
  journée/end of day/EOD/COB 18:00.  "ce soir"/"tonight" = today 20:00 (even when already past: the
  caller refuses it); "demain matin", "lundi soir", "tomorrow evening" combine; "8h du soir" = 20:00.
* Days — aujourd'hui/today, demain/tomorrow, après-demain/(the) day after tomorrow, hier/yesterday.
* Weekdays — "lundi"/"monday" alone = the next such day strictly after today (said on a Thursday,
  "jeudi" is next week's), also with a time ("jeudi 18h" is next Thursday: say "aujourd'hui 18h" or
  "ce jeudi 18h" for today).  "ce lundi"/"this monday" = the next one, today included.
  "lundi prochain"/"next monday" = the Monday of NEXT calendar week (weeks start on Monday): on
  Thursday 26 Nov "vendredi prochain" is Friday 4 Dec, while "vendredi" is Friday 27 Nov.
  "lundi en huit" = a week after "lundi"; "lundi dernier"/"last monday" = the past one.
* Calendar dates — "15 janvier", "le 15 janvier", "January 15", "15th of January", "1er mai",
  "15/12" (fr: day/month), "12/15" (en: month/day; a reading that is impossible in the pinned order
  but valid in the other, e.g. "15/12" in English, is taken), "15/12/2026", ISO "2026-12-15" and
  "2026-12-15T14:00".  Without a year: the first such day from today on ("15 janvier" → 2027).
* Day of the month — "le 3", "the 3rd", "le 1er": the next 3rd from today on (3 Dec 2026); a bare
  number ("3", "2026") is never a date, nor a number before a weekday or a day word: "12 jeudi 14h",
  "3 thursday", "12 demain" are None (in "Salle 12 lundi" the number belongs to the title; split_due
  then takes "lundi").  A number before a month is a date ("Salle 12 décembre" is due 12 December).
* Weekday with a date — the weekday must agree with the date the rest of the words give.
  "jeudi 3 décembre 14h", "Thursday the 3rd" = 3 Dec (a Thursday).  When it does not ("jeudi 12":
  the next 12th, 12 Dec 2026, is a Saturday; "jeudi 12 novembre"; "jeudi 15/01/2027") the result is
  None rather than a guess months away, and split_due reports the words as not understood instead
  of dropping the weekday or the date: the member is asked to say it again.
* Months — "janvier"/"en janvier" = 1 January (next one); "début"/"early"/"beginning of" = the 1st,
  "mi-"/"mid-"/"middle of" = the 15th, "fin"/"end of"/"late" = the last day: "fin janvier" = 31 Jan,
  "mi-décembre" = 15 Dec.  Always the next such day from today on.
* Periods — a period named alone means its end: "cette semaine"/"this week" and "fin de semaine" =
  Friday of this week, "la semaine prochaine"/"next week" = Friday of next week, "ce week-end" =
  Sunday, "ce mois-ci"/"this month" and "fin du mois" = last day of the month, "le mois prochain" =
  last day of next month, "fin du trimestre" = last day of the quarter, "cette année"/"fin d'année" =
  31 Dec.  "début de semaine/mois/trimestre/année" = Monday / the 1st / first day, "mi-" = Wednesday /
  the 15th / 15th of the quarter's middle month / 30 June.  An unqualified start or middle already
  past moves to the next period ("début du mois" on 26 Nov = 1 Dec); "début de mois prochain" = 1 Dec.
  "dans la semaine"/"within the week" = Friday, "dans la journée" = today 18:00.
* Durations — "dans 3 jours", "d'ici 3 jours", "sous 15 jours", "in 3 days", "within 2 weeks",
  "2 weeks from now", "dans une semaine", "dans un mois", "sous huitaine" (8 days), "sous quinzaine"
  (15 days), "in a fortnight" (14 days), "sous 5 jours ouvrés"/"in 5 business days" (Mon–Fri): a day,
  without time (counted literally: "15 jours" = 15 days).  Hours and minutes ("dans 3 heures",
  "sous 48h", "in 30 minutes") give an exact time.  A duration needs its preposition ("3 jours"
  alone is not a date).
* Holidays — Noël/Christmas (25 Dec), réveillon/Christmas Eve (24 Dec), Nouvel an/New Year (1 Jan),
  Saint-Sylvestre/New Year's Eve (31 Dec), Pâques/Easter and the days computed from it, Toussaint,
  Saint-Valentin, 14 juillet via "fête nationale", Halloween: the next one.
* Time zones — the result is in the community's IANA zone; date-only results are 00:00 local; a clock
  time that does not exist (DST gap) moves forward by the gap; "29 mars 2027 9h" is +02:00 in Paris.
  An unknown zone raises ValueError; a naive `now` is taken as local time in that zone.
* Past dates are returned as such ("hier", "15/01/2020"): the caller refuses them.

format_when is absolute: "vendredi 27 novembre 2026 à 14:00" / "Friday 27 November 2026 at 14:00",
and without the time for a date-only When.  split_due's rules are in bot.dates.due_split.
"""

from __future__ import annotations

from bot.dates.core import When, format_when, parse_when
from bot.dates.due_split import DueSplit, split_due

__all__ = ["DueSplit", "When", "format_when", "parse_when", "split_due"]
