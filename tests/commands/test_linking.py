"""One person, several accounts: /link codes, merging two members without loss, /unlink splitting them back.

Alice types commands from the console as `alice` and, on her other account, as `alice2` (the console
answers its author only, like Slack: codes may be said there). Bob, Claire and Fabienne (facilitator)
are the others. Every figure is checked as a member would see it: /whoami, /level, /who-read, /unread.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from bot import read_signals
from bot.models import Base, CircleMember, Identity, LinkCode, Member, MemberLink, OutboxMessage, recount_unread
from bot.outbox import enqueue, mark_sent, reach_on
from bot.reply import Incoming
from bot.services.merging import BY_ROW, references
from bot.services.preferences import set_preference

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")


def code_of(answer: str) -> str:
    found = CODE.search(answer)
    assert found, answer
    return found.group(0)


@pytest.fixture
def bot(testbot):
    """Alice in the COPIL (and the GT, from her second account), Bob in the COPIL, Fabienne facilitating."""
    for who, circle in (("alice", "copil"), ("bob", "copil"), ("fabienne", "copil"), ("claire", "gt")):
        testbot.say(who, "/whoami", circle=circle)
    testbot.advance(minutes=1)
    testbot.say("alice2", "/whoami", circle="gt")
    return testbot


def link(bot, first: str = "alice", second: str = "alice2", circle: str = "gt") -> str:
    code = code_of(bot.say(first, "/link"))
    return bot.say(second, f"/link {code}", circle=circle)


def unread_counts_are_true(bot) -> None:
    """Every membership row's kept count equals a count from scratch."""
    with bot.store.unit_of_work() as session:
        kept = dict(session.execute(select(CircleMember.member_id, CircleMember.unread)).all())
        recount_unread(session.connection())
        counted = dict(session.execute(select(CircleMember.member_id, CircleMember.unread)).all())
        assert kept == counted


def test_a_code_links_two_accounts_into_one_member_that_reads_once(bot):
    bot.say("fabienne", "/info Ordre du jour du COPIL")  # #1, for Alice and Bob
    bot.say("claire", "/info Compte rendu du GT", circle="gt")  # #2, for Alice's second account
    answer = bot.say("alice", "/link")
    assert "Votre code de liaison" in answer and "10 minutes" in answer
    done = bot.say("alice2", f"/link {code_of(answer)}", circle="gt")
    assert "Alice est un seul membre avec ces comptes\u00a0: console:alice, console:alice2" in done
    whoami = bot.say("alice2", "/whoami", circle="gt")
    assert "Vous êtes Alice" in whoami and "COPIL, GT Mobilité" in whoami
    assert "Vos comptes\u00a0: console:alice, console:alice2" in whoami
    level = bot.say("fabienne", "/level")
    assert "• Alice\u00a0: 0/2" in level and "Alice2" not in level
    bot.say("alice2", "/read #1", circle="gt")
    assert "Déjà confirmé" in bot.say("alice", "/read #1") or "#1" not in bot.say("alice", "/unread")
    assert "• Alice\u00a0: 1/2" in bot.say("fabienne", "/level")
    assert "1 sur 2 confirmés" in bot.say("fabienne", "/who-read #1")
    unread_counts_are_true(bot)


def test_expired_reused_guessed_and_own_codes_are_refused(bot):
    code = code_of(bot.say("alice", "/link"))
    assert "ce compte-ci" in bot.say("alice", f"/link {code}")
    bot.advance(minutes=11)
    assert "a expiré" in bot.say("alice2", f"/link {code}", circle="gt")
    code = code_of(bot.say("alice", "/link"))
    newer = code_of(bot.say("alice", "/link"))
    assert "déjà servi ou a été remplacé" in bot.say("alice2", f"/link {code}", circle="gt")
    assert "Alice est un seul membre" in bot.say("alice2", f"/link {newer.lower().replace('-', ' ')}", circle="gt")
    assert "déjà servi" in bot.say("bob", f"/link {newer}")
    with bot.store.unit_of_work() as session:
        assert session.scalar(select(Member.id).where(Member.display_name == "Bob")) is not None
        hashes = session.scalars(select(LinkCode.code_hash)).all()
        assert len(hashes) == 3 and all(newer.replace("-", "") not in value for value in hashes)


def test_guessing_is_stopped_per_member_and_for_the_whole_community(bot):
    code = code_of(bot.say("alice", "/link"))
    for guess in ("AAAA-AAAA", "AAAA-AAAB", "nonsense", "AAAA-AAAC", "AAAA-AAAD"):
        assert "n’est pas valable" in bot.say("bob", f"/link {guess}")
    assert "Trop de codes" in bot.say("bob", f"/link {code}")  # even the right one, for a while
    for index in range(25):
        bot.say(f"guesser{index}", "/link ZZZZ-ZZZZ")
    assert "Trop de codes" in bot.say("alice2", f"/link {code}", circle="gt")  # the community waits too
    bot.advance(minutes=10, seconds=1)  # the wrong codes are old enough: a new code works
    assert "Alice est un seul membre" in link(bot)


