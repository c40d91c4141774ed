"""The `[matrix]` section of the configuration (every key overridable by RELAIS_MATRIX_<KEY>)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Config, ConfigError
from bot.config.values import Section


def server_of(user_id: str) -> str:
    """`@alice:example.org` -> `example.org`."""
    return user_id.partition(":")[2]


@dataclass(frozen=True)
class MatrixConfig:
    homeserver: str
    user_id: str
    access_token: str | None = None
    password: str | None = None
    device_id: str | None = None
    device_name: str = "Relais"
    store_path: str | None = None  # end-to-end encryption keys (needs the [e2e] extra)
    cross_signing: bool = True  # with encryption: Relais' device signed by its own identity
    cross_signing_file: str | None = None  # its private keys (0600); default: beside store_path
    recovery_key: str | None = None  # opens the keys kept in secret storage (RELAIS_MATRIX_RECOVERY_KEY)
    allowed_homeservers: tuple[str, ...] = ()  # anyone on these may invite Relais ("*": anyone at all)
    allowed_users: tuple[str, ...] = ()  # these people may invite Relais, even in no circle
    ignored_users: tuple[str, ...] = ()  # bridges, other bots: never members, their events ignored
    prefix: str = "!"
    sync_timeout: float = 30.0  # long-poll, seconds
    request_timeout: float = 20.0  # any other request, seconds
    max_backoff: float = 30.0  # longest wait between two attempts when the homeserver is down
    timeline_limit: int = 50  # events per room per sync; a larger gap is fetched page by page
    react_on_items: bool = True  # Relais reacts ✅ under its items, so that members confirm with one tap

    @property
    def server_name(self) -> str:
        return server_of(self.user_id)

    def invite_listed(self, inviter: str) -> bool:
        """The inviter is on an allow-list: `allowed_users`, or a homeserver in `allowed_homeservers`.

        Nobody is listed by default: then only members and facilitators may invite Relais (see
        adapters.matrix.rooms), and anyone may invite it into a room already linked to a circle.
        """
        servers = self.allowed_homeservers
        return inviter in self.allowed_users or server_of(inviter) in servers or "*" in servers

    def ignores(self, user_id: str) -> bool:
        """Relais' own account and the ignored users are never members of anything."""
        return user_id == self.user_id or user_id in self.ignored_users


def matrix_enabled(config: Config) -> bool:
    return config.enabled("matrix")


def matrix_config(config: Config) -> MatrixConfig:
    """Read and check the section; a missing or wrong value raises ConfigError saying which."""
    section = Section("matrix", config.section("matrix"))
    homeserver = str(section.get("homeserver", "")).strip().rstrip("/")
    user_id = str(section.get("user_id", "")).strip()
    if not homeserver.startswith(("http://", "https://")):
        raise ConfigError("matrix.homeserver must be the homeserver URL, e.g. https://matrix.example.org")
    if "/_matrix" in homeserver:
        raise ConfigError(
            "matrix.homeserver is the server's address without /_matrix/…: write {url}",
            url=homeserver.split("/_matrix", 1)[0],
        )
    if not (user_id.startswith("@") and ":" in user_id):
        raise ConfigError("matrix.user_id must be the bot's Matrix id, e.g. @relais:example.org")
    token = str(section.get("access_token") or "").strip() or None
    password = str(section.get("password") or "").strip() or None
    if not token and not password:
        raise ConfigError(
            "matrix needs access_token (preferred) or password; put secrets in the environment: "
            "RELAIS_MATRIX_ACCESS_TOKEN or RELAIS_MATRIX_PASSWORD"
        )
    prefix = str(section.get("prefix", section.get("command_prefix", "!")))
    if not prefix.strip() or any(char.isspace() for char in prefix):
        raise ConfigError("matrix.prefix must be a non-empty word without spaces, such as !")
    return MatrixConfig(
        homeserver=homeserver,
        user_id=user_id,
        access_token=token,
        password=password,
        device_id=str(section.get("device_id") or "").strip() or None,
        device_name=str(section.get("device_name") or "Relais"),
        store_path=str(section.get("store_path") or "").strip() or None,
        cross_signing=section.flag("cross_signing", True),
        cross_signing_file=str(section.get("cross_signing_file") or "").strip() or None,
        recovery_key=str(section.get("recovery_key") or "").strip() or None,
        allowed_homeservers=section.words("allowed_homeservers"),
        allowed_users=section.words("allowed_users"),
        ignored_users=section.words("ignored_users"),
        prefix=prefix,
        sync_timeout=section.number("sync_timeout", 30.0),
        request_timeout=max(section.number("request_timeout", 20.0), 1.0),
        max_backoff=max(section.number("max_backoff", 30.0), 0.1),
        timeline_limit=max(int(section.number("timeline_limit", 50)), 1),
        react_on_items=section.flag("react_on_items", True),
    )
