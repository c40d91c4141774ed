"""The information level and the intermediate review: the same figures as /level, facilitators only,
charts with their tables, exports."""

from __future__ import annotations

import re

from tests.web.conftest import sign_in


def reading(bot):
    bot.say("paula", "/info La salle est réservée", circle="copil")  # #4: Cora and Fabienne must read it
    bot.say("oscar", "/info Plan vélo en ligne", circle="gt")  # #5
    bot.say("cora", "/read #4", circle="copil")
    bot.advance(days=8)
    bot.say("paula", "/info Compte rendu du COPIL", circle="copil")  # #6, the week after
    bot.say("fabienne", "/decision Le forum aura lieu le 12 juin", circle="copil")  # #7


async def test_the_heat_map_says_what_level_says(client, community):
    reading(community)
    level = community.say("fabienne", "/level")
    await sign_in(client, community, "fabienne")
    text = await (await client.get("/level")).text()
    for name, value in re.findall(r"• (.+?)\u00a0: (\d+/\d+) — ", level):
        if "(" in name or name in ("Asso Trait d'union", "Mairie"):  # members and organisations
            assert f"<strong>{value}</strong>" in text, (name, value)
            shown_name = name.replace("'", "&#39;")
            assert shown_name in text
    assert 'class="cell h' in text  # the heat map's colour classes
    assert "<svg" in text and "<table" in text  # the trend, and its table
    assert "Pas encore" in text  # who has not read the least-read items


async def test_level_and_review_are_for_facilitators(client, community):
    await sign_in(client, community, "paula")
    for path in ("/level", "/level.csv", "/review", "/review.csv"):
        answer = await client.get(path)
        assert answer.status == 403, path
        assert "animation" in await answer.text()


async def test_the_review_counts_commitments_by_outcome(client, community):
    reading(community)
    community.say("paula", "/done #3 Écoles relancées")  # due 1 December, done 4 December: late
    community.say("oscar", "/drop #2 Reporté")
    community.say("fabienne", "/meeting COPIL de décembre demain 14h", circle="copil")
    community.advance(days=2)
    await sign_in(client, community, "fabienne")
    text = await (await client.get("/review?from=2026-11-01&to=2026-12-31")).text()
    assert "Bilan intermédiaire" in text
    table = re.search(r"Asso Trait d&#39;union</th>(.*?)</tr>", text, re.S)
    assert table and re.findall(r">(\d+)<", table.group(1)) == ["0", "1", "0", "1"]  # #1 coming, #3 late
    assert "Le forum aura lieu le 12 juin" in text and "COPIL de décembre" in text
    csv = (await (await client.get("/review.csv?from=2026-11-01&to=2026-12-31")).read()).decode("utf-8")
    assert csv.startswith("\ufefforganisation,kept,late,dropped,coming")
    assert "Mairie,0,0,1,0" in csv


async def test_level_export_is_csv_with_bom(client, community):
    reading(community)
    await sign_in(client, community, "fabienne")
    body = await (await client.get("/level.csv")).read()
    assert body.startswith("\ufeff".encode()) and b"last_4_weeks_confirmed" in body
