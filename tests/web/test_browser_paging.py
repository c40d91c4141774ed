"""Long lists in a real browser: the roadmap's "next page" link followed with the keyboard keeps the
filters, and the paged page passes axe-core's check (no serious violation)."""

from __future__ import annotations

import re

import pytest

from bot.services.dashboard import roadmap
from tests.web.browser import axe_script
from tests.web.test_browser import browser, chromium, shots, signed_in_page  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


async def test_next_page_by_keyboard_keeps_the_filters(browser, client, community, shots, request, monkeypatch):  # noqa: F811
    monkeypatch.setattr(roadmap, "PAGE_ROWS", 1)
    page = await signed_in_page(browser, client, community, "fabienne", bypass_csp=True)
    await page.get_by_label("Statut").select_option("all")
    await page.get_by_role("button", name="Filtrer").click()
    await page.wait_for_url(re.compile(r"status=all"))
    pages = page.get_by_role("navigation", name="Autres pages de cette liste")
    assert "Page 1 sur 3" in (await pages.inner_text()).replace("\u00a0", " ")
    await pages.get_by_role("link", name=re.compile("Page suivante")).focus()
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"page=2"))
    assert "status=all" in page.url and await page.get_by_label("Statut").input_value() == "all"
    rows = await page.locator("table tbody tr").all_inner_texts()
    assert len(rows) == 1 and "Réserver la salle" in rows[0]  # due 10 December: between the other two
    cache = request.config.cache.mkdir("relais-axe") if getattr(request.config, "cache", None) else shots
    await page.add_script_tag(path=str(axe_script(cache)))
    result = await page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []
    await page.screenshot(path=shots / "roadmap-page-2.png", full_page=True)
