"""Sign-in by one-time link, sessions, sign-out and the form token, through real HTTP requests."""

from __future__ import annotations

from tests.web.conftest import csrf_of, link_for, sign_in


async def test_no_page_without_a_session(client):
    for path in ("/roadmap", "/commitments/1", "/roadmap.csv", "/nowhere"):
        answer = await client.get(path)
        assert answer.status == 401, path
        text = await answer.text()
        assert "/tableau" in text and "Réserver la salle" not in text


async def test_the_link_signs_in_once_and_the_session_shows_the_roadmap(client, community):
    token = link_for(community, "paula")
    shown = await client.get(f"/login/{token}")  # opening the link (a chat app's preview too) does not use it
    again = await client.get(f"/login/{token}")
    assert shown.status == again.status == 200 and "Se connecter" in await again.text()
    csrf = csrf_of(await again.text())
    answer = await client.post(f"/login/{token}", data={"csrf": csrf}, allow_redirects=False)
    assert answer.status == 303
    cookie = answer.cookies["relais_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
    assert int(cookie["max-age"]) == 12 * 3600
    roadmap = await client.get("/roadmap")
    assert roadmap.status == 200 and "Réserver la salle" in await roadmap.text()
    reused = await client.post(f"/login/{token}", data={"csrf": csrf_of(await roadmap.text())}, allow_redirects=False)
    assert reused.status == 410 and "déjà été utilisé" in await reused.text()


async def test_an_expired_link_is_refused(client, community):
    token = link_for(community, "paula")
    community.advance(minutes=16)
    shown = await client.get(f"/login/{token}")
    assert shown.status == 410 and "a expiré" in await shown.text()
    answer = await client.post(f"/login/{token}", data={"csrf": csrf_of(await shown.text())}, allow_redirects=False)
    assert answer.status == 410 and "relais_session" not in answer.cookies
    assert (await client.get("/roadmap")).status == 401


async def test_a_wrong_link_opens_nothing(client):
    shown = await client.get("/login/not-a-real-token")
    assert shown.status == 404 and "pas valide" in await shown.text()


async def test_links_are_rate_limited(community):
    for _ in range(5):
        assert "/login/" in community.say("paula", "/dashboard")
    refused = community.say("paula", "/dashboard")
    assert "/login/" not in refused and "5 liens" in refused
    community.advance(minutes=16)
    assert "/login/" in community.say("paula", "/dashboard")


async def test_the_token_is_stored_hashed(community):
    token = link_for(community, "paula")
    with community.store.unit_of_work() as session:
        from sqlalchemy import text

        stored = session.execute(text("SELECT token_hash FROM web_links")).scalars().all()
    assert stored and token not in stored and all(len(value) == 64 for value in stored)


async def test_a_session_expires(client, community):
    await sign_in(client, community, "paula")
    community.advance(hours=11)
    assert (await client.get("/roadmap")).status == 200
    community.advance(hours=2)
    answer = await client.get("/roadmap")
    assert answer.status == 401 and "Votre session a pris fin" in await answer.text()


async def test_sign_out_needs_the_form_token_and_ends_the_session_everywhere(client, community):
    await sign_in(client, community, "paula")
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["relais_session"].value
    forged = await client.post("/logout", data={"csrf": "forged"}, allow_redirects=False)
    assert forged.status == 403
    assert (await client.post("/logout", data={}, allow_redirects=False)).status == 403
    page = await client.get("/roadmap")
    assert page.status == 200  # still signed in: nothing changed
    answer = await client.post("/logout", data={"csrf": csrf_of(await page.text())}, allow_redirects=False)
    assert answer.status == 303
    assert (await client.get("/roadmap")).status == 401
    copied = await client.get("/roadmap", cookies={"relais_session": cookie})  # a copy of the cookie opens nothing
    assert copied.status == 401


async def test_sign_in_form_needs_its_token(client, community):
    token = link_for(community, "paula")
    answer = await client.post(f"/login/{token}", data={"csrf": "x"}, allow_redirects=False)
    assert answer.status == 403
    shown = await client.get(f"/login/{token}")  # the link was not spent by the refused form
    assert shown.status == 200


async def test_language_switch(client, community):
    await sign_in(client, community, "paula")
    page = await client.get("/roadmap")
    assert "Feuille de route" in await page.text()
    switched = await client.post(
        "/language", data={"csrf": csrf_of(await page.text()), "language": "en", "next": "/roadmap"}
    )
    text = await switched.text()
    assert switched.status == 200 and "Roadmap" in text and '<html lang="en">' in text
    hostile = await client.post(
        "/language", data={"csrf": csrf_of(text), "language": "fr", "next": "//evil.example"}, allow_redirects=False
    )
    assert hostile.headers["Location"] == "/"


async def test_security_headers(client):
    answer = await client.get("/")
    assert "script-src" not in answer.headers["Content-Security-Policy"]
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
