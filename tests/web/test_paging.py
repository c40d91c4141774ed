"""Long lists a page at a time: "previous" and "next" are plain links that keep the filters in the
address (no script), the count and the CSV export cover the whole list; the meetings page with the
decisions of each held meeting's day."""

from __future__ import annotations

import re

from bot.services.dashboard import items, roadmap
from tests.web.conftest import sign_in

NEXT = re.compile(r'<a href="([^"]+)" rel="next">')
PREVIOUS = re.compile(r'<a href="([^"]+)" rel="prev">')


async def text_of(client, path: str) -> str:
    """The page at `path`, its no-break spaces (French typography) read as spaces."""
    answer = await client.get(path)
    assert answer.status == 200, path
    return (await answer.text()).replace("\u00a0", " ").replace("\u202f", " ")


def link(pattern: re.Pattern[str], html: str) -> str:
    found = pattern.search(html)
    assert found, "no such link on the page"
    return found.group(1).replace("&amp;", "&")


async def test_the_roadmap_pages_through_every_commitment_keeping_the_filters(client, community, monkeypatch):
    monkeypatch.setattr(roadmap, "PAGE_ROWS", 2)
    community.say("fabienne", "/engage Préparer le forum d'ici le 15 décembre", circle="copil")  # #4
    await sign_in(client, community, "fabienne")
    copil = re.search(r'<option value="(\d+)">COPIL<', await text_of(client, "/roadmap"))
    assert copil, "no COPIL among the circles"
    circle = copil.group(1)
    first = await text_of(client, f"/roadmap?status=all&circle={circle}")
    assert "3 engagements" in first and "Page 1 sur 2" in first and "affichés : 1 à 2" in first
    assert "Publier le plan vélo" not in first  # the GT's, filtered out on every page
    assert "Relancer les écoles" in first and "Réserver la salle" in first  # due 1 and 10 December
    assert "Préparer le forum" not in first and not PREVIOUS.search(first)
    following = link(NEXT, first)
    assert "status=all" in following and f"circle={circle}" in following and "page=2" in following
    second = await text_of(client, following)
    assert "Préparer le forum" in second and "Relancer les écoles" not in second
    assert "Page 2 sur 2" in second and not NEXT.search(second)
    assert f'/roadmap.csv?status=all&amp;circle={circle}"' in second  # the export: the whole list, filtered
    back = await text_of(client, link(PREVIOUS, second))
    assert "Relancer les écoles" in back and "Page 1 sur 2" in back
    exported = (await (await client.get(f"/roadmap.csv?status=all&circle={circle}&page=2")).read()).decode("utf-8-sig")
    assert all(title in exported for title in ("Relancer les écoles", "Réserver la salle", "Préparer le forum"))
    beyond = await text_of(client, f"/roadmap?status=all&circle={circle}&page=9")
    assert "Page 2 sur 2" in beyond and "Préparer le forum" in beyond  # past the end: the last page
    bad = await text_of(client, "/roadmap?status=all&page=deux")
    assert "pas été compris" in bad and "Page 1 sur 2" in bad


async def test_a_short_roadmap_has_no_page_links(client, community):
    await sign_in(client, community, "fabienne")
    page = await text_of(client, "/roadmap?status=all")
    assert "3 engagements" in page and "Page 1" not in page and not NEXT.search(page)


async def test_items_page_newest_first(client, community, monkeypatch):
    monkeypatch.setattr(items, "ITEM_ROWS", 1)
    community.say("paula", "/info Première nouvelle", circle="copil")  # #4
    community.say("paula", "/info Deuxième nouvelle", circle="copil")  # #5
    community.say("cora", "/read #5", circle="copil")  # of Cora and Fabienne
    await sign_in(client, community, "paula")
    first = await text_of(client, "/items")
    assert "2 éléments" in first and "Page 1 sur 2" in first
    assert "Deuxième nouvelle" in first and "Première nouvelle" not in first and "1/2" in first
    second = await text_of(client, link(NEXT, first))
    assert "Première nouvelle" in second and "0/2" in second and "Page 2 sur 2" in second
    assert "Deuxième nouvelle" in await text_of(client, link(PREVIOUS, second))


async def test_held_meetings_show_that_day_decisions_of_their_circle(client, community):
    community.say("fabienne", "/meeting COPIL de décembre jeudi 14h salle du conseil", circle="copil")  # #4
    community.say("fabienne", "/meeting GT de décembre jeudi 10h", circle="gt")  # #5
    community.say("cora", "/agenda add Budget 2027", circle="copil")
    community.say("fabienne", "/decision Avant la réunion", circle="copil")  # not that day
    community.clock.set(community.clock.now().replace(month=12, day=3, hour=16, minute=0))
    community.say("fabienne", "/decision Le forum aura lieu le 12 juin", circle="copil")
    community.say("fabienne", "/decision Pistes cyclables prioritaires", circle="gt")
    community.advance(days=1)
    community.say("fabienne", "/decision Le lendemain", circle="copil")
    await sign_in(client, community, "fabienne")
    page = await text_of(client, "/meetings")
    copil = page[page.index("COPIL de décembre") : page.index("GT de décembre")]
    gt = page[page.index("GT de décembre") :]
    assert "Budget 2027" in copil and "Le forum aura lieu le 12 juin" in copil
    assert "Avant la réunion" not in copil and "Le lendemain" not in copil and "Pistes cyclables" not in copil
    assert "Pistes cyclables prioritaires" in gt and "Le forum aura lieu" not in gt


async def test_pages_put_together_are_the_export_in_its_order(client, community, monkeypatch):
    """Every page, the later ones read from the end, in the order /actions and the CSV give."""
    monkeypatch.setattr(roadmap, "PAGE_ROWS", 2)
    community.say("fabienne", "/engage Préparer le forum d'ici le 15 décembre", circle="copil")  # #4
    community.say("fabienne", "/engage Écrire le bilan d'ici le 15 décembre", circle="gt")  # #5, the same day
    community.say("fabienne", "/engage Trouver un lieu", circle="gt")  # #6, no due date: last
    await sign_in(client, community, "fabienne")
    shown: list[str] = []
    for number in (1, 2, 3):
        page = await text_of(client, f"/roadmap?status=all&page={number}")
        assert f"Page {number} sur 3" in page
        shown += re.findall(r'<td><a href="/commitments/(\d+)">', page)
    exported = (await (await client.get("/roadmap.csv?status=all")).read()).decode("utf-8-sig")
    assert shown == [line.split(",")[0] for line in exported.splitlines()[1:]]
    assert shown == ["3", "1", "4", "5", "2", "6"]
