"""The Slack adapter (async Bolt): slash commands, the /engage modal, Block Kit items with a
"✅ Got it" button, ✅ reactions, the App Home, Socket Mode or HTTP mode.

Needs the `slack` extra (`pip install 'relais[slack]'`); importing this package alone does not
import the Slack SDK: `build_adapter` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapters.slack.adapter import SlackAdapter
    from bot.app import App


def build_adapter(*args: Any, **kwargs: Any) -> SlackAdapter:
    """See adapters.slack.adapter.build_adapter."""
    from adapters.slack.adapter import build_adapter as build

    return build(*args, **kwargs)


def create(app: App, hooks: Any) -> SlackAdapter:
    """The runner's entry point (relais/runner.py): the adapter for the config's [slack] section.

    `hooks.outbox_written` is called when replies were written (deliver now), `hooks.fatal` when
    Slack refuses the tokens at start.
    """
    from adapters.slack.settings import load_settings

    settings = load_settings(app.dispatcher.config)
    stores = hooks.slack_stores(settings.client_id) if settings.oauth and hooks.slack_stores else None
    adapter = build_adapter(app.dispatcher, settings, fatal=hooks.fatal, stores=stores)
    adapter.poke = hooks.outbox_written
    return adapter
