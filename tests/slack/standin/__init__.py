"""A local, loopback-only stand-in for the parts of Slack that Relais talks to.

It serves, on ``127.0.0.1`` and a free ephemeral port chosen by the kernel:

* the Web API under ``/api/<method>`` (web_api.py; views.py for modals and Home tabs, members.py
  for users.list and conversations.members), with a small amount of state (workspace.py: users,
  channels, messages) so that the answers look like Slack's;
* the Socket Mode WebSocket under ``/link`` (socket_mode.py), the URL ``apps.connections.open`` hands out;
* ``response_url`` endpoints under ``/response/<id>`` (interactions.py).

What Slack sends is built from payloads recorded under ``tests/slack/data/`` (payloads.py); HTTP mode's
signed requests are in signing.py.

Primary mode is **async, in the caller's event loop**::

    async with SlackStandin() as standin:
        client = AsyncWebClient(token="xoxb-test", base_url=standin.api_url)

Secondary mode is a **background thread with its own loop**, for synchronous code (Bolt's
sync ``App``, ``WebClient``) that would otherwise block the loop serving it::

    with SlackStandin() as standin:            # == start_in_thread() / stop_in_thread()
        WebClient(token="xoxb-test", base_url=standin.api_url).chat_postMessage(...)
        envelope_id = standin.run_sync(standin.socket_send("slash_commands", payload))

The waiting helpers (``wait_ack``, ``wait_for_calls``, ``wait_socket_connected``...) can be awaited
from any loop; ``socket_send`` hops to the server loop by itself.

The package has no pytest and no slack_sdk / slack_bolt imports: only aiohttp.
"""

from __future__ import annotations

from .common import (
    DEFAULT_APP_ID,
    DEFAULT_BOT_ID,
    DEFAULT_BOT_USER_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_TEAM_DOMAIN,
    DEFAULT_TEAM_ID,
    DEFAULT_USER_ID,
    SLACKBOT,
    RecordedCall,
    StandinError,
    new_trigger_id,
)
from .members import ChannelMembers, check_blocks, member_joined_channel_event, member_left_channel_event
from .payloads import (
    app_home_opened_event,
    block_actions,
    event_callback,
    message_event,
    reaction_added_event,
    reaction_removed_event,
    recorded,
    slash_command,
    url_verification,
    view_submission,
)
from .server import LoopbackServer
from .signing import (
    asgi_request,
    form_encode_interactive,
    form_encode_slash_command,
    json_encode_event,
    signed_request_headers,
)
from .standin import SlackStandin

__all__ = [
    "DEFAULT_APP_ID",
    "DEFAULT_BOT_ID",
    "DEFAULT_BOT_USER_ID",
    "DEFAULT_CHANNEL_ID",
    "DEFAULT_TEAM_DOMAIN",
    "DEFAULT_TEAM_ID",
    "DEFAULT_USER_ID",
    "SLACKBOT",
    "ChannelMembers",
    "LoopbackServer",
    "RecordedCall",
    "SlackStandin",
    "StandinError",
    "app_home_opened_event",
    "asgi_request",
    "block_actions",
    "check_blocks",
    "event_callback",
    "form_encode_interactive",
    "form_encode_slash_command",
    "json_encode_event",
    "member_joined_channel_event",
    "member_left_channel_event",
    "message_event",
    "new_trigger_id",
    "reaction_added_event",
    "reaction_removed_event",
    "recorded",
    "signed_request_headers",
    "slash_command",
    "url_verification",
    "view_submission",
]
