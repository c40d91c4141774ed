"""Proves the Slack stand-in works with the real slack_sdk / slack_bolt (no network beyond loopback)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.support.waiting import eventually

from .conftest import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET
from .standin import (
    DEFAULT_CHANNEL_ID,
    DEFAULT_USER_ID,
    LoopbackServer,
    SlackStandin,
    app_home_opened_event,
    asgi_request,
    form_encode_interactive,
    form_encode_slash_command,
    json_encode_event,
    message_event,
    reaction_added_event,
    reaction_removed_event,
    recorded,
    signed_request_headers,
    url_verification,
)

pytestmark = pytest.mark.slack

HTTP_TIMEOUT = aiohttp.ClientTimeout(total=10)


def make_app(standin: SlackStandin, **client_kwargs: Any) -> AsyncApp:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url, timeout=5, **client_kwargs)
    return AsyncApp(client=client, signing_secret=SIGNING_SECRET)


@asynccontextmanager
async def socket_mode(app: AsyncApp) -> AsyncIterator[AsyncSocketModeHandler]:
    # The SocketModeClient gets its wss URL from apps.connections.open on its web_client, which
    # defaults to app.client: pointing app.client at the stand-in is all that is needed.
    handler = AsyncSocketModeHandler(app, APP_TOKEN)
    await asyncio.wait_for(handler.connect_async(), timeout=5)
    try:
        yield handler
    finally:
        await asyncio.wait_for(handler.close_async(), timeout=5)


# --------------------------------------------------------------------------- Web API


@pytest.mark.asyncio
async def test_web_api_methods_and_recording(slack_standin: SlackStandin) -> None:
    s = slack_standin
    s.add_user(
        "U0BOB00001",
        name="bob",
        real_name="Bob Dupont",
        display_name="bobby",
        tz="Europe/Paris",
        locale="fr-FR",
    )
    client = AsyncWebClient(token=BOT_TOKEN, base_url=s.api_url, timeout=5)

    auth = await client.auth_test()
    assert (auth["team_id"], auth["user_id"], auth["bot_id"]) == (s.team_id, s.bot_user_id, s.bot_id)

    metadata = {"event_type": "relais_poll", "event_payload": {"poll_id": 7}}
    first = await client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="hello", metadata=metadata)
    second = await client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="again", thread_ts=first["ts"])
    assert first["channel"] == DEFAULT_CHANNEL_ID
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["metadata"] == metadata
    assert first["message"]["bot_id"] == s.bot_id and first["message"]["text"] == "hello"
    assert second["message"]["thread_ts"] == first["ts"]

    # form-encoded body (what api_call(data=...) sends), blocks as a JSON string
    form = await client.api_call(
        "chat.postMessage",
        data={"channel": DEFAULT_CHANNEL_ID, "text": "form", "blocks": json.dumps([{"type": "divider"}])},
    )
    assert form["message"]["blocks"] == [{"type": "divider"}]
    assert s.calls_to("chat.postMessage")[-1].headers["content-type"].startswith("application/x-www-form-urlencoded")

    updated = await client.chat_update(channel=DEFAULT_CHANNEL_ID, ts=first["ts"], text="edited")
    assert updated["message"]["text"] == "edited" and "edited" in updated["message"]
    await client.chat_delete(channel=DEFAULT_CHANNEL_ID, ts=second["ts"])
    assert [m["text"] for m in s.messages_in(DEFAULT_CHANNEL_ID)] == ["edited", "form"]
    with pytest.raises(SlackApiError) as err:
        await client.chat_delete(channel=DEFAULT_CHANNEL_ID, ts=second["ts"])
    assert err.value.response["error"] == "message_not_found"

    eph = await client.chat_postEphemeral(channel=DEFAULT_CHANNEL_ID, user=DEFAULT_USER_ID, text="psst")
    assert eph["message_ts"] and s.ephemerals[-1]["user"] == DEFAULT_USER_ID

    bob = (await client.users_info(user="U0BOB00001", include_locale=True))["user"]
    assert (bob["name"], bob["real_name"], bob["profile"]["display_name"]) == ("bob", "Bob Dupont", "bobby")
    assert (bob["tz"], bob["locale"]) == ("Europe/Paris", "fr-FR") and bob["tz_offset"] in (3600, 7200)
    assert "locale" not in (await client.users_info(user="U0BOB00001"))["user"]  # Slack: only on request
    with pytest.raises(SlackApiError):
        await client.users_info(user="U0NOBODY00")

    dm = (await client.conversations_open(users="U0BOB00001"))["channel"]["id"]
    assert dm.startswith("D") and dm == (await client.conversations_open(users=["U0BOB00001"]))["channel"]["id"]
    info = (await client.conversations_info(channel=dm))["channel"]
    assert info["is_im"] and info["user"] == "U0BOB00001"
    assert (await client.conversations_info(channel=DEFAULT_CHANNEL_ID))["channel"]["name"] == "general"
    to_user = await client.chat_postMessage(channel="U0BOB00001", text="dm")  # user id -> DM, like Slack
    assert to_user["channel"] == dm

    await client.reactions_add(channel=DEFAULT_CHANNEL_ID, timestamp=first["ts"], name="tada")
    with pytest.raises(SlackApiError) as err:
        await client.reactions_add(channel=DEFAULT_CHANNEL_ID, timestamp=first["ts"], name="tada")
    assert err.value.response["error"] == "already_reacted"

    trigger = s.new_trigger_id()
    view = {
        "type": "modal",
        "callback_id": "poll",
        "title": {"type": "plain_text", "text": "Poll"},
        "blocks": [],
    }
    opened = (await client.views_open(trigger_id=trigger, view=view))["view"]
    pushed = (await client.views_push(trigger_id=trigger, view={**view, "callback_id": "step2"}))["view"]
    assert pushed["root_view_id"] == opened["id"] and pushed["previous_view_id"] == opened["id"]
    upd = (await client.views_update(view_id=opened["id"], view={**view, "private_metadata": "x"}))["view"]
    assert upd["id"] == opened["id"] and upd["private_metadata"] == "x"
    home = (await client.views_publish(user_id=DEFAULT_USER_ID, view={"type": "home", "blocks": []}))["view"]
    assert s.home_views[DEFAULT_USER_ID]["id"] == home["id"]

    unknown = await client.api_call("bookmarks.list", params={"channel_id": DEFAULT_CHANNEL_ID})
    assert unknown["ok"] is True

    method, params, headers = s.calls_to("bookmarks.list")[0]
    assert (method, params["channel_id"]) == ("bookmarks.list", DEFAULT_CHANNEL_ID)
    assert headers["authorization"] == f"Bearer {BOT_TOKEN}"
    assert all(c.token == BOT_TOKEN for c in s.calls)
    assert len(s.calls) == len([c for c in s.calls if c.status == 200])


@pytest.mark.asyncio
async def test_auth_errors_fault_injection_and_trigger_expiry(slack_standin: SlackStandin) -> None:
    s = slack_standin
    with pytest.raises(SlackApiError) as err:
        await AsyncWebClient(base_url=s.api_url, timeout=5).auth_test()
    assert err.value.response["error"] == "not_authed"
    with pytest.raises(SlackApiError) as err:
        await AsyncWebClient(token=APP_TOKEN, base_url=s.api_url, timeout=5).chat_postMessage(
            channel=DEFAULT_CHANNEL_ID, text="x"
        )
    assert err.value.response["error"] == "not_allowed_token_type"

    client = AsyncWebClient(token=BOT_TOKEN, base_url=s.api_url, timeout=5)
    s.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C0MISSING01", text="x")
    assert err.value.response["error"] == "channel_not_found"
    assert (await client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="x"))["ok"]
    assert [c.response.get("error") for c in s.calls_to("chat.postMessage")] == [
        "not_allowed_token_type",
        "channel_not_found",
        None,
    ]

    s.trigger_ttl = 0.05
    trigger = s.new_trigger_id()
    issued = s.triggers[trigger]
    s.monotonic = lambda: issued + 0.1  # 0.1 s later on the stand-in's clock
    with pytest.raises(SlackApiError) as err:
        await client.views_open(trigger_id=trigger, view={"type": "modal", "blocks": []})
    assert err.value.response["error"] == "expired_trigger_id"
    s.monotonic = lambda: issued  # in time, but a trigger opens one view
    await client.views_open(trigger_id=trigger, view={"type": "modal", "blocks": []})
    with pytest.raises(SlackApiError) as err:
        await client.views_open(trigger_id=trigger, view={"type": "modal", "blocks": []})
    assert err.value.response["error"] == "exchanged_trigger_id"


# --------------------------------------------------------------------------- rate limiting


@pytest.mark.asyncio
@pytest.mark.parametrize("retry_after", [0, 1])
async def test_rate_limit_is_retried_by_the_sdk_handler(slack_standin: SlackStandin, retry_after: int) -> None:
    s = slack_standin
    client = AsyncWebClient(
        token=BOT_TOKEN,
        base_url=s.api_url,
        timeout=5,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    s.rate_limit("chat.postMessage", times=1, retry_after=retry_after)
    started = time.monotonic()
    response = await client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="once")
    waited = time.monotonic() - started

    assert response["ok"]
    attempts = s.calls_to("chat.postMessage")
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[0].response == {"ok": False, "error": "ratelimited"}
    assert [m["text"] for m in s.messages_in(DEFAULT_CHANNEL_ID)] == ["once"]  # landed once
    # the handler sleeps int(Retry-After) + random.random() seconds
    gap = attempts[1].at - attempts[0].at
    assert retry_after <= gap < retry_after + 1.5, gap
    assert waited < retry_after + 2


@pytest.mark.asyncio
async def test_rate_limit_without_retry_handler_surfaces_429(slack_standin: SlackStandin) -> None:
    s = slack_standin
    client = AsyncWebClient(token=BOT_TOKEN, base_url=s.api_url, timeout=5)
    s.rate_limit("chat.postMessage", times=1, retry_after=7)
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "7"
    assert err.value.response["error"] == "ratelimited"
    assert s.messages_in(DEFAULT_CHANNEL_ID) == []


@pytest.mark.asyncio
async def test_rate_limited_say_inside_bolt_listener_lands_once(slack_standin: SlackStandin) -> None:
    s = slack_standin
    app = make_app(s, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])

    @app.command("/relais")
    async def on_command(ack: Any, say: Any) -> None:
        await ack()
        await say("after retry")

    s.rate_limit("chat.postMessage", times=1, retry_after=0)
    async with socket_mode(app):
        envelope_id = await s.socket_send("slash_commands", s.slash_command("/relais", "x"))
        await s.wait_ack(envelope_id)
        await s.wait_for_calls("chat.postMessage", timeout=5)
    assert [c.status for c in s.calls_to("chat.postMessage")] == [429, 200]
    assert [m["text"] for m in s.messages_in(DEFAULT_CHANNEL_ID)] == ["after retry"]


# --------------------------------------------------------------------------- Socket Mode


@pytest.mark.asyncio
async def test_socket_mode_slash_command_ack_say_respond_client(slack_standin: SlackStandin) -> None:
    s = slack_standin
    app = make_app(s)
    seen: dict[str, Any] = {}

    @app.command("/relais")
    async def on_command(ack: Any, command: dict[str, Any], say: Any, respond: Any, client: AsyncWebClient) -> None:
        await ack(f"working on {command['text']}")
        seen["command"] = command
        await say("said in channel")
        await respond(text="only you", response_type="ephemeral")
        await client.views_open(trigger_id=command["trigger_id"], view={"type": "modal", "blocks": []})

    async with socket_mode(app):
        assert s.socket_connect_count == 1
        (open_call,) = s.calls_to("apps.connections.open")
        assert open_call.token == APP_TOKEN
        payload = s.slash_command("/relais", "poll lunch?")
        envelope_id = await s.socket_send("slash_commands", payload)
        ack = await s.wait_ack(envelope_id, timeout=3)
        await s.wait_for_calls("views.open")
        await s.wait_for_response_posts(1)

    assert ack["envelope_id"] == envelope_id
    assert ack["payload"] == {"text": "working on poll lunch?"}
    assert 0 <= ack["elapsed"] < 1.0
    assert seen["command"]["response_url"] == payload["response_url"]
    assert payload["response_url"].startswith(s.base_url + "/response/")
    (post,) = s.calls_to("chat.postMessage")
    assert post.params["channel"] == DEFAULT_CHANNEL_ID and post.params["text"] == "said in channel"
    (resp,) = s.response_posts
    assert resp.params == {"text": "only you", "response_type": "ephemeral"}
    assert payload["response_url"].endswith("/" + str(resp.response_id))
    assert s.calls_to("auth.test")  # Bolt's single-team authorization calls auth.test once
    assert s.socket_received[0] == {"envelope_id": envelope_id, "payload": {"text": "working on poll lunch?"}}


@pytest.mark.asyncio
async def test_socket_mode_ack_is_sent_before_the_listener_finishes(slack_standin: SlackStandin) -> None:
    s = slack_standin
    app = make_app(s)

    finish = asyncio.Event()

    @app.command("/slow")
    async def on_command(ack: Any, say: Any) -> None:
        await ack()
        await finish.wait()  # the listener's long work, over when the test says so
        await say("done")

    async with socket_mode(app):
        envelope_id = await s.socket_send("slash_commands", s.slash_command("/slow"))
        ack = await s.wait_ack(envelope_id)
        assert "payload" not in ack and ack["elapsed"] < 0.4
        assert s.calls_to("chat.postMessage") == []
        finished = time.monotonic()
        finish.set()
        (post,) = await s.wait_for_calls("chat.postMessage", timeout=3)
        assert post.at >= finished


@pytest.mark.asyncio
async def test_socket_mode_events_api_reaction_added_and_retries(slack_standin: SlackStandin) -> None:
    s = slack_standin
    app = make_app(s)
    received: asyncio.Queue[tuple[dict[str, Any], str | None]] = asyncio.Queue()

    @app.event("reaction_added")
    async def on_reaction(event: dict[str, Any], request: Any) -> None:
        await received.put((event, request.headers.get("x-slack-retry-num", [None])[0]))

    event = reaction_added_event("white_check_mark", item_ts="1700000000.000200")
    body = s.event_callback(event)
    async with socket_mode(app):
        first = await s.socket_send("events_api", body)
        ack = await s.wait_ack(first)
        got, retry_num = await asyncio.wait_for(received.get(), timeout=3)
        assert got == event and retry_num == "0"  # Bolt mirrors retry_attempt=0 as a header
        assert "payload" not in ack
        assert s.socket_sent[-1]["retry_attempt"] == 0 and s.socket_sent[-1]["retry_reason"] == ""
        assert s.socket_sent[-1]["accepts_response_payload"] is False

        # A redelivery (same event_id) is dispatched again: Bolt does no de-duplication.
        again = await s.socket_send("events_api", body, retry_attempt=1, retry_reason="timeout")
        await s.wait_ack(again)
        got, retry_num = await asyncio.wait_for(received.get(), timeout=3)
        assert got == event and retry_num == "1"

    ids = {s.event_callback(event)["event_id"] for _ in range(3)}
    assert len(ids) == 3 and s.event_callback(event, "Ev0FIXED")["event_id"] == "Ev0FIXED"


@pytest.mark.asyncio
async def test_socket_mode_unhandled_envelope_gets_no_ack(slack_standin: SlackStandin) -> None:
    s = slack_standin
    app = make_app(s)
    async with socket_mode(app):
        envelope_id = await s.socket_send("events_api", s.event_callback(message_event("nobody listens")))
        with pytest.raises(TimeoutError):
            await s.wait_ack(envelope_id, timeout=0.5)


@pytest.mark.asyncio
async def test_socket_mode_interactive_payloads(slack_standin: SlackStandin) -> None:
    s = slack_standin
    app = make_app(s)
    clicked: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    @app.action("vote")
    async def on_vote(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        await ack()
        await clicked.put(action)
        await respond(replace_original=True, text=f"voted {action['value']}")

    @app.view("poll_modal")
    async def on_submit(ack: Any, view: dict[str, Any]) -> None:
        question = view["state"]["values"]["q"]["question"]["value"]
        if not question:
            await ack(response_action="errors", errors={"q": "A question is required"})
        else:
            await ack()

    async with socket_mode(app):
        actions = s.block_actions("vote", "yes", channel_id=DEFAULT_CHANNEL_ID)
        eid = await s.socket_send("interactive", actions)
        await s.wait_ack(eid)
        assert (await asyncio.wait_for(clicked.get(), timeout=3))["value"] == "yes"
        (resp,) = await s.wait_for_response_posts(1)
        assert resp.params == {"replace_original": True, "text": "voted yes"}

        empty = {"q": {"question": {"type": "plain_text_input", "value": None}}}
        eid = await s.socket_send("interactive", s.view_submission("poll_modal", empty, private_metadata="{}"))
        ack = await s.wait_ack(eid)
        assert ack["payload"] == {"response_action": "errors", "errors": {"q": "A question is required"}}
        assert s.socket_sent[-1]["accepts_response_payload"] is True

        filled = {"q": {"question": {"type": "plain_text_input", "value": "Lunch?"}}}
        eid = await s.socket_send("interactive", s.view_submission("poll_modal", filled))
        assert "payload" not in await s.wait_ack(eid)


@pytest.mark.asyncio
async def test_socket_mode_disconnect_message_makes_the_sdk_reconnect(slack_standin: SlackStandin) -> None:
    s = slack_standin
    app = make_app(s)

    @app.command("/relais")
    async def on_command(ack: Any) -> None:
        await ack("still here")

    async with socket_mode(app):
        await s.socket_disconnect("refresh_requested")
        await eventually(lambda: s.socket_connect_count >= 2, 5, "the SDK to reconnect")
        assert s.socket_connect_count == 2 and len(s.calls_to("apps.connections.open")) == 2
        eid = await s.socket_send("slash_commands", s.slash_command("/relais"))
        assert (await s.wait_ack(eid))["payload"] == {"text": "still here"}


# --------------------------------------------------------------------------- HTTP mode


@pytest.mark.asyncio
async def test_http_mode_signature_verification(slack_standin: SlackStandin) -> None:
    s = slack_standin
    app = make_app(s)
    got_event = asyncio.Event()

    @app.command("/relais")
    async def on_command(ack: Any, respond: Any) -> None:
        await ack("http ok")
        await respond("later")

    @app.action("vote")
    async def on_vote(ack: Any) -> None:
        await ack()

    @app.event("reaction_added")
    async def on_reaction(event: dict[str, Any]) -> None:
        got_event.set()

    async with (
        LoopbackServer(app.web_app(path="/slack/events")) as server,
        aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as http,
    ):
        url = server.url + "/slack/events"

        async def post(body: str, headers: dict[str, str]) -> tuple[int, str]:
            async with http.post(url, data=body.encode(), headers=headers) as r:
                return r.status, await r.text()

        body = form_encode_slash_command(s.slash_command("/relais", "hi there"))
        status, text = await post(body, signed_request_headers(body, SIGNING_SECRET))
        assert (status, text) == (200, "http ok")  # HTTP mode: ack(text) -> text/plain body
        await s.wait_for_response_posts(1)

        form = {"Content-Type": "application/x-www-form-urlencoded"}
        assert (await post(body, form))[0] == 401  # unsigned
        tampered = body.replace("hi+there", "hi+thera")
        assert tampered != body
        assert (await post(tampered, signed_request_headers(body, SIGNING_SECRET)))[0] == 401
        stale = signed_request_headers(body, SIGNING_SECRET, timestamp=int(time.time()) - 6 * 60)
        assert (await post(body, stale))[0] == 401
        assert (await post(body, signed_request_headers(body, "wrong-secret")))[0] == 401

        interactive = form_encode_interactive(s.block_actions("vote", "no"))
        assert (await post(interactive, signed_request_headers(interactive, SIGNING_SECRET)))[0] == 200

        event = json_encode_event(s.event_callback(reaction_added_event("eyes")))
        retried = signed_request_headers(event, SIGNING_SECRET, retry_num=1, retry_reason="http_timeout")
        assert retried["Content-Type"] == "application/json"
        assert (await post(event, retried))[0] == 200  # retries are processed like first deliveries
        await asyncio.wait_for(got_event.wait(), timeout=3)

    assert s.calls_to("auth.test")


@pytest.mark.asyncio
async def test_http_mode_through_bolt_asgi_adapter(slack_standin: SlackStandin) -> None:
    from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler

    s = slack_standin
    app = make_app(s)

    @app.command("/relais")
    async def on_command(ack: Any) -> None:
        await ack("asgi ok")

    asgi = AsyncSlackRequestHandler(app, path="/slack/events")
    body = form_encode_slash_command(s.slash_command("/relais"))
    status, headers, raw = await asgi_request(asgi, "/slack/events", body, signed_request_headers(body, SIGNING_SECRET))
    assert (status, raw) == (200, b"asgi ok") and headers["content-type"].startswith("text/plain")
    unsigned = {"Content-Type": "application/x-www-form-urlencoded"}
    assert (await asgi_request(asgi, "/slack/events", body, unsigned))[0] == 401


# --------------------------------------------------------------------------- thread mode (sync clients)


def test_thread_mode_with_sync_web_client_and_sync_bolt_socket_mode(
    slack_standin_thread: SlackStandin,
) -> None:
    from slack_bolt import App
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk import WebClient

    s = slack_standin_thread
    client = WebClient(token=BOT_TOKEN, base_url=s.api_url, timeout=5)
    assert client.chat_postMessage(channel=DEFAULT_CHANNEL_ID, text="sync")["ok"]

    app = App(client=client, signing_secret=SIGNING_SECRET)

    @app.command("/relais")
    def on_command(ack: Any, say: Any) -> None:
        ack("sync ack")
        say("sync say")

    handler = SocketModeHandler(app, APP_TOKEN, auto_reconnect_enabled=False)
    handler.connect()
    try:
        envelope_id = s.run_sync(s.socket_send("slash_commands", s.slash_command("/relais")))
        ack = s.run_sync(s.wait_ack(envelope_id))
        assert ack["payload"] == {"text": "sync ack"}
        s.run_sync(s.wait_for_calls("chat.postMessage", 2))
    finally:
        s.run_sync(s.socket_close())  # else the builtin client's close() waits its 3 s recv timeout
        handler.close()
    assert [m["text"] for m in s.messages_in(DEFAULT_CHANNEL_ID)] == ["sync", "sync say"]


# --------------------------------------------------------------------------- channel members


DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.asyncio
async def test_conversations_members_and_users_list_paginate_with_cursors(slack_standin: SlackStandin) -> None:
    standin = slack_standin
    people = [f"U0PERSON{n:03d}" for n in range(7)]
    for user in people:
        standin.add_user(user, locale="fr-FR")
    standin.add_channel("C0BIG00001", name="big", members=[standin.bot_user_id, *people])
    standin.add_channel("G0SECRET01", name="secret", is_private=True, is_member=False, members=people[:2])
    client = AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url)

    seen, cursor, pages = [], None, 0
    while True:
        response = await client.conversations_members(channel="C0BIG00001", limit=3, cursor=cursor)
        seen += response["members"]
        pages += 1
        cursor = response["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert seen == [standin.bot_user_id, *people] and pages == 3
    with pytest.raises(SlackApiError) as refused:
        await client.conversations_members(channel="G0SECRET01")
    assert refused.value.response["error"] == "channel_not_found"

    listed = await client.users_list(limit=4, include_locale=True)
    assert len(listed["members"]) == 4 and listed["response_metadata"]["next_cursor"]
    everyone = [user async for chunk in await client.users_list(limit=4) for user in chunk["members"]]
    assert {user["id"] for user in everyone} == set(standin.users)
    slackbot = next(user for user in everyone if user["id"] == "USLACKBOT")
    assert slackbot["is_bot"] is False  # as on Slack: Slackbot is not flagged as a bot
    assert all("locale" in user for user in listed["members"])


def test_member_payloads_have_the_recorded_shapes(slack_standin: SlackStandin) -> None:
    joined = slack_standin.join_channel(DEFAULT_CHANNEL_ID, DEFAULT_USER_ID, inviter="U0INVITER1")
    recorded = json.loads((DATA / "member_joined_channel.json").read_text(encoding="utf-8"))["event"]
    assert set(joined) >= set(recorded) - {"enterprise"}
    assert joined["channel_type"] == recorded["channel_type"] == "C"
    left = slack_standin.leave_channel(DEFAULT_CHANNEL_ID, DEFAULT_USER_ID)
    recorded = json.loads((DATA / "member_left_channel.json").read_text(encoding="utf-8"))["event"]
    assert set(left) >= set(recorded) and left["type"] == recorded["type"]
    members = json.loads((DATA / "conversations.members.json").read_text(encoding="utf-8"))
    assert set(members) == {"ok", "members", "response_metadata"}
    assert DEFAULT_USER_ID not in slack_standin.members_of[DEFAULT_CHANNEL_ID]


# --------------------------------------------------------------------------- recorded shapes


def keys(name: str, *path: str | int) -> set[str]:
    value = recorded(name)
    for step in path:
        value = value[step]
    return set(value)


def test_builders_keep_the_recorded_shapes(slack_standin: SlackStandin) -> None:
    s = slack_standin
    assert set(s.slash_command("/relais", "x")) >= keys("slash_command.json", "payload")
    grid = s.slash_command("/relais", "x", enterprise_id="E0GRID0001")
    assert set(grid) >= keys("slash_command_enterprise.json") and grid["enterprise_id"] == "E0GRID0001"
    body = s.event_callback(message_event("hello", thread_ts="1700000000.000100"))
    assert set(body) >= keys("event_callback.json", "payload")
    assert set(body["authorizations"][0]) == keys("event_callback.json", "payload", "authorizations", 0)
    assert set(body["event"]) >= keys("message.json", "event") and body["event"]["blocks"][0]["type"] == "rich_text"
    for built, name in (
        (reaction_added_event("eyes"), "reaction_added.json"),
        (reaction_removed_event("eyes"), "reaction_removed.json"),
    ):
        assert set(built) == keys(name, "event") and set(built["item"]) == keys(name, "event", "item")
    assert set(app_home_opened_event(view={"id": "V0HOME0001"})) == keys("app_home_opened.json")
    assert set(s.block_actions("vote", "yes")) >= keys("block_actions.json")
    assert set(s.shortcut("relais_new")) == keys("shortcut.json")
    on_message = s.shortcut("relais_make", {"ts": "1700000000.000100", "text": "hi", "user": "U0X"})
    assert set(on_message) == keys("message_action.json") and set(on_message["message"]) >= {"ts", "text", "user"}
    assert set(s.block_actions("vote", "yes")["actions"][0]) == keys("block_actions.json", "actions", 0)
    assert set(s.block_actions("vote", view={"id": "V0MODAL001"})) >= keys("block_actions_in_view.json", "payload")
    submitted = s.view_submission("relais_engage", {})
    assert set(submitted) >= keys("view_submission.json")
    assert set(submitted["view"]) == keys("view_submission.json", "view")
    assert set(url_verification()) == keys("url_verification.json")


@pytest.mark.asyncio
async def test_socket_mode_messages_have_the_recorded_shapes(slack_standin: SlackStandin) -> None:
    s = slack_standin
    async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as http, http.ws_connect(s.socket_url) as ws:
        hello = await ws.receive_json(timeout=5)
        assert set(hello) == keys("hello.json") and set(hello["debug_info"]) == keys("hello.json", "debug_info")
        await s.socket_send("slash_commands", s.slash_command("/relais"))
        assert set(await ws.receive_json(timeout=5)) == keys("slash_command.json")
        await s.socket_send("events_api", s.event_callback(message_event("hello")))
        assert set(await ws.receive_json(timeout=5)) == keys("event_callback.json")
        await s.socket_send("interactive", s.block_actions("vote", view={"id": "V0MODAL001"}))
        assert set(await ws.receive_json(timeout=5)) == keys("block_actions_in_view.json")
        await s.socket_disconnect("refresh_requested")
        assert set(await ws.receive_json(timeout=5)) == keys("disconnect.json")
