"""Signing in and out: the one-time link's page, its form, sign-out, and the language switch.

Opening a link shows a button; only pressing it (a POST) uses the link. Chat apps open links to
show a preview, and that must not spend a link meant for a person. Wrong links are counted per
address: past FAILURES_ALLOWED in the last FAILURE_WINDOW, that address is refused for a while.
"""

from __future__ import annotations

import time
from collections import deque

from aiohttp import web

from adapters.web.render import page
from adapters.web.server import LANG_COOKIE, SESSION_COOKIE, VIEWER, cookie_options, dashboard_of, redirect
from bot.i18n import SUPPORTED
from bot.services.dashboard.viewer import link_state, sign_in, sign_out

FAILURES_ALLOWED = 20
FAILURE_WINDOW = 15 * 60.0
STATUS = {"used": 410, "expired": 410, "unknown": 404}


class Failures:
    """Wrong links per client address over the last FAILURE_WINDOW seconds (monotonic time)."""

    def __init__(self) -> None:
        self.seen: dict[str, deque[float]] = {}

    def too_many(self, address: str) -> bool:
        times = self.seen.get(address)
        if not times:
            return False
        while times and times[0] < time.monotonic() - FAILURE_WINDOW:
            times.popleft()
        return len(times) >= FAILURES_ALLOWED

    def add(self, address: str) -> None:
        self.seen.setdefault(address, deque()).append(time.monotonic())


FAILURES = web.AppKey("failures", Failures)


def add_routes(application: web.Application) -> None:
    application[FAILURES] = Failures()
    router = application.router
    router.add_get("/", home)
    router.add_get("/login/{token}", link_page)
    router.add_post("/login/{token}", use_link)
    router.add_post("/logout", logout)
    router.add_post("/language", language)


def _failures(request: web.Request) -> Failures:
    return request.app[FAILURES]


def _address(request: web.Request) -> str:
    return request.remote or "?"


async def home(request: web.Request) -> web.StreamResponse:
    """Signed in: the roadmap. Otherwise, how to get a link."""
    if request[VIEWER] is not None:
        return redirect("/roadmap")
    return page(request, "signin.html", status=200, signed_out=False)


async def link_page(request: web.Request) -> web.StreamResponse:
    """The page a sign-in link opens: a button to sign in (the link is not used yet)."""
    failures = _failures(request)
    if failures.too_many(_address(request)):
        return page(request, "link.html", status=429, state="limited", token="")
    board, token = dashboard_of(request), request.match_info["token"]
    state = await board.app.store.off_loop(lambda: link_state(board.app.dispatcher, token))
    if state.state != "ok":
        failures.add(_address(request))
        return page(request, "link.html", status=STATUS[state.state], state=state.state, token="")
    return page(request, "link.html", state="ok", token=token)


async def use_link(request: web.Request) -> web.StreamResponse:
    """Sign in: the link is spent, a session opens (its cookie), and the roadmap shows."""
    failures = _failures(request)
    if failures.too_many(_address(request)):
        return page(request, "link.html", status=429, state="limited", token="")
    board, token = dashboard_of(request), request.match_info["token"]
    hours = board.settings.session_hours
    cookie, state = await board.app.store.off_loop(lambda: sign_in(board.app.dispatcher, token, hours))
    if not cookie:
        failures.add(_address(request))
        return page(request, "link.html", status=STATUS.get(state.state, 410), state=state.state, token="")
    response = redirect("/roadmap")
    response.set_cookie(SESSION_COOKIE, cookie, **cookie_options(request, board.settings, int(hours * 3600)))
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    """Sign out: the session ends on the server (a copied cookie opens nothing any more)."""
    board = dashboard_of(request)
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if cookie:
        await board.app.store.off_loop(lambda: sign_out(board.app.dispatcher, cookie))
    response = redirect("/")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


async def language(request: web.Request) -> web.StreamResponse:
    """Switch the pages' language (this browser only; the chat keeps the member's /lang)."""
    form = await request.post()
    chosen = str(form.get("language", ""))
    back = str(form.get("next", "/"))
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = "/"
    response = redirect(back)
    if chosen in SUPPORTED:
        board = dashboard_of(request)
        response.set_cookie(LANG_COOKIE, chosen, **cookie_options(request, board.settings, 365 * 24 * 3600))
    return response
