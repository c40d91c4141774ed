"""The items view has its export, as every other view: every item of the last 4 weeks the viewer may
see (not only the page shown), its whole text, how many confirmed; formulas typed by users defused."""

from __future__ import annotations

import csv
import io

from bot.services.dashboard import items
from tests.web.conftest import sign_in


async def rows_of(client) -> list[list[str]]:
    answer = await client.get("/items.csv")
    assert answer.status == 200 and answer.headers["Content-Type"].startswith("text/csv")
    body = await answer.read()
    assert body.startswith("\ufeff".encode())  # accents intact in spreadsheets
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


async def test_every_item_with_its_whole_text_and_readers(client, community, monkeypatch):
    monkeypatch.setattr(items, "ITEM_ROWS", 1)  # the page shows one: the export has them all
    long = "La salle est réservée pour le forum. " * 8
    community.say("paula", f"/info {long.strip()}", circle="copil")  # #4
    community.say("cora", "/read #4", circle="copil")
    community.say("paula", '/info =HYPERLINK("http://x") Le compte rendu', circle="copil")  # #5
    community.say("oscar", "/info Plan vélo en ligne", circle="gt")  # #6: not Paula's to see
    await sign_in(client, community, "paula")
    page = await (await client.get("/items")).text()
    assert 'href="/items.csv"' in page and "Exporter (CSV)" in page
    rows = await rows_of(client)
    assert rows[0] == ["number", "kind", "circle", "author", "posted", "text", "confirmed", "to_read"]
    by_number = {row[0]: row for row in rows[1:]}
    assert set(by_number) == {"4", "5"}  # both, though the page shows one; not the GT's
    assert by_number["4"][5] == long.strip() and by_number["4"][6:] == ["1", "2"]
    assert by_number["5"][5].startswith("'=HYPERLINK")


async def test_a_stranger_gets_no_export(client, community):
    answer = await client.get("/items.csv", allow_redirects=False)
    assert answer.status in (302, 303, 401, 403)
    assert "text/csv" not in answer.headers.get("Content-Type", "")
