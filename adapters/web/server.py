"""The dashboard's HTTP server (aiohttp): routes, the guard every request passes, start and stop.

The guard reads the session cookie (a page without a session answers the sign-in page, 401),
checks the form token of every POST (403 otherwise), and sets the security headers: a Content
Security Policy that allows nothing but this server's own style sheet and images (no script at
all), no Referer (a sign-in link never leaks), no caching of pages.
"""

from __future__ import annotations

import errno
import logging
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from adapters.web.render import page
from adapters.web.settings import WebSettings
from bot.app import App
from bot.config import ConfigError, os_reason
from bot.i18n import N_, SUPPORTED
from bot.services.dashboard.access import csrf_token, same_token
from bot.services.dashboard.viewer import signed_in

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "relais_session"
FORM_COOKIE = "relais_form"  # the form token before sign-in
LANG_COOKIE = "relais_lang"
PUBLIC = ("/", "/login/", "/static/", "/healthz", "/language")
POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Dashboard:
    """What every handler reaches: the running app and the [web] settings."""

    app: App
    settings: WebSettings


DASHBOARD = web.AppKey("dashboard", Dashboard)
VIEWER = web.RequestKey("viewer", object)  # the signed-in Viewer, or None
LANGUAGE = web.RequestKey("language", str)
CSRF = web.RequestKey("csrf", str)  # the token this browser's forms must carry


def redirect(location: str) -> web.Response:
    """303 See Other: after a form, the browser GETs `location`."""
    return web.Response(status=303, headers={"Location": location})


def dashboard_of(request: web.Request) -> Dashboard:
    return request.app[DASHBOARD]


def is_public(path: str) -> bool:
    return path == "/" or any(path.startswith(prefix) for prefix in PUBLIC[1:])


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Session, language and form token for every request; security headers on every answer."""
    board = dashboard_of(request)
    cookie = request.cookies.get(SESSION_COOKIE, "")
    chosen = request.cookies.get(LANG_COOKIE)
    chosen = chosen if chosen in SUPPORTED else None
    viewer = None
    if cookie:
        dispatcher = board.app.dispatcher
        viewer = await board.app.store.off_loop(lambda: signed_in(dispatcher, cookie, chosen))
    request[VIEWER] = viewer
    request[LANGUAGE] = viewer.language if viewer else (chosen or board.app.config.language)
    form_cookie = request.cookies.get(FORM_COOKIE) or ""
    new_form_cookie = "" if form_cookie else secrets.token_urlsafe(24)
    request[CSRF] = csrf_token(cookie) if viewer else (form_cookie or new_form_cookie)
    if request.method == "POST":
        form = await request.post()
        given = form.get("csrf")
        if not same_token(given if isinstance(given, str) else None, request[CSRF]) or (
            viewer is None and new_form_cookie
        ):
            response: web.StreamResponse = page(request, "refused.html", status=403, reason="form")
            return secured(request, response)
    if viewer is None and not is_public(request.path):
        response = page(request, "signin.html", status=401, signed_out=bool(cookie))
    else:
        try:
            response = await handler(request)
        except web.HTTPException as answer:  # aiohttp's own 404 and 405: headers added, raised again
            secured(request, answer)
            raise
    if new_form_cookie:
        response.set_cookie(FORM_COOKIE, new_form_cookie, **cookie_options(request, board.settings))
    return secured(request, response)


def cookie_options(request: web.Request, settings: WebSettings, max_age: int | None = None) -> dict[str, object]:
    """HttpOnly, SameSite=Lax (a link from a chat app opens the page signed in), Secure behind HTTPS."""
    options: dict[str, object] = {"httponly": True, "samesite": "Lax", "path": "/"}
    if settings.secure or request.secure:
        options["secure"] = True
    if max_age is not None:
        options["max_age"] = max_age
    return options


def secured(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    if not request.path.startswith("/static/"):
        headers.setdefault("Cache-Control", "no-store")
    return response


def build_application(app: App, settings: WebSettings) -> web.Application:
    """The dashboard as an aiohttp application (tests drive it as it is)."""
    from adapters.web import auth, pages

    application = web.Application(middlewares=[guard], client_max_size=64 * 1024)
    application[DASHBOARD] = Dashboard(app, settings)
    application.router.add_get("/healthz", healthz)
    auth.add_routes(application)
    pages.add_routes(application.router)
    application.router.add_static("/static/", STATIC, append_version=False)
    return application


async def healthz(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


class WebServer:
    """The dashboard served on [web] host and port: started and stopped with Relais."""

    platform = "web"

    def __init__(self, app: App, settings: WebSettings) -> None:
        self.app, self.settings = app, settings
        self.runner: web.AppRunner | None = None

    async def start(self) -> None:
        self.runner = web.AppRunner(build_application(self.app, self.settings), access_log=None)
        await self.runner.setup()
        try:
            await web.TCPSite(self.runner, self.settings.host, self.settings.port).start()
        except OSError as error:  # a port another program holds, an address this machine does not have
            await self.stop()
            no_such_address = error.errno == errno.EADDRNOTAVAIL or isinstance(error, socket.gaierror)
            message = (
                N_(
                    "web.host: Relais cannot listen on {host}:{port} ({reason}): write an address of this machine, "
                    "such as 127.0.0.1, or 0.0.0.0 for all of them"
                )
                if no_such_address
                else N_(
                    "web.port: Relais cannot listen on {host}:{port} ({reason}): another program, or another "
                    "Relais, may be using it; choose a free port"
                )
            )
            raise ConfigError(
                message, host=self.settings.host, port=self.settings.port, reason=os_reason(error)
            ) from error
        log.info(
            "web dashboard on http://%s:%s (links: %s)",
            self.settings.host,
            self.settings.port,
            self.settings.public_url,
        )

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
