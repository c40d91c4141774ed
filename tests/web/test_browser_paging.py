"""Long lists in a real browser: the roadmap's "next page" link followed with the keyboard keeps the
filters, and the paged page passes axe-core's check (no serious violation); the information level's
members page by page equal /level's, and an organisation's name opens its members."""

from __future__ import annotations

import re

import pytest

from bot.services.dashboard import information, roadmap
from tests.web.browser import axe_script
from tests.web.test_browser import browser, chromium, seed, shots, signed_in_page  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

BY_ORGANISATION = "Éléments confirmés (part) et vus, par structure, semaine après semaine"
BY_MEMBER = "Éléments confirmés (part) et vus, par membre, semaine après semaine"


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


async def test_the_heat_maps_members_page_by_page_equal_level(browser, client, community, shots, monkeypatch):  # noqa: F811
    """Following "next page" through the information level's members: each member /level lists, once, in
    its order and with its figures; the organisations' table the same on every page."""
    monkeypatch.setattr(information, "PAGE_ROWS", 1)
    seed(community)
    level = community.say("fabienne", "/level").replace("\u00a0", " ")
    members = re.findall(r"• (.+?) : (\d+/\d+) — ", level.split("Par structure")[0])
    page = await signed_in_page(browser, client, community, "fabienne")
    await page.goto(str(client.make_url("/level")))
    seen = []
    while True:
        organisations = page.get_by_role("table", name=BY_ORGANISATION)
        for row in await organisations.locator("tbody tr").all():
            name, last = await row.locator("th").inner_text(), await row.locator("td").last.inner_text()
            assert f"• {name} : {last.split(' — ')[0]} — " in level, (name, last)
        table = page.get_by_role("table", name=BY_MEMBER)
        for row in await table.locator("tbody tr").all():
            seen.append(
                (await row.locator("th").inner_text(), (await row.locator("td").last.inner_text()).split(" — ")[0])
            )
        following = page.get_by_role("link", name=re.compile("Page suivante"))
        if not await following.count():
            break
        await following.click()
        await page.wait_for_url(re.compile(rf"page={len(seen) + 1}#members$"))
    assert seen == members and len(members) == 3
    await page.screenshot(path=shots / "level-last-page.png", full_page=True)


async def test_an_organisations_name_opens_its_members(browser, client, community):  # noqa: F811
    seed(community)
    level = community.say("fabienne", "/level").replace("\u00a0", " ")
    members = re.findall(r"• (.+?) : (\d+/\d+) — ", level.split("Par structure")[0])
    page = await signed_in_page(browser, client, community, "fabienne")
    await page.goto(str(client.make_url("/level")))
    organisations = page.get_by_role("table", name=BY_ORGANISATION)
    await organisations.get_by_role("link", name="Asso Trait d'union").click()
    await page.wait_for_url(re.compile(r"organisation=\d+#members$"))
    table = page.get_by_role("table", name=BY_MEMBER)
    names = [await row.locator("th").inner_text() for row in await table.locator("tbody tr").all()]
    assert names == [name for name, _ in members if name.endswith("(Asso Trait d'union)")] and names
    await page.get_by_role("link", name="Tous les membres").click()
    await page.wait_for_url(re.compile(r"/level#members$"))
    assert await table.locator("tbody tr").count() == len(members)
