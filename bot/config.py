"""Configuration: a TOML file, every key overridable by RELAIS_<SECTION>_<KEY>.

Defaults: French, Europe/Paris, an SQLite file in the working directory.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_CONFIG_FILE = "relais.toml"
LANGUAGES = ("fr", "en")


class ConfigError(ValueError):
    """A configuration value is missing or wrong; the message says which.

    Like bot.errors.Refusal, `message` is an English msgid and `values` fill its fields, so that
    the command line can translate it; str(error) is the English text, for logs.
    Config keys and file paths are values: they are never translated.
    """

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message.format(**values) if values else message)
        self.message = message
        self.values = values


@dataclass(frozen=True)
class CircleConfig:
    name: str
    channels: tuple[str, ...] = ()
    recap: str | None = None  # None: the [schedules] recap rule


@dataclass(frozen=True)
class Config:
    community_name: str = "Communauté d'action"
    language: str = "fr"
    timezone: str = "Europe/Paris"
    database_url: str = "sqlite:///relais.db"
    facilitators: tuple[str, ...] = ()
    default_circle: str = "Général"
    circles: tuple[CircleConfig, ...] = ()
    late_joiner_items: int = 5
    name_members_behind: bool = False
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        """Raw keys of a section that the core does not interpret (matrix, slack, schedules…)."""
        return self.sections.get(name, {})


def _env_overrides(data: dict[str, Any], environ: dict[str, str]) -> dict[str, Any]:
    merged = {key: dict(value) if isinstance(value, dict) else value for key, value in data.items()}
    for name, raw in environ.items():
        if not name.startswith("RELAIS_") or name.count("_") < 2:
            continue
        section, _, key = name[len("RELAIS_") :].lower().partition("_")
        if not key:
            continue
        target = merged.setdefault(section, {})
        if isinstance(target, dict):
            target[key] = raw
    return merged


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return tuple(str(part) for part in value)


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "oui", "on"}


def load_config(path: str | Path | None = None, environ: dict[str, str] | None = None) -> Config:
    """Read the TOML file (if any) and apply environment overrides."""
    environ = dict(os.environ if environ is None else environ)
    file = Path(path) if path else Path(DEFAULT_CONFIG_FILE)
    data: dict[str, Any] = {}
    if file.exists():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ConfigError("{file}: {problem}", file=str(file), problem=str(error)) from error
    elif path:
        raise ConfigError("configuration file not found: {file}", file=str(file))
    return config_from_dict(_env_overrides(data, environ))


def declared_language(path: str | Path | None = None, environ: dict[str, str] | None = None) -> str | None:
    """The community.language that the file and environment ask for, even when the rest is wrong.

    For messages about a configuration that cannot be loaded; None if there is no valid one.
    """
    environ = dict(os.environ if environ is None else environ)
    file = Path(path) if path else Path(DEFAULT_CONFIG_FILE)
    data: dict[str, Any] = {}
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        pass
    community = _env_overrides(data, environ).get("community")
    language = str(community.get("language", "")).lower() if isinstance(community, dict) else ""
    return language if language in LANGUAGES else None


def _circle(item: Any) -> CircleConfig:
    if not isinstance(item, dict) or not str(item.get("name") or "").strip():
        raise ConfigError('each [[circles]] entry needs a name: name = "COPIL"')
    return CircleConfig(
        name=str(item["name"]).strip(),
        channels=_as_tuple(item.get("channels")),
        recap=str(item["recap"]) if item.get("recap") is not None else None,
    )


def _count(section: dict[str, Any], key: str, default: int) -> int:
    raw = section.get(key, default)
    try:
        value = int(raw)
    except (TypeError, ValueError) as error:
        raise ConfigError("community.{key} must be a whole number, not “{value}”", key=key, value=raw) from error
    if value < 0:
        raise ConfigError("community.{key} must not be negative", key=key)
    return value


def config_from_dict(data: dict[str, Any]) -> Config:
    community = data.get("community", {})
    database = data.get("database", {})
    language = str(community.get("language", "fr")).lower()
    if language not in LANGUAGES:
        raise ConfigError("community.language must be fr or en, not “{language}”", language=language)
    timezone = str(community.get("timezone", "Europe/Paris"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError("community.timezone is not an IANA timezone: “{timezone}”", timezone=timezone) from error
    circles = tuple(_circle(item) for item in data.get("circles", []))
    known = {"community", "database", "circles"}
    return Config(
        community_name=str(community.get("name", Config.community_name)),
        language=language,
        timezone=timezone,
        database_url=str(database.get("url", Config.database_url)),
        facilitators=_as_tuple(community.get("facilitators")),
        default_circle=str(community.get("default_circle", Config.default_circle)),
        circles=circles,
        late_joiner_items=_count(community, "late_joiner_items", 5),
        name_members_behind=_as_bool(community.get("name_members_behind", False)),
        sections={key: value for key, value in data.items() if key not in known and isinstance(value, dict)},
    )
