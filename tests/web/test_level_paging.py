"""The information level's members a page at a time: every member /level lists appears on exactly one
page, in /level's order and with /level's figures; every page shows the organisations as /level
counts them; "next" and "previous" keep the circle chosen; the export has every member. An
organisation's name shows its members only, still in /level's order."""

from __future__ import annotations

import re

from bot.services.dashboard import information
from tests.web.conftest import sign_in
from tests.web.test_level_review import reading
from tests.web.test_paging import NEXT, PREVIOUS, link, text_of

LINE = re.compile(r"• (.+?) : (\d+/\d+) — ")
ROW = re.compile(r'<tr><th scope="row">(.+?)</th>.*?<strong>(\d+/\d+)</strong>', re.S)

BY_ORGANISATION = "Éléments confirmés (part) et vus, par structure, semaine après semaine"
BY_MEMBER = "Éléments confirmés (part) et vus, par membre, semaine après semaine"


def chat_level(bot, circle: str | None = None) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """/level's members and organisations, in its order: (name, acknowledged/total)."""
    said = bot.say("fabienne", f"/level {circle}" if circle else "/level").replace("\u00a0", " ")
    members, organisations = said.split("Par structure")[0], said.split("Par structure")[1].split("Éléments")[0]
    return LINE.findall(members), LINE.findall(organisations)


def table(html: str, caption: str) -> list[tuple[str, str]]:
    body = html.split(f"<caption>{caption}</caption>")[1].split("</table>")[0]
    return [(re.sub("<[^>]+>", "", name).replace("&#39;", "'"), value) for name, value in ROW.findall(body)]


async def test_every_member_is_on_exactly_one_page_in_levels_order(client, community, monkeypatch):
    monkeypatch.setattr(information, "PAGE_ROWS", 2)
    reading(community)
    members, organisations = chat_level(community)
    assert len(members) == 3
    await sign_in(client, community, "fabienne")
    html = await text_of(client, "/level")
    seen = []
    while True:
        assert table(html, BY_ORGANISATION) == organisations
        seen += table(html, BY_MEMBER)
        if not NEXT.search(html):
            break
        following = link(NEXT, html)
        assert following.endswith("#members")
        html = await text_of(client, following)
    assert seen == members  # each once, in /level's order, with its figures
    assert "Page 2 sur 2" in html and "3 membres avaient quelque chose à lire" in html and "affichés : 3 à 3" in html
    back = await text_of(client, link(PREVIOUS, html))
    assert table(back, BY_MEMBER) == members[:2]
    exported = (await (await client.get("/level.csv?page=2")).read()).decode("utf-8-sig")
    assert [line.split(",")[1] for line in exported.splitlines() if line.startswith("member,")] == [
        name if "," not in name else f'"{name}"' for name, _ in members
    ]


async def test_the_pages_keep_the_circle(client, community, monkeypatch):
    monkeypatch.setattr(information, "PAGE_ROWS", 1)
    reading(community)
    members, organisations = chat_level(community, "copil")
    await sign_in(client, community, "fabienne")
    copil = re.search(r'<option value="(\d+)">COPIL<', await text_of(client, "/level"))
    assert copil
    html = await text_of(client, f"/level?circle={copil.group(1)}&page=2")
    assert table(html, BY_MEMBER) == members[1:2]
    assert table(html, BY_ORGANISATION) == organisations
    for pattern in (NEXT, PREVIOUS):
        assert f"circle={copil.group(1)}" in link(pattern, html)
    beyond = await text_of(client, f"/level?circle={copil.group(1)}&page=99")  # past the end: the last page
    assert table(beyond, BY_MEMBER) == members[-1:]
    assert f'/level.csv?circle={copil.group(1)}"' in beyond  # the export: every member of the circle


async def test_an_organisations_name_shows_its_members_only(client, community, monkeypatch):
    monkeypatch.setattr(information, "PAGE_ROWS", 1)
    reading(community)
    members, organisations = chat_level(community)
    await sign_in(client, community, "fabienne")
    html = await text_of(client, "/level")
    union = re.search(r'<a href="(/level\?organisation=\d+#members)">Asso Trait d&#39;union</a>', html)
    assert union, "no link on the organisation's name"
    first = await text_of(client, union.group(1))
    assert "Seulement les membres d’Asso Trait d&#39;union." in first and "2 membres avaient" in first
    assert table(first, BY_ORGANISATION) == organisations
    shown = table(first, BY_MEMBER)
    following = link(NEXT, first)
    assert "organisation=" in following and "page=2" in following
    shown += table(await text_of(client, following), BY_MEMBER)
    assert shown == [(name, value) for name, value in members if name.endswith("(Asso Trait d'union)")]
    every = re.search(r'<a href="([^"]+)">Tous les membres</a>', first)
    assert every and "organisation" not in every.group(1)
    none = re.search(r'<a href="(/level\?organisation=0#members)">sans structure</a>', html)
    assert none
    alone = await text_of(client, none.group(1))
    assert "Seulement les membres sans structure." in alone
    assert table(alone, BY_MEMBER) == [members[0]]  # Fabienne
    exported = (await (await client.get(none.group(1).replace("/level?", "/level.csv?"))).read()).decode("utf-8-sig")
    assert [line.split(",")[1] for line in exported.splitlines() if line.startswith("member,")] == ["Fabienne"]
