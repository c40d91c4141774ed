"""The dashboard in a real browser: headless Chromium through Playwright, keyboard only where it
matters, axe-core's accessibility check on every page, the review printed to PDF; a screenshot of
each page is kept (see tests/web/browser.py for where)."""

from __future__ import annotations

import re

import pytest

from tests.web.browser import QUIET, artefacts, axe_script, chromium_path
from tests.web.conftest import link_for

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> str:
    return chromium_path()


@pytest.fixture
async def browser(chromium):
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        launched = await driver.chromium.launch(executable_path=chromium, args=QUIET)
        yield launched
        await launched.close()


@pytest.fixture
def shots(tmp_path_factory):
    return artefacts(tmp_path_factory.getbasetemp())


async def signed_in_page(browser, client, bot, who: str, **options):
    context = await browser.new_context(locale="fr-FR", **options)
    page = await context.new_page()
    await page.goto(str(client.make_url(f"/login/{link_for(bot, who)}")))
    await page.get_by_role("button", name="Se connecter").click()
    await page.wait_for_url(re.compile(r"/roadmap$"))
    return page


def seed(bot):
    bot.say("paula", "/info La salle est réservée", circle="copil")  # #4
    bot.say("cora", "/read #4", circle="copil")
    bot.say("fabienne", "/decision Le forum aura lieu le 12 juin", circle="copil")  # #5
    bot.say("fabienne", "/meeting COPIL de décembre jeudi 14h", circle="copil")  # #6
    bot.advance(days=6)  # #3 (due 1 December) is overdue


async def test_sign_in_by_link_and_a_reused_or_expired_link(browser, client, community, shots):
    context = await browser.new_context(locale="fr-FR")
    page = await context.new_page()
    token = link_for(community, "paula")
    await page.goto(str(client.make_url(f"/login/{token}")))
    await page.screenshot(path=shots / "sign-in.png", full_page=True)
    await page.get_by_role("button", name="Se connecter").click()
    await page.wait_for_url(re.compile(r"/roadmap$"))
    assert await page.get_by_role("heading", level=1).inner_text() == "Feuille de route"
    other = await (await browser.new_context(locale="fr-FR")).new_page()
    await other.goto(str(client.make_url(f"/login/{token}")))
    assert "déjà été utilisé" in await other.inner_text("main")
    late = link_for(community, "cora")
    community.advance(minutes=16)
    await other.goto(str(client.make_url(f"/login/{late}")))
    assert "a expiré" in await other.inner_text("main")


async def test_roadmap_filter_and_a_partner_kept_to_their_circles(browser, client, community, shots):
    seed(community)
    page = await signed_in_page(browser, client, community, "paula")
    assert "Publier le plan vélo" not in await page.inner_text("main")
    await page.get_by_label("Statut").select_option("overdue")
    await page.get_by_role("button", name="Filtrer").click()
    await page.wait_for_url(re.compile(r"status=overdue"))
    rows = await page.locator("table tbody tr").all_inner_texts()
    assert len(rows) == 1 and "Relancer les écoles" in rows[0]
    await page.screenshot(path=shots / "roadmap.png", full_page=True)
    answer = await page.goto(str(client.make_url("/commitments/2")))
    assert answer is not None and answer.status == 404


async def test_the_heat_map_in_the_browser_equals_level(browser, client, community, shots):
    seed(community)
    level = community.say("fabienne", "/level")
    page = await signed_in_page(browser, client, community, "fabienne")
    await page.goto(str(client.make_url("/level")))
    await page.screenshot(path=shots / "level.png", full_page=True)
    table = page.get_by_role("table", name="Éléments confirmés (part) et vus, par structure, semaine après semaine")
    for row in await table.locator("tbody tr").all():
        name = await row.locator("th").inner_text()
        last = (await row.locator("td").last.inner_text()).split(" — ")[0]
        assert f"• {name}\u00a0: {last} — " in level, (name, last)


async def test_the_heat_maps_captions_say_confirmed_and_seen_in_french_and_english(browser, client, community):
    """Each week's cell shows the share confirmed and, under it, how many were seen (seen or confirmed); the
    last column is confirmed only: the tables' names, the last column's heading and what a screen reader
    hears in a cell say so (the caption said "Confirmed reading by …" alone)."""
    seed(community)
    page = await signed_in_page(browser, client, community, "fabienne")
    await page.goto(str(client.make_url("/level")))
    french = (("par structure", "par membre"), "4 dernières semaines, confirmés", r"\(\d+ sur \d+ confirmés\)", "vus ")
    english = (("by organisation", "by member"), "last 4 weeks, confirmed", r"\(\d+ of \d+ confirmed\)", "seen ")
    for language, (by, last, confirmed, seen) in (("fr", french), ("en", english)):
        if language == "en":
            community.say("fabienne", "/lang en")
            await page.reload()
        for who in by:
            name = (
                f"Éléments confirmés (part) et vus, {who}, semaine après semaine"
                if language == "fr"
                else f"Items confirmed (share) and seen, {who}, week by week"
            )
            table = page.get_by_role("table", name=name)
            assert await table.locator("thead th").last.inner_text() == last
            cells = await table.locator("tbody td.cell").all_text_contents()
            assert any(re.search(confirmed, cell) and seen in cell for cell in cells), cells
        assert "Lecture confirmée par" not in await page.inner_text("main")


async def test_the_review_prints_to_pdf(browser, client, community, shots):
    seed(community)
    page = await signed_in_page(browser, client, community, "fabienne")
    await page.goto(str(client.make_url("/review?from=2026-11-01&to=2026-12-31")))
    await page.emulate_media(media="print")
    assert not await page.locator("nav").is_visible()  # the print layout leaves the navigation out
    await page.screenshot(path=shots / "review-print.png", full_page=True)
    pdf = await page.pdf(format="A4")
    (shots / "review.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000


async def test_keyboard_only(browser, client, community):
    page = await signed_in_page(browser, client, community, "fabienne")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    for _ in range(3):  # the brand, then the first two pages of the navigation
        await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "Niveau d’information"
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/level$"))
    outline = await page.evaluate(
        "() => { const a = document.querySelector('nav a'); a.focus(); return getComputedStyle(a).outlineStyle }"
    )
    assert outline != "none"  # the focused link is visible


PAGES = ("/roadmap", "/commitments/1", "/level", "/items", "/items/4", "/meetings", "/review")


async def test_no_serious_accessibility_violation(browser, client, community, shots, request):
    seed(community)
    cache = request.config.cache.mkdir("relais-axe") if getattr(request.config, "cache", None) else shots
    script = axe_script(cache)
    for language in ("fr", "en"):
        page = await signed_in_page(
            browser, client, community, "fabienne" if language == "fr" else "paula", bypass_csp=True
        )
        if language == "en":
            await page.get_by_role("button", name="English").click()
        for path in PAGES if language == "fr" else ("/roadmap", "/items", "/meetings", "/"):
            await page.goto(str(client.make_url(path)))
            await page.add_script_tag(path=str(script))
            result = await page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            serious = [
                f"{v['id']}: {v['help']} ({len(v['nodes'])})"
                for v in result["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            assert serious == [], (language, path, serious)
            name = path.strip("/").replace("/", "-") or "home"
            await page.screenshot(path=shots / f"{name}-{language}.png", full_page=True)
