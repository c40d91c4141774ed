"""The intermediate review (bilan intermédiaire): a period, its charts and tables, printable."""

from __future__ import annotations

import csv
import io

from aiohttp import web

from adapters.web import charts
from adapters.web.pages import day, download, read
from adapters.web.render import page
from bot.i18n import N_
from bot.services.dashboard.review import OUTCOMES, ReviewPage, review_page

OUTCOME_WORDS = {
    "kept": N_("kept on time"),
    "late": N_("late"),
    "dropped": N_("dropped"),
    "coming": N_("not due yet"),
}
OUTCOME_COLOURS = (charts.PALETTE["done"], charts.PALETTE["overdue"], charts.PALETTE["dropped"], charts.PALETTE["open"])
RESOURCE_WORDS = {
    "human": N_("human resources"),
    "financial": N_("financial resources"),
    "material": N_("material resources"),
    "immaterial": N_("immaterial resources"),
}


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/review", review_view)
    router.add_get("/review.csv", review_export)


async def _review(request: web.Request, problems: list[str]) -> ReviewPage | None:
    return await read(request, review_page, day(request, "from", problems), day(request, "to", problems))


async def review_view(request: web.Request) -> web.StreamResponse:
    """The review of a period with its charts (each with its table), laid out for printing."""
    problems: list[str] = []
    found = await _review(request, problems)
    if found is None:
        return page(request, "refused.html", status=403, reason="facilitators")
    names = [OUTCOME_WORDS[key] for key in OUTCOMES]
    outcome_chart = charts.stacked_bars([(name, counts) for name, counts in found.outcomes], names, OUTCOME_COLOURS)
    resource_chart = charts.stacked_bars(
        [(RESOURCE_WORDS[kind], [count]) for kind, count in found.resources], [N_("commitments")], ["#0072B2"]
    )
    trend = charts.share_line([(week, c.share, c.label) for week, c in zip(found.weeks, found.trend, strict=True)])
    return page(
        request,
        "review.html",
        found=found,
        problems=problems,
        outcome_names=names,
        outcome_chart=outcome_chart,
        resource_chart=resource_chart,
        resource_words=RESOURCE_WORDS,
        trend=trend,
    )


def review_csv(found: ReviewPage) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["organisation", *OUTCOMES])
    for name, counts in found.outcomes:
        writer.writerow(["'" + name if name[:1] in "=+-@\t\r" else name, *counts])
    writer.writerow(["total", *found.totals])
    return "\ufeff" + buffer.getvalue()


async def review_export(request: web.Request) -> web.StreamResponse:
    found = await _review(request, [])
    if found is None:
        return page(request, "refused.html", status=403, reason="facilitators")
    return download(review_csv(found), "text/csv", f"review-{found.start}-{found.end}.csv")
