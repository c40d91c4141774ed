"""The review as a steering committee reads it: its period written in words in the reader's language
(never ISO in a sentence), and no empty chart of resources when no commitment names any."""

from __future__ import annotations

from tests.web.conftest import sign_in


async def test_the_period_is_written_in_the_readers_language(client, community):
    await sign_in(client, community, "fabienne")
    text = await (await client.get("/review?from=2026-09-07&to=2026-11-30")).text()
    assert "Période\u00a0: du 7 septembre 2026 au 30 novembre 2026." in text.replace(" :", "\u00a0:")
    assert "<title>Bilan intermédiaire 7 septembre 2026 – 30 novembre 2026" in text
    assert 'value="2026-09-07"' in text  # the date field keeps its machine form
    community.say("fabienne", "/lang en")
    text = await (await client.get("/review?from=2026-09-07&to=2026-11-30")).text()
    assert "Period: 7 September 2026 to 30 November 2026." in text


async def test_resources_are_charted_only_when_some_are_named(client, community):
    await sign_in(client, community, "fabienne")
    text = await (await client.get("/review?from=2026-11-01&to=2026-12-31")).text()
    assert "n’indique les moyens qu’il mobilise" in text
    assert 'aria-labelledby="resources-title"' not in text
    community.say("fabienne", "/edit #1 human deux bénévoles")
    text = await (await client.get("/review?from=2026-11-01&to=2026-12-31")).text()
    assert "n’indique les moyens qu’il mobilise" not in text
    assert 'aria-labelledby="resources-title"' in text
