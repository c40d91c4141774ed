"""The `[web]` section of relais.toml, checked once at start.

[web]
host = "127.0.0.1"                          # where the server listens (behind a proxy: keep loopback)
port = 8080
public_url = "https://relais.example.org"   # what the links in /dashboard start with
session_hours = 12                          # how long a sign-in lasts
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.config import ConfigError
from bot.config.values import Section
from bot.services.dashboard.access import DEFAULT_PORT, DEFAULT_SESSION_HOURS, link_base


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    public_url: str = f"http://127.0.0.1:{DEFAULT_PORT}"
    session_hours: float = DEFAULT_SESSION_HOURS

    @property
    def secure(self) -> bool:
        """Behind HTTPS: cookies are marked Secure."""
        return self.public_url.startswith("https://")


def parse_settings(raw: dict[str, Any]) -> WebSettings:
    """Settings from the raw section; a wrong value is a ConfigError naming its key."""
    section = Section("web", raw)
    public_url = link_base(raw)
    if not public_url.startswith(("http://", "https://")):
        raise ConfigError("web.public_url must start with https:// (or http://), not “{value}”", value=public_url)
    return WebSettings(
        host=str(raw.get("host", "127.0.0.1")),
        port=section.port("port", DEFAULT_PORT),
        public_url=public_url,
        session_hours=section.number("session_hours", DEFAULT_SESSION_HOURS, minimum=0.1),
    )
