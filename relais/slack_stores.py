"""The installation stores of Slack's OAuth flow, on Relais' own database (composition root).

With `slack.client_id`, Relais is installed in several workspaces through `Add to Slack`; each
installation (its bot token, team id) is kept by slack_sdk's SQLAlchemy stores in Relais' database,
in their own tables (`slack_installations`, `slack_bots`, `slack_oauth_states`), created at start
if missing. slack_sdk owns their shape, so they are not in Relais' migrations. They are built here
because adapters never import SQLAlchemy nor bot.db (see .importlinter): the adapter sees only
slack_sdk's store interfaces (adapters/slack/workspaces.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from adapters.slack.workspaces import Stores

STATE_SECONDS = 600  # an `Add to Slack` click must come back within ten minutes


def slack_stores(engine: Engine, client_id: str) -> Stores:
    """slack_sdk's SQLAlchemy installation and state stores on Relais' engine, tables created."""
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    from adapters.slack.workspaces import Stores

    installations = SQLAlchemyInstallationStore(client_id=client_id, engine=engine)
    states = SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine)
    installations.create_tables()
    states.create_tables()
    return Stores(installations, states)
