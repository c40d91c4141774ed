"""Items with their readers (as /who-read), meetings with agendas and decisions, the .ics export."""

from __future__ import annotations

from tests.web.conftest import sign_in


async def test_items_show_who_read_them_as_who_read_does(client, community):
    community.say("paula", "/info La salle est réservée <b>demain</b>", circle="copil")  # #4
    community.say("cora", "/read #4", circle="copil")
    community.say("oscar", "/info Plan vélo en ligne", circle="gt")  # #5
    await sign_in(client, community, "paula")
    listed = await (await client.get("/items")).text()
    assert "#4" in listed and "Plan vélo" not in listed  # the GT's item is not Paula's to see
    assert "&lt;b&gt;demain&lt;/b&gt;" in listed
    page = await (await client.get("/items/4")).text()
    who = community.say("paula", "/who-read #4")
    assert "1 sur 2 confirmés" in who and "1 sur 2 confirmés" in page
    assert "Cora (Asso Trait d&#39;union)" in page and "pas encore" in page
    assert (await client.get("/items/5")).status == 404


async def test_meetings_with_agenda_and_calendar(client, community):
    community.say("fabienne", "/meeting COPIL de décembre jeudi 14h salle du conseil", circle="copil")  # #4
    community.say("cora", "/agenda add Budget <i>2027</i>", circle="copil")
    await sign_in(client, community, "oscar")
    page = await (await client.get("/meetings")).text()
    assert "COPIL de décembre" in page and "jeudi 3 décembre 2026 à 14:00" in page
    assert "Budget &lt;i&gt;2027&lt;/i&gt;" in page
    answer = await client.get("/meetings.ics")
    assert answer.headers["Content-Type"].startswith("text/calendar")
    body = await answer.text()
    assert body.startswith("BEGIN:VCALENDAR") and "SUMMARY:COPIL de décembre" in body
