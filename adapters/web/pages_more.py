"""The information level, items and meetings, and the intermediate review."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from aiohttp import web

from adapters.web import charts
from adapters.web.heat import heat_rows
from adapters.web.pages import download, page_links, read, whole
from adapters.web.render import page
from bot.export import defuse
from bot.services.dashboard.information import LevelPage, level_page
from bot.services.dashboard.items import ItemsPage, calendar, item_page, items_page, meetings_page


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/level", level_view)
    router.add_get("/level.csv", level_export)
    router.add_get("/items", items_view)
    router.add_get("/items.csv", items_export)
    router.add_get(r"/items/{number:\d{1,9}}", item_view)
    router.add_get("/meetings", meetings_view)
    router.add_get("/meetings.ics", meetings_export)
    from adapters.web import pages_review

    pages_review.add_routes(router)


def facilitators_only(request: web.Request) -> web.Response:
    return page(request, "refused.html", status=403, reason="facilitators")


async def level_view(request: web.Request) -> web.StreamResponse:
    """The heat map of confirmed reading (and what was seen), per organisation and member (a page of
    them), week by week; the trend; the least read."""
    problems: list[str] = []
    circle, organisation = whole(request, "circle", problems), whole(request, "organisation", problems)
    found = await read(request, level_page, circle, whole(request, "page", problems) or 1, organisation)
    if found is None:
        return facilitators_only(request)
    kept = [(key, value) for key, value in request.query.items() if key not in ("page", "organisation")]
    trend = charts.share_line([(week, c.share, c.label) for week, c in zip(found.weeks, found.trend, strict=True)])
    return page(
        request,
        "level.html",
        found=found,
        problems=problems,
        heat=charts.heat,
        heat_rows=heat_rows,
        trend=trend,
        organisation_link=lambda key: f"/level?{urlencode([*kept, ('organisation', key)])}#members",
        every_member=f"/level?{urlencode(kept)}#members" if kept else "/level#members",
        **members_links(request, found.page, found.pages),
    )


def members_links(request: web.Request, number: int, pages: int) -> dict[str, str | None]:
    """page_links, each page opened at its members' table."""
    links = page_links(request, number, pages)
    for key in ("previous_url", "next_url"):
        if links[key]:
            links[key] = f"{links[key]}#members"
    return links


def level_csv(found: LevelPage) -> str:
    """The heat map as a table: kind, name, then confirmed/total per week and for the last 4 weeks
    (headed "confirmed …"), then seen (seen or confirmed)/total per week (headed "seen …")."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    confirmed = (f"confirmed {week}" for week in found.weeks)
    writer.writerow(["kind", "name", *confirmed, "last_4_weeks_confirmed", *(f"seen {week}" for week in found.weeks)])
    for kind, rows in (("organisation", found.organisations), ("member", found.members)):
        for row in rows:
            cells = [f"{c.acknowledged}/{c.total}" for c in (*row.weeks, row.recent)]
            cells += [f"{c.seen or 0}/{c.total}" for c in row.weeks]
            name = "'" + row.name if row.name[:1] in "=+-@\t\r" else row.name
            writer.writerow([kind, name, *cells])
    return "\ufeff" + buffer.getvalue()


async def level_export(request: web.Request) -> web.StreamResponse:
    wanted = whole(request, "circle", []), None, whole(request, "organisation", [])  # every member (of it)
    found = await read(request, level_page, *wanted)
    if found is None:
        return facilitators_only(request)
    return download(level_csv(found), "text/csv", "information-level.csv")


async def items_view(request: web.Request) -> web.StreamResponse:
    """The items to read of the last 4 weeks in the viewer's circles, with how many confirmed each,
    a page at a time."""
    problems: list[str] = []
    found = await read(request, items_page, whole(request, "page", problems) or 1)
    links = page_links(request, found.page, found.pages)
    return page(request, "items.html", found=found, heat=charts.heat, problems=problems, **links)


def items_csv(found: ItemsPage) -> str:
    """The items of the last 4 weeks, every one, with their whole text and how many confirmed them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["number", "kind", "circle", "author", "posted", "text", "confirmed", "to_read"])
    for row in found.rows:
        cells = [row.number, row.kind, row.circle, row.author, row.when, row.full_text]
        writer.writerow([defuse(value) for value in cells] + [row.coverage.acknowledged, row.coverage.total])
    return "\ufeff" + buffer.getvalue()


async def items_export(request: web.Request) -> web.StreamResponse:
    found = await read(request, items_page, 1, True)
    return download(items_csv(found), "text/csv", "items.csv")


async def item_view(request: web.Request) -> web.StreamResponse:
    """One item in full and who read it (as /who-read #N)."""
    found = await read(request, item_page, int(request.match_info["number"]))
    if found is None:
        return page(request, "refused.html", status=404, reason="missing")
    return page(request, "item.html", found=found)


async def meetings_view(request: web.Request) -> web.StreamResponse:
    """The meetings to come and those held, with agendas and decisions; the .ics link."""
    coming, held = await read(request, meetings_page)
    return page(request, "meetings.html", coming=coming, held=held)


async def meetings_export(request: web.Request) -> web.StreamResponse:
    body = await read(request, calendar)
    response = download(body, "text/calendar", "meetings.ics")
    return response
