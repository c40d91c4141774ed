"""How each platform's reader types a command, for the messages Relais writes (bot.i18n.CommandSpelling).

- Slack: only the English names are slash commands of their own (Slack caps an app's slash commands:
  adapters/slack/manifest.py); any other name is typed after the umbrella command: `/relais lu #3`.
- Matrix: Element takes an unknown `/word` for one of its own commands, so the configured prefix
  (`matrix.prefix`, `!` by default): `!lu #3`.
- The console, and anything not written for one platform (a post copied to several): `/lu #3`.

A post to a circle is written once for all its rooms (`circles`): spelled for the one live platform
Relais runs on (`only`: Slack or Matrix configured or named by the circles' channels); when it runs on
both, its commands are slots (CommandSpelling.deferred) that the outbox fills in per destination
(`typed_there`): `/relais lu #3` in the Slack channel, `!lu #3` in the Matrix room, the member's own
words untouched.

Built once from the router and the configuration (Spellings.of), and kept in the store's extensions so
that what runs outside a command (digests, nudges) finds it (spellings_of).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.i18n import CommandSpelling, typed_on

if TYPE_CHECKING:
    from bot.config import Config
    from bot.router import Router

SLACK_UMBRELLA = "relais"
MATRIX_PREFIX = "!"
EXTENSION = "command_spellings"  # Store.extensions


@dataclass(frozen=True)
class Spellings:
    """The spelling of commands on each platform that has one of its own (none: typed as on the console)."""

    by_platform: Mapping[str, CommandSpelling]
    only: CommandSpelling | None = None  # the one live platform configured: where every circle post goes
    circles: CommandSpelling | None = None  # how a circle post names commands: `only`, or slots (deferred)

    @staticmethod
    def of(router: Router, config: Config) -> Spellings:
        names = router.names()
        prefix = str(config.section("matrix").get("prefix", config.section("matrix").get("command_prefix", "")))
        matrix_prefix = prefix.strip() if prefix.strip() and not any(c.isspace() for c in prefix) else MATRIX_PREFIX
        by_platform = {
            "slack": CommandSpelling(
                names, "/", SLACK_UMBRELLA, frozenset(name.lower() for name in router.slash_commands())
            ),
            "matrix": CommandSpelling(names, matrix_prefix),
        }
        mapped = {channel.split(":", 1)[0] for circle in config.circles for channel in circle.channels}
        live = [platform for platform in by_platform if config.enabled(platform) or platform in mapped]
        only = by_platform[live[0]] if len(live) == 1 else None
        deferred = CommandSpelling(names, deferred=True) if len(live) > 1 else None
        return Spellings(by_platform, only, only or deferred)

    def on(self, platform: str | None) -> CommandSpelling | None:
        """For a platform ("slack", "matrix"), or an address on it ("slack:T1/U1"); None: the console's."""
        return self.by_platform.get((platform or "").split(":", 1)[0])


def register(extensions: dict[str, Any], spellings: Spellings) -> None:
    extensions[EXTENSION] = spellings


def spellings_of(extensions: Mapping[str, Any]) -> Spellings | None:
    """The spellings registered by this process' dispatcher (None in a bare store: commands typed with /)."""
    found = extensions.get(EXTENSION)
    return found if isinstance(found, Spellings) else None


def for_circles(store: Any) -> CommandSpelling | None:
    """How a post to a circle names commands (Spellings.circles), for a Store (or None)."""
    spellings = spellings_of(getattr(store, "extensions", {}))
    return spellings.circles if spellings is not None else None


def typed_there(store: Any, text: str, platform: str | None) -> str:
    """A text as it goes to one destination (a platform, or an address on it): the command slots of a post
    written for several platforms spelled for that one (typed_on); any other text unchanged."""
    spellings = spellings_of(getattr(store, "extensions", {}))
    return typed_on(text, spellings.on(platform) if spellings is not None else None)


def on_the_other(store: Any, platform: str | None) -> CommandSpelling | None:
    """How commands are typed on a member's other account (/link): on the one live platform if Relais runs on
    one (another workspace), else on the other one (Matrix for a Slack account, Slack for a Matrix one);
    None from the console, or without a dispatcher."""
    spellings = spellings_of(getattr(store, "extensions", {}))
    if spellings is None or spellings.only is not None:
        return spellings.only if spellings is not None else None
    other = {"slack": "matrix", "matrix": "slack"}.get((platform or "").split(":", 1)[0])
    return spellings.on(other) if other else None
