"""The roadmap and a commitment's page: who sees what, filters, hostile text, the CSV export."""

from __future__ import annotations

import pytest

from tests.web.conftest import sign_in

HOSTILE = '<script>alert("x")</script> <img src=x onerror=alert(1)> @room'


async def test_a_partner_sees_their_circles_and_own_commitments_only(client, community):
    await sign_in(client, community, "paula")
    text = await (await client.get("/roadmap?status=all")).text()
    assert "Réserver la salle" in text and "Relancer les écoles" in text
    assert "Publier le plan vélo" not in text  # Oscar's, in the GT where Paula is not
    assert (await client.get("/commitments/2")).status == 404
    mine = await client.get("/commitments/1")
    assert mine.status == 200 and "Réserver la salle" in await mine.text()
    assert "GT Mobilité" not in text  # not even among the filters


async def test_a_facilitator_sees_the_whole_community(client, community):
    await sign_in(client, community, "fabienne")
    text = await (await client.get("/roadmap")).text()
    for title in ("Réserver la salle", "Publier le plan vélo", "Relancer les écoles"):
        assert title in text
    assert (await client.get("/commitments/2")).status == 200


@pytest.mark.parametrize("day, hour, minute", [(30, 23, 50), (1, 0, 10), (1, 23, 50), (2, 0, 10)])
async def test_overdue_turns_when_actions_says_so(client, community, day, hour, minute):
    """#3 is due on 1 December without a time: the roadmap's overdue filter (in SQL) and /actions
    (is_overdue) say the same around midnight."""
    month = 11 if day == 30 else 12
    community.clock.set(community.clock.now().replace(month=month, day=day, hour=hour, minute=minute))
    await sign_in(client, community, "fabienne")
    page = await (await client.get("/roadmap?status=overdue")).text()
    said = community.say("fabienne", "/actions overdue")
    assert ("Relancer les écoles" in page) == ("Relancer les écoles" in said)


async def test_filters_narrow_as_actions_does(client, community):
    community.advance(days=6)  # 2 December: #3 (due 1 December) is overdue
    await sign_in(client, community, "fabienne")
    overdue = await (await client.get("/roadmap?status=overdue")).text()
    assert "Relancer les écoles" in overdue and "Réserver la salle" not in overdue
    assert "en retard" in overdue
    period = await (await client.get("/roadmap?from=2026-12-15&to=2026-12-31")).text()
    assert "Publier le plan vélo" in period and "Réserver la salle" not in period
    bad = await client.get("/roadmap?from=demain&circle=abc")
    assert bad.status == 200 and "pas été compris" in await bad.text()
    community.say("paula", "/done #1 Salle réservée")
    done = await (await client.get("/roadmap?status=done")).text()
    assert "Réserver la salle" in done and "Publier le plan vélo" not in done


async def test_hostile_text_is_shown_as_text(client, community):
    community.say("paula", f"/engage {HOSTILE} d'ici le 12 décembre")
    community.say("paula", f"/update #4 {HOSTILE}")
    await sign_in(client, community, "paula")
    for path in ("/roadmap", "/commitments/4"):
        text = await (await client.get(path)).text()
        assert "<script>" not in text and "<img src=x" not in text, path
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in text, path


async def test_commitment_page_has_history_updates_and_progress(client, community):
    community.say("paula", "/update #1 Devis reçu 40%")
    community.say("paula", "/edit #1 result Une salle pour 80 personnes")
    await sign_in(client, community, "cora")
    text = await (await client.get("/commitments/1")).text()
    assert "Devis reçu" in text and 'value="40"' in text
    assert "Une salle pour 80 personnes" in text
    assert "résultat attendu" in text  # the history line, as /show writes it


async def test_csv_export_has_a_byte_order_mark_and_follows_the_rights(client, community):
    await sign_in(client, community, "paula")
    answer = await client.get("/roadmap.csv?status=all")
    assert answer.status == 200 and answer.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in answer.headers["Content-Disposition"]
    body = await answer.read()
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("number,title,owner")
    assert "Réserver la salle" in text and "Publier le plan vélo" not in text


async def test_csv_export_defuses_formulas(client, community):
    community.say("paula", '/engage =HYPERLINK("http://x") d\'ici le 12 décembre')
    await sign_in(client, community, "paula")
    text = (await (await client.get("/roadmap.csv")).read()).decode("utf-8-sig")
    assert "'=HYPERLINK" in text
