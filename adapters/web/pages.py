"""The dashboard's pages: which URL shows what, and the filters read from the query string.

Every page reads through bot.services.dashboard in a worker thread (store.off_loop) and is
written by a template; exports are the same reading written as CSV (with a byte-order mark) or
iCalendar.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from adapters.web import charts
from adapters.web.render import page
from adapters.web.server import LANGUAGE, VIEWER, dashboard_of
from bot.i18n import N_
from bot.services.dashboard.roadmap import STATUSES, RoadmapFilter, commitment_page, roadmap, roadmap_csv

T = TypeVar("T")


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/roadmap", roadmap_view)
    router.add_get("/roadmap.csv", roadmap_export)
    router.add_get(r"/commitments/{number:\d{1,9}}", commitment_view)
    from adapters.web import pages_more

    pages_more.add_routes(router)


async def read(request: web.Request, work: Callable[..., T], *args: object) -> T:
    """Run a read service off the event loop with the request's dispatcher and viewer."""
    board = dashboard_of(request)
    dispatcher, viewer = board.app.dispatcher, request[VIEWER]
    return await board.app.store.off_loop(lambda: work(dispatcher, viewer, *args))


def whole(request: web.Request, name: str, problems: list[str]) -> int | None:
    raw = request.query.get(name, "").strip()
    if not raw:
        return None
    if raw.isdigit() and len(raw) < 10:
        return int(raw)
    problems.append(N_("A filter was not understood and is left out."))
    return None


def day(request: web.Request, name: str, problems: list[str]) -> date | None:
    raw = request.query.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(N_("A date was not understood (write it 2026-12-31) and is left out."))
        return None


def roadmap_filter(request: web.Request, problems: list[str]) -> RoadmapFilter:
    status = request.query.get("status", "open")
    if status not in STATUSES:
        problems.append(N_("A filter was not understood and is left out."))
        status = "open"
    return RoadmapFilter(
        organisation=whole(request, "organisation", problems),
        circle=whole(request, "circle", problems),
        owner=whole(request, "owner", problems),
        status=status,
        start=day(request, "from", problems),
        end=day(request, "to", problems),
        page=whole(request, "page", problems) or 1,
    )


def page_links(request: web.Request, page: int, pages: int) -> dict[str, str | None]:
    """The addresses of the previous and next pages of a list: the same filters, another page; and
    the filters without a page (what an export writes: the whole list)."""

    def to(number: int) -> str:
        return str(request.rel_url.update_query(page=str(number)))

    rest = [(key, value) for key, value in request.query.items() if key != "page"]
    return {
        "previous_url": to(page - 1) if page > 1 else None,
        "next_url": to(page + 1) if page < pages else None,
        "filters": urlencode(rest),
    }


def tz_of(request: web.Request) -> ZoneInfo:
    return ZoneInfo(dashboard_of(request).app.config.timezone)


async def roadmap_view(request: web.Request) -> web.StreamResponse:
    """The roadmap: filters, a timeline by organisation, and the commitments' table."""
    problems: list[str] = []
    wanted = roadmap_filter(request, problems)
    found = await read(request, roadmap, wanted)
    now = dashboard_of(request).app.clock.now()
    return page(
        request,
        "roadmap.html",
        found=found,
        wanted=wanted,
        statuses=STATUSES,
        problems=problems,
        chart=charts.timeline(found.rows, now, tz_of(request), request.get(LANGUAGE, "fr")),
        palette=charts.PALETTE,
        **page_links(request, found.page, found.pages),
    )


def download(body: str | bytes, content_type: str, filename: str) -> web.Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    response = web.Response(body=data, content_type=content_type, charset="utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


async def roadmap_export(request: web.Request) -> web.StreamResponse:
    """The filtered roadmap as CSV, as `relais export actions` writes it."""
    wanted = roadmap_filter(request, [])
    text = await read(request, roadmap_csv, wanted)
    return download(text, "text/csv", "roadmap.csv")


async def commitment_view(request: web.Request) -> web.StreamResponse:
    """One commitment in full: history, updates, progress (as /show #N)."""
    found = await read(request, commitment_page, int(request.match_info["number"]))
    if found is None:
        return page(request, "refused.html", status=404, reason="missing")
    return page(request, "commitment.html", found=found)
