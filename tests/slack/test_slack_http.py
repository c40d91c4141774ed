"""HTTP mode: only requests signed by Slack, recently, with the right secret are handled."""

from __future__ import annotations

import time

import aiohttp

from bot.models import Acknowledgement, Commitment, Member, OutboxMessage, ProcessedEvent

from .harness import SIGNING_SECRET, Harness
from .standin import (
    form_encode_interactive,
    form_encode_slash_command,
    json_encode_event,
    reaction_added_event,
    signed_request_headers,
    url_verification,
)

NOTHING_STORED = (Commitment, Member, OutboxMessage, ProcessedEvent, Acknowledgement)


def stored(harness: Harness) -> dict[str, int]:
    return {model.__name__: harness.count(model) for model in NOTHING_STORED}


async def test_unsigned_tampered_stale_and_wrongly_signed_requests_get_401(relais_http: Harness) -> None:
    harness = relais_http
    harness.standin.reset()  # forget the calls made at start (reading the circles' channels)
    before = stored(harness)
    body = form_encode_slash_command(harness.standin.slash_command("/engage", "Acheter des chaises vendredi"))
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    tampered = body.replace("chaises", "tables")
    six_minutes_ago = int(time.time()) - 6 * 60
    attempts = {
        "unsigned": await harness.post(body, form),
        "tampered": await harness.post(tampered, signed_request_headers(body, SIGNING_SECRET)),
        "stale": await harness.post(body, signed_request_headers(body, SIGNING_SECRET, timestamp=six_minutes_ago)),
        "wrong secret": await harness.post(body, signed_request_headers(body, "not-the-secret")),
    }
    event = json_encode_event(harness.standin.event_callback(reaction_added_event("white_check_mark")))
    attempts["event, unsigned"] = await harness.post(event, {"Content-Type": "application/json"})
    click = form_encode_interactive(harness.standin.block_actions("relais_ack", "1"))
    attempts["button, stale"] = await harness.post(
        click, signed_request_headers(click, SIGNING_SECRET, timestamp=six_minutes_ago)
    )
    assert {name: answer.status for name, answer in attempts.items()} == dict.fromkeys(attempts, 401)
    await harness.settle()
    assert stored(harness) == before  # nothing stored, nothing queued
    assert harness.standin.response_posts == [] and harness.standin.calls_to("chat.postMessage") == []
    assert harness.standin.calls_to("users.info") == []

    # the same request, correctly signed, goes through
    answer = await harness.send("slash_commands", {}, body)
    assert answer.status == 200 and harness.count(Commitment) == 1


async def test_health_check_for_the_load_balancer(relais_http: Harness) -> None:
    assert relais_http.http is not None
    health = relais_http.url.rsplit("/slack/events", 1)[0] + "/healthz"
    async with relais_http.http.get(health) as response:
        assert response.status == 200 and await response.text() == "ok"
    async with relais_http.http.get(relais_http.url) as response:
        assert response.status in (404, 405)


async def test_url_verification_challenge(relais_http: Harness) -> None:
    body = json_encode_event(url_verification())  # data/url_verification.json, Slack's own example
    answer = await relais_http.post(body, signed_request_headers(body, SIGNING_SECRET))
    assert answer.status == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in str(answer.payload)


async def test_port_zero_picks_a_free_port(relais_http: Harness) -> None:
    port = int(relais_http.url.split(":")[2].split("/")[0])
    assert port > 0
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as response:
        assert response.status == 200