def test_a_code_is_never_said_nor_taken_where_others_read(testbot, config):
    from dataclasses import replace

    from bot.config import CircleConfig

    testbot.dispatcher.config = replace(config, circles=(CircleConfig("COPIL", ("console:copil", "matrix:!copil:hs")),))
    testbot.dispatcher.setup()
    room = Incoming(identity="matrix:@alice:hs", text="/link", channel="matrix:!copil:hs", display_name="Alice")
    asked = testbot.dispatcher.handle(room)
    assert asked is not None and not CODE.search(asked.text) and "conversation privée" in asked.text
    code = code_of(testbot.say("alice", "/link"))
    shown = testbot.dispatcher.handle(Incoming(**{**room.__dict__, "text": f"/link {code}"}))
    assert shown is not None and "je l’ai donc annulé" in shown.text
    dm = testbot.dispatcher.handle(Incoming(identity="matrix:@alice:hs", text=f"/link {code}", direct=True))
    assert dm is not None and "déjà servi" in dm.text


def test_unlinking_splits_them_back_without_losing_anything(bot):
    bot.say("alice2", "/engage Rédiger la note de cadrage", circle="gt")  # #1, owned by the second account
    bot.say("fabienne", "/info Avant la liaison")  # #2
    bot.say("alice2", "/read #2", circle="gt")
    bot.say("alice2", "/nudges off", circle="gt")
    link(bot)
    bot.say("fabienne", "/info Pendant la liaison")  # #3
    bot.say("alice", "/read #3")
    bot.say("alice", "/engage Préparer le budget")  # #4, while linked: stays with the older account
    assert "Rédiger la note de cadrage" in bot.say("alice", "/actions")
    done = bot.say("alice", "/unlink")
    assert "Alice2 (console:alice2) est de nouveau un membre à part entière" in done
    assert "Vos comptes\u00a0: console:alice2." in bot.say("alice2", "/whoami", circle="gt")
    assert "Vos comptes\u00a0: console:alice." in bot.say("alice", "/whoami")
    mine = bot.say("alice2", "/actions mine", circle="gt")
    assert "Rédiger la note de cadrage" in mine and "Préparer le budget" not in mine
    assert "Préparer le budget" in bot.say("alice", "/actions mine")
    assert "#2" not in bot.say("alice2", "/unread", circle="gt")  # its reading came back
    assert "#3" not in bot.say("alice2", "/unread", circle="gt")  # read while linked: by both
    assert "#3" not in bot.say("alice", "/unread")
    assert "#2" in bot.say("alice", "/unread")  # Alice's own account never read #2
    assert "relances sont désactivées" in bot.say("alice2", "/nudges", circle="gt").lower()
    assert "Vos instances\u00a0: COPIL." in bot.say("alice", "/whoami")
    unread_counts_are_true(bot)
    with bot.store.unit_of_work() as session:
        record = session.scalars(select(MemberLink)).one()
        assert record.unlinked_at is not None and record.merged_name == "Alice2"
    assert "un seul compte" in bot.say("alice", "/unlink") or "n’a qu’un compte" in bot.say("alice", "/unlink")


def test_a_facilitator_links_and_unlinks_two_members(bot):
    assert "Seule une animatrice" in bot.say("bob", "/member @alice link @alice2") or "animat" in bot.say(
        "bob", "/member @alice link @alice2"
    )
    assert "Alice est un seul membre" in bot.say("fabienne", "/member @alice2 link @alice")
    assert "déjà un seul membre" in bot.say("fabienne", "/member @alice link @alice")
    assert "est de nouveau un membre" in bot.say("fabienne", "/member @alice dissocier")
    assert "Vous êtes Alice2" in bot.say("alice2", "/moi", circle="gt")


def test_links_come_undone_newest_first(bot):
    bot.say("alice3", "/whoami")
    link(bot)
    link(bot, "alice", "alice3", "copil")
    assert "console:alice, console:alice2, console:alice3" in bot.say("alice", "/whoami")
    assert "Alice3 (console:alice3)" in bot.say("alice", "/unlink")
    assert "Alice2 (console:alice2)" in bot.say("alice", "/unlink")
    for who in ("alice", "alice2", "alice3"):
        assert f"console:{who}." in bot.say(who, "/whoami", circle="gt" if who == "alice2" else "copil")
    unread_counts_are_true(bot)


