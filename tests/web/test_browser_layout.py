"""How the pages look in a real browser, not only what they say: a legend's marker stays the size of a
letter (a style meant for the charts once blew them up to the width of the page), no chart is taller
than a screen, and the roadmap's timeline writes its days as a reader would ("1 déc."), not ISO."""

from __future__ import annotations

import re

import pytest

from tests.web.test_browser import browser, chromium, seed, shots, signed_in_page  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

PAGES = ("/roadmap", "/level", "/review", "/items", "/meetings")


async def test_charts_and_their_legends_keep_their_size(browser, client, community, shots):  # noqa: F811
    seed(community)
    page = await signed_in_page(browser, client, community, "fabienne", viewport={"width": 1200, "height": 900})
    for path in PAGES:
        await page.goto(str(client.make_url(path)))
        for legend in await page.locator(".legend svg, figcaption svg").all():
            box = await legend.bounding_box()
            assert box is not None and box["width"] <= 24 and box["height"] <= 24, (path, box)
        for chart in await page.locator("figure.chart > svg").all():
            box = await chart.bounding_box()
            assert box is not None and box["height"] <= 900, (path, box)
        height = await page.evaluate("document.documentElement.scrollHeight")
        assert height < 6000, (path, height)
        await page.screenshot(path=shots / f"layout{path.replace('/', '-')}.png", full_page=True)


async def test_the_timeline_writes_days_in_the_readers_language(browser, client, community):  # noqa: F811
    seed(community)
    page = await signed_in_page(browser, client, community, "fabienne")
    ticks = await page.locator("figure.chart > svg text.tick").evaluate_all("marks => marks.map(m => m.textContent)")
    days = [tick for tick in ticks if tick != "aujourd’hui" and tick != "aujourd'hui"]
    assert days and all(re.fullmatch(r"\d{1,2} [a-zéû]+\.?( \d{4})?", day) for day in days), ticks
    assert not any(re.search(r"\d{4}-\d{2}-\d{2}", tick) for tick in ticks)
