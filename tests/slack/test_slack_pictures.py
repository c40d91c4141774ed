"""The weekly recap's chart on Slack: shared as a file (files.getUploadURLExternal, the bytes to the
upload URL, files.completeUploadExternal) in each circle's channel right after the recap, with the
chart's figures as its title and alternative text; a resend after a crash finds it and does not
share it twice; an upload Slack refuses for now is retried, the recap posted all the same."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from adapters.slack.pictures import picture_name
from bot.delivery import Outgoing
from bot.images import PNG_SIGNATURE, png_size
from bot.models import OutboxMessage
from schedules.rounds import run_due
from tests.schedules.support import paris

from .harness import FABIENNE, GENERAL, GT, Harness


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def pictures(harness: Harness) -> list[OutboxMessage]:
    with harness.store.unit_of_work() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.occurrence_key.like("%#image"))))


async def recap_round(harness: Harness) -> None:
    await harness.command("engage", "Envoyer le compte rendu vendredi", user=FABIENNE)
    harness.clock.set(paris(2026, 11, 30, 9))  # Monday: every circle's recap
    run_due(harness.store, harness.dispatcher.config, harness.clock.now())


async def test_the_recap_chart_is_shared_in_each_circle_channel_after_the_recap(relais_socket: Harness) -> None:
    harness = relais_socket
    await recap_round(harness)
    await harness.deliverer.deliver_due()
    for channel in (GENERAL, GT):
        posted = harness.posts_in(channel)
        recap = next(m for m in posted if "Récapitulatif de la semaine" in str(m.get("text")))
        (shared,) = harness.standin.shared_files(channel)
        assert float(shared["ts"]) > float(recap["ts"])  # right after the recap
        assert shared["name"].startswith("relais-") and shared["mimetype"] == "image/png"
        assert shared["alt_txt"] == shared["title"]
        assert "semaine du lundi 23 novembre 2026 au lundi 30 novembre 2026" in plain(shared["alt_txt"])
        assert shared["data"].startswith(PNG_SIGNATURE) and png_size(shared["data"]) == (640, 250)
    assert "Engagements faits : 0 ; en retard : 1 ; en cours dans les temps : 0." in plain(
        harness.standin.shared_files(GENERAL)[0]["alt_txt"]
    )
    asked = harness.standin.calls_to("files.getUploadURLExternal")
    assert sorted(int(call.params["length"]) for call in asked) == sorted(  # the channels go side by side
        len(shared["data"]) for shared in harness.standin.shared_files(GENERAL) + harness.standin.shared_files(GT)
    )
    assert {row.status for row in pictures(harness)} == {"sent"}


async def test_a_resend_after_a_crash_does_not_share_the_chart_twice(relais_socket: Harness) -> None:
    harness = relais_socket
    await recap_round(harness)
    row = next(row for row in pictures(harness) if row.channel.endswith(GENERAL))
    with harness.store.unit_of_work() as session:  # a delivery takes the row…
        taken = session.get_one(OutboxMessage, row.id)
        taken.status, taken.attempts, taken.not_before = "sending", 1, harness.clock.now()
    first = await harness.adapter.sender.send(Outgoing.of(row), resend=False)  # …shares it, then the process dies
    assert first.message_id == harness.standin.shared_files(GENERAL)[0]["id"]
    harness.standin.reset()
    harness.clock.advance(timedelta(minutes=1))
    await harness.deliverer.deliver_due()  # the next start: everything due, this picture as a resend
    uploaded = [call.params["filename"] for call in harness.standin.calls_to("files.getUploadURLExternal")]
    assert picture_name(row.id) not in uploaded and len(uploaded) == 1  # only the other circle's
    assert [shared["name"] for shared in harness.standin.shared_files(GENERAL)] == [picture_name(row.id)]
    with harness.store.unit_of_work() as session:
        done = session.get_one(OutboxMessage, row.id)
        assert (done.status, done.message_id, done.image) == ("sent", first.message_id, None)


async def test_an_upload_refused_for_now_is_retried_and_the_recap_is_posted(relais_socket: Harness) -> None:
    harness = relais_socket
    await recap_round(harness)
    harness.standin.fail("files.completeUploadExternal", "internal_error", times=2)
    await harness.deliverer.deliver_due()
    assert [m for m in harness.posts_in(GENERAL) if "Récapitulatif de la semaine" in str(m.get("text"))]
    assert {row.status for row in pictures(harness)} == {"pending"}
    assert harness.standin.shared_files(GENERAL) == [] and harness.standin.shared_files(GT) == []
    harness.clock.advance(timedelta(minutes=1))
    await harness.deliverer.deliver_due()
    assert {row.status for row in pictures(harness)} == {"sent"}
    assert len(harness.standin.shared_files(GENERAL)) == 1 and len(harness.standin.shared_files(GT)) == 1