def test_a_reaction_on_any_copy_counts_once_and_personal_messages_go_to_one_platform(bot):
    reply = bot.send("fabienne", "/info Sur deux plateformes")
    assert reply is not None
    item_id = reply.posts[1].item_id
    link(bot)
    with bot.store.unit_of_work() as session:
        alice = session.scalar(select(Member).where(Member.display_name == "Alice"))
        assert alice is not None
        session.add_all([Identity(member_id=alice.id, identity=i) for i in ("slack:T1/U1", "matrix:@alice:hs")])
        for channel, event in (("slack:T1/C1", "111.1"), ("matrix:!copil:hs", "$e1")):
            row = enqueue(session, bot.clock.now(), "x", channel=channel, item_id=item_id)
            session.flush()
            mark_sent(session, row.id, event, bot.clock.now())
        assert reach_on(session, alice.id) == ["matrix"]  # no choice, never used: the first
        alice.last_platform = "slack"
        assert reach_on(session, alice.id) == ["slack"]
        set_preference(session, alice, bot.clock.now(), via="matrix")
        assert reach_on(session, alice.id) == ["matrix"]
    for identity, channel, event in (
        ("slack:T1/U1", "slack:T1/C1", "111.1"),
        ("matrix:@alice:hs", "matrix:!copil:hs", "$e1"),
    ):
        read_signals.reaction(bot.dispatcher, identity, channel, event, "✅", True)
    who = bot.say("fabienne", "/who-read #1")
    assert "1 sur 2 confirmés" in who and who.count("Alice") == 1


def test_every_table_naming_a_member_is_merged(engine):
    moved = {f"{table.name}.{column.name}" for table, column in references()}
    assert {"items.author_id", "commitments.owner_id", "identities.member_id", "outbox.member_id"} <= moved
    for name in BY_ROW:
        assert name in Base.metadata.tables
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM member_links")).scalar() == 0


def test_nudges_go_where_the_member_chose(bot):
    assert "pas de compte slack lié" in bot.say("alice", "/relances par slack").lower()
    with bot.store.unit_of_work() as session:
        alice = session.scalar(select(Member).where(Member.display_name == "Alice"))
        assert alice is not None
        session.add_all([Identity(member_id=alice.id, identity=i) for i in ("slack:T1/U1", "matrix:@alice:hs")])
    assert "sur Slack seulement" in bot.say("alice", "/relances par slack")
    assert "en dernier" in bot.say("alice", "/nudges via auto")
    assert "Choisissez parmi" in bot.say("alice", "/nudges via pigeon")
    with bot.store.unit_of_work() as session:
        from schedules.direct import _platforms

        alice = session.scalar(select(Member).where(Member.display_name == "Alice"))
        assert alice is not None and _platforms(session, [alice.id]) == {alice.id: ["matrix"]}
        set_preference(session, alice, bot.clock.now(), via="slack")
        assert _platforms(session, [alice.id]) == {alice.id: ["slack"]}


def code_said_in_a_direct_chat(bot) -> str:
    """Alice, also on Matrix, asks for a code in a direct chat, as the adapters run it (answer to the outbox,
    delivered)."""
    with bot.store.unit_of_work() as session:
        alice = session.scalar(select(Member).where(Member.display_name == "Alice"))
        assert alice is not None
        if session.scalar(select(Identity).where(Identity.identity == "matrix:@alice:hs")) is None:
            session.add(Identity(member_id=alice.id, identity="matrix:@alice:hs"))
    asked = Incoming(
        identity="matrix:@alice:hs", text="/link", channel="matrix:!dm:hs", direct=True, display_name="Alice"
    )
    reply = bot.dispatcher.handle(asked, deliver=True)
    assert reply is not None
    code = code_of(reply.text)
    with bot.store.unit_of_work() as session:
        rows = [row for row in session.scalars(select(OutboxMessage)) if code in row.text]
        assert rows, "the answer carrying the code is in the outbox"
        for row in rows:
            mark_sent(session, row.id, f"event-{row.id}", bot.clock.now())
    return code


def code_in_outbox(bot, code: str) -> bool:
    with bot.store.unit_of_work() as session:
        return any(code in row.text for row in session.scalars(select(OutboxMessage)))


def test_a_code_leaves_the_outbox_once_used_or_left_to_expire(bot, config):
    """Used: blanked at once. Left alone: the scheduler's periodic run blanks it once expired."""
    from schedules.rounds import run_due

    used = code_said_in_a_direct_chat(bot)
    assert code_in_outbox(bot, used)
    assert "Alice est un seul membre" in bot.say("alice2", f"/link {used}", circle="gt")
    assert not code_in_outbox(bot, used)
    left = code_said_in_a_direct_chat(bot)
    run_due(bot.store, config, bot.clock.now())
    assert code_in_outbox(bot, left)  # still valid: kept, so a resend after a crash can say it again
    bot.advance(minutes=11)
    run_due(bot.store, config, bot.clock.now())
    assert not code_in_outbox(bot, left)


def test_nudges_alone_says_where_personal_messages_go_with_two_platforms(bot):
    assert "parviennent" not in bot.say("alice", "/nudges")  # one platform: nothing to say
    with bot.store.unit_of_work() as session:
        alice = session.scalar(select(Member).where(Member.display_name == "Alice"))
        assert alice is not None
        session.add_all([Identity(member_id=alice.id, identity=i) for i in ("slack:T1/U1", "matrix:@alice:hs")])
        alice.last_platform = "slack"
    said = bot.say("alice", "/nudges")
    assert "Elles vous parviennent sur Slack, là où vous avez tapé une commande en dernier" in said
    bot.say("alice", "/nudges via matrix")
    assert "sur Matrix, comme vous l’avez choisi" in bot.say("alice", "/nudges")
