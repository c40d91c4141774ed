"""A small community seen through the dashboard's real HTTP server (aiohttp's test server on a
free loopback port): a facilitator (Fabienne), Paula and Cora in the COPIL, Oscar only in the GT."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

pytest.importorskip("jinja2", reason="the web dashboard needs the web extra: pip install -e '.[web]'")

from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

from adapters.web.server import build_application  # noqa: E402
from adapters.web.settings import WebSettings  # noqa: E402
from bot.app import App  # noqa: E402

LINK = re.compile(r"https?://\S+/login/([A-Za-z0-9_-]+)")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def community(testbot):
    bot = testbot
    for who, circle in (("paula", "copil"), ("cora", "copil"), ("oscar", "gt")):
        bot.say(who, "/whoami", circle=circle)
    for who, org in (("paula", "Asso Trait d'union"), ("cora", "Asso Trait d'union"), ("oscar", "Mairie")):
        bot.say("fabienne", f"/member @{who} org {org}", circle="copil")
    bot.say("paula", "/engage Réserver la salle d'ici le 10 décembre", circle="copil")  # #1
    bot.say("oscar", "/engage Publier le plan vélo d'ici le 20 décembre", circle="gt")  # #2
    bot.say("paula", "/engage Relancer les écoles d'ici le 1er décembre", circle="copil")  # #3
    return bot


def link_for(bot, who: str) -> str:
    """The token of the sign-in link /dashboard answers `who`."""
    found = LINK.search(bot.say(who, "/tableau"))
    assert found, "no sign-in link in the answer"
    return found.group(1)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found
    return found.group(1)


@pytest.fixture
def settings() -> WebSettings:
    return WebSettings(public_url="http://127.0.0.1:8080", session_hours=12)


@pytest.fixture
async def client(community, settings) -> AsyncIterator[TestClient]:
    dispatcher = community.dispatcher
    app = App(config=dispatcher.config, store=dispatcher.store, clock=community.clock, dispatcher=dispatcher)
    server = TestServer(build_application(app, settings), host="127.0.0.1")
    async with TestClient(server) as test_client:
        yield test_client


async def sign_in(client: TestClient, bot, who: str) -> None:
    """Open the link /dashboard gives `who`, press the button: the client holds the session cookie."""
    token = link_for(bot, who)
    shown = await client.get(f"/login/{token}")
    assert shown.status == 200
    answer = await client.post(f"/login/{token}", data={"csrf": csrf_of(await shown.text())}, allow_redirects=False)
    assert answer.status == 303 and answer.headers["Location"] == "/roadmap"
