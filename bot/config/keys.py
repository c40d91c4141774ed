"""Every section and key of relais.toml that Relais reads, in one table.

With it: a section that is not a table is refused at start; an unknown section or key (`[comunity]`,
`langage`) is not an error but a note naming the closest known name; and only the known keys are
read from the environment, as RELAIS_<SECTION>_<KEY> (RELAIS_COMMUNITY_LANGUAGE=en), so that
another program's RELAIS_SOMETHING_ELSE never becomes configuration.

The platforms' sections are read by their adapters (adapters/matrix/config.py,
adapters/slack/settings.py): their keys are listed here too, so that a typo there is noted as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.config.values import ConfigError, ConfigNote, shown
from bot.i18n import N_

PREFIX = "RELAIS_"

SECTIONS: dict[str, frozenset[str]] = {
    "community": frozenset(
        {"name", "language", "timezone", "default_circle", "late_joiner_items", "name_members_behind", "facilitators"}
    ),
    "database": frozenset({"url"}),
    "schedules": frozenset(
        {
            "recap",
            "digest",
            "nudges",
            "recap_grace_hours",
            "digest_grace_hours",
            "nudge_grace_hours",
            "reminder_grace_minutes",
            "late_after_minutes",
            "agenda_lead_hours",
            "reminder_offsets_hours",
            "nudge_due_days",
            "overdue_nudge_days",
            "unread_nudge_days",
            "low_coverage",
            "meeting_minutes",
            "lookback_days",
            "resync_seconds",
            "recap_chart",
            "circles",
        }
    ),
    "matrix": frozenset(
        {
            "enabled",
            "homeserver",
            "user_id",
            "access_token",
            "password",
            "device_id",
            "device_name",
            "store_path",
            "cross_signing",
            "cross_signing_file",
            "recovery_key",
            "allowed_homeservers",
            "allowed_users",
            "ignored_users",
            "prefix",
            "command_prefix",
            "sync_timeout",
            "request_timeout",
            "max_backoff",
            "timeline_limit",
            "react_on_items",
        }
    ),
    "slack": frozenset(
        {
            "enabled",
            "mode",
            "bot_token",
            "app_token",
            "signing_secret",
            "host",
            "port",
            "path",
            "team_id",
            "channels",
            "facilitators",
            "api_url",
            "pace_seconds",
            "rate_limit_retries",
            "spool",
            "timeout",
            "db_threads",
            "client_id",
            "client_secret",
            "scopes",
            "install_path",
            "redirect_path",
        }
    ),
    "web": frozenset({"enabled", "host", "port", "public_url", "session_hours"}),
    "log": frozenset({"level"}),
}
# keys holding a table of free names (circle names, Slack channel ids); not settable from the environment
TABLES = frozenset({("schedules", "circles"), ("slack", "channels")})
CIRCLE_KEYS = frozenset({"name", "channels", "recap"})  # each [[circles]] entry
ARRAYS = {"circles": CIRCLE_KEYS}  # arrays of tables: [[circles]]
KNOWN = (*SECTIONS, *ARRAYS)


def closest(name: str, known: list[str] | frozenset[str] | tuple[str, ...]) -> str | None:
    """The known name that `name` is most likely a typo of, if any is close enough."""
    import difflib  # only for a mistyped key: not held by every process from the start

    found = difflib.get_close_matches(name.lower(), sorted(known), n=1, cutoff=0.6)
    return found[0] if found else None


def _unknown_key(where: str, key: str, known: frozenset[str]) -> ConfigNote:
    guess = closest(key, known)
    if guess:
        return ConfigNote(
            N_("unknown key {key} in {section} is ignored; did you mean {guess}?"),
            {
                "key": key,
                "section": where,
                "guess": guess,
            },
        )
    return ConfigNote(
        N_("unknown key {key} in {section} is ignored; known keys: {known}"),
        {
            "key": key,
            "section": where,
            "known": ", ".join(sorted(known)),
        },
    )


def _written(name: str, value: Any) -> str:
    """A value of the wrong shape as the file wrote it ([[community]], [circles]), not as Python shows it."""
    if isinstance(value, dict):
        return f"[{name}]"
    if isinstance(value, list) and value and all(isinstance(entry, dict) for entry in value):
        return f"[[{name}]]"
    return shown(value)


def check_shape(data: Mapping[str, Any]) -> list[ConfigNote]:
    """Refuse a section that is not a table (`community = "X"`, `circles = 5`); note unknown names."""
    notes: list[ConfigNote] = []
    for name, value in data.items():
        if name in ARRAYS:
            if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
                raise ConfigError(
                    "{name} must be a list of sections: [[{name}]] then its keys on the lines below, not “{value}”",
                    name=name,
                    value=_written(name, value),
                )
            for entry in value:
                label = f"[[{name}]] “{shown(entry.get('name', '?'))}”"
                notes += [_unknown_key(label, key, ARRAYS[name]) for key in entry if key not in ARRAYS[name]]
            continue
        if name not in SECTIONS:
            guess = closest(name, KNOWN)
            if guess:
                notes.append(
                    ConfigNote(
                        N_("unknown section [{name}] is ignored; did you mean [{guess}]?"),
                        {
                            "name": name,
                            "guess": guess,
                        },
                    )
                )
            else:
                notes.append(
                    ConfigNote(
                        N_("unknown section [{name}] is ignored; known sections: {known}"),
                        {
                            "name": name,
                            "known": ", ".join(KNOWN),
                        },
                    )
                )
            continue
        if not isinstance(value, dict):
            raise ConfigError(
                "{name} must be a section: [{name}] then its keys on the lines below, not “{value}”",
                name=name,
                value=_written(name, value),
            )
        known = SECTIONS[name]
        notes += [_unknown_key(f"[{name}]", key, known) for key in value if key not in known]
        for section, key in TABLES:
            if section == name and key in value and not isinstance(value[key], dict):
                raise ConfigError(
                    "{section}.{key} must be a table: [{section}.{key}] then “name” = “value” lines, not “{value}”",
                    section=section,
                    key=key,
                    value=shown(value[key]),
                )
    return notes


def variable(section: str, key: str) -> str:
    return f"{PREFIX}{section}_{key}".upper()


def from_environment(environ: Mapping[str, str]) -> tuple[dict[str, dict[str, str]], list[ConfigNote]]:
    """The known RELAIS_<SECTION>_<KEY> variables, by section and key.

    Any other RELAIS_… variable is not configuration (RELAIS_TEST_DATABASE_URL belongs to the tests);
    one whose section is known but whose key is not is most likely a typo, and is noted.
    """
    values: dict[str, dict[str, str]] = {}
    notes: list[ConfigNote] = []
    for name, raw in sorted(environ.items()):
        if not name.startswith(PREFIX):
            continue
        rest = name[len(PREFIX) :].lower()
        section = next((known for known in SECTIONS if rest.startswith(known + "_")), None)
        if section is None:
            continue
        key = rest[len(section) + 1 :]
        if key in SECTIONS[section] and (section, key) not in TABLES:
            values.setdefault(section, {})[key] = raw
            continue
        settable = [known for known in SECTIONS[section] if (section, known) not in TABLES]
        guess = closest(key, settable)
        if guess:
            notes.append(
                ConfigNote(
                    N_("the variable {name} is not a Relais setting and is ignored; did you mean {guess}?"),
                    {
                        "name": name,
                        "guess": variable(section, guess),
                    },
                )
            )
        else:
            notes.append(ConfigNote(N_("the variable {name} is not a Relais setting and is ignored"), {"name": name}))
    return values, notes
