"""A commitment that is done or dropped stays so until it is reopened: /done, /drop and /edit are refused on
it, in the member's language, saying its state and how to go on (/reopen), after the rights; in a list, the
others are still closed. Nothing is changed for what is refused. News about it is always shared, a progress or
a confidence given with it not applied, and the answer says so."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.kinds import CommitmentStatus
from bot.markup import to_plain
from bot.models import Commitment, CommitmentChange, Item, Update


def states(testbot) -> dict[int, tuple[str, int | None, str, str | None]]:
    """Each commitment's number: its status, progress, title and due date, as stored."""
    with testbot.store.unit_of_work() as session:
        rows = session.execute(select(Item.number, Commitment).join(Commitment, Commitment.item_id == Item.id))
        return {
            number: (str(c.status), c.progress, c.title, c.due_at.isoformat() if c.due_at else None)
            for number, c in rows
        }


def changes(testbot) -> int:
    with testbot.store.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(CommitmentChange)) or 0


@pytest.fixture
def three(testbot):
    """Alice's #1 done, #2 dropped, #3 open (COPIL)."""
    testbot.say("alice", "/engage Faire A")
    testbot.say("alice", "/engage Faire B")
    testbot.say("alice", "/engage Faire C")
    assert "est fait" in testbot.say("alice", "/done #1")
    assert "est abandonné" in testbot.say("alice", "/drop #2 plus utile")
    return testbot


def test_a_done_commitment_is_not_dropped_and_a_dropped_one_not_done(three):
    before, count = states(three), changes(three)
    text = three.say("alice", "/drop #1 finalement non")
    assert "#1 est fait" in text and "/rouvrir #1" in text
    text = three.say("alice", "/fait #2")
    assert "#2 est abandonné" in text and "/rouvrir #2" in text
    assert states(three) == before and changes(three) == count
    three.say("alice", "/lang en")
    text = three.say("alice", "/drop #1")
    assert "#1 is done" in text and "/reopen #1" in text
    assert "#2 is dropped" in three.say("alice", "/done #2")
    assert states(three) == before and changes(three) == count


def test_done_twice_says_it_is_already_done_and_changes_nothing(three):
    assert "est fait" in three.say("alice", "/done #3")
    before, count = states(three), changes(three)
    reply = three.send("alice", "/done #3")
    assert reply is not None and not reply.ok
    assert "#3 est déjà fait" in three.say("alice", "/fait #3")
    assert "#2 est déjà abandonné" in three.say("alice", "/drop #2")
    assert states(three) == before and changes(three) == count


def test_a_mixed_list_closes_the_open_ones_and_says_the_others(three):
    text = three.say("alice", "/done #1,2,3")
    lines = text.splitlines()
    assert "#3 Faire C est fait" in lines[0]
    assert any("#1 est déjà fait" in line for line in lines[1:])
    assert any("#2 est abandonné" in line and "/rouvrir #2" in line for line in lines[1:])
    assert {number: state[0] for number, state in states(three).items()} == {1: "done", 2: "dropped", 3: "done"}


def test_a_closed_commitment_is_not_edited(three):
    before, count = states(three), changes(three)
    for line in (
        "/edit #1 titre Autre chose",
        "/edit #1 échéance demain",
        "/edit #2 résultat Une charte",
        "/edit #2 humaines deux personnes",
    ):
        text = three.say("alice", line)
        assert "rien n’a été changé" in text and "/rouvrir" in text, line
    text = three.say("fabienne", "/edit #1 responsable @alice")
    assert "#1 est fait" in text
    three.say("alice", "/lang en")
    text = three.say("alice", "/edit #1 title Something else")
    assert "#1 is done: nothing was changed" in text and "/reopen #1" in text
    assert states(three) == before and changes(three) == count


def test_someone_who_may_not_edit_a_closed_commitment_is_told_so_not_to_reopen_it(three):
    """Rights come first, as with /done, /drop and /reopen (before: "#1 is done … reopen it first with
    /rouvrir #1", to someone who may not reopen it)."""
    before, count = states(three), changes(three)
    for who, circle, line in (
        ("bob", "copil", "/edit #1 titre Autre"),
        ("bob", "copil", "/edit #2 résultat Une charte"),
        ("oscar", "gt", "/edit #1 échéance demain"),
    ):
        text = three.say(who, line, circle)
        assert f"#{line[7]} appartient à Alice" in text and "rouvrir" not in text, (line, text)
    text = three.say("alice", "/edit #1 responsable @bob")
    assert "Seule l’animation peut confier" in text and "rouvrir" not in text, text
    three.say("bob", "/lang en")
    text = three.say("bob", "/edit #1 owner @bob")
    assert "Only a facilitator can give" in text and "reopen" not in text, text
    text = three.say("bob", "/edit #1 due tomorrow")
    assert "#1 belongs to Alice" in text and "reopen" not in text, text
    assert states(three) == before and changes(three) == count


def plain(text: str) -> str:
    """French typography aside (no-break spaces are spaces here)."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def news(testbot) -> list[tuple[int, int | None, str | None]]:
    """Each update item's number, with the progress and confidence stored with it."""
    with testbot.store.unit_of_work() as session:
        rows = session.execute(select(Item.number, Update.progress, Update.confidence).join(Update))
        return [(number, progress, str(confidence) if confidence else None) for number, progress, confidence in rows]


def test_news_about_a_closed_commitment_is_shared_and_its_progress_kept(three):
    """A percentage or a confidence given with news about a commitment done or dropped is not applied, and the
    answer says so; the news is shared all the same (before, 2593b5e: refused, the news lost, even '100%' about
    one done). Nothing else changes."""
    before, count = states(three), changes(three)
    reply = three.send("alice", "/update #1 Terminé, rapport envoyé 100%")
    assert reply is not None and reply.ok
    answer, post = to_plain(reply.posts[0].text), to_plain(reply.posts[1].text)
    assert "Point d’étape #4 partagé" in answer, answer
    assert "#1 est fait : son avancement reste à 100 %. Pour le rouvrir : /rouvrir #1." in plain(answer), answer
    assert "rapport envoyé" in post and "%" not in post, post  # the circle reads the news, no percentage
    text = plain(three.say("alice", "/update #1 Finalement 50%"))
    assert "Point d’étape #5 partagé" in text and "son avancement reste à 100 %" in text and "50" not in text
    text = plain(three.say("alice", "/update #2 Abandon confirmé 0%"))
    assert "Point d’étape #6 partagé" in text and "#2 est abandonné : il reste sans avancement." in text, text
    text = plain(three.say("alice", "/update #2 Pas sûr confiance basse"))
    assert "#7 partagé" in text and "#2 est abandonné : la confiance indiquée n’est pas enregistrée." in text, text
    three.say("alice", "/lang en")
    text = plain(three.say("alice", "/update #1 Final figures 40% confidence high"))
    assert "Update #8 shared" in text and "#1 is done: its progress stays at 100%." in text, text
    assert "The confidence given is not recorded either. To reopen it: /reopen #1." in text, text
    assert "Update #9 shared" in three.say("alice", "/update #1 The minutes are online")
    assert states(three) == before and changes(three) == count
    assert news(three) == [(number, None, None) for number in range(4, 10)]


def test_only_those_who_may_report_share_news_about_a_closed_commitment(three):
    """Rights first, as on an open one: someone who may not report on it is told so, not to reopen it."""
    before = states(three)
    text = three.say("bob", "/update #1 Vu le rapport 100%")
    assert "#1 appartient à Alice" in text and "rouvrir" not in text, text
    assert states(three) == before and news(three) == []


def test_someone_elses_commitment_in_another_circle_is_not_closed(three):
    three.say("oscar", "/engage Faire O", circle="gt")
    before, count = states(three), changes(three)
    text = three.say("alice", "/done #4")
    assert "#4 appartient à Oscar" in text
    text = three.say("bob", "/drop #3,4")
    assert "#3 appartient à Alice" in text and "#4 appartient à Oscar" in text
    assert states(three) == before and changes(three) == count


def test_reopen_gives_back_an_open_commitment_that_can_be_closed_again(three):
    text = three.say("alice", "/rouvrir #1,2 pas fini")
    assert "#1 Faire A est rouvert" in text and "#2 Faire B est rouvert" in text
    assert {number: state[0] for number, state in states(three).items()} == {1: "open", 2: "open", 3: "open"}
    assert "Faire A" in three.say("alice", "/actions") and "Faire B" in three.say("alice", "/actions")
    assert "#3 est déjà ouvert" in three.say("alice", "/rouvrir #3")
    assert "est abandonné" in three.say("alice", "/drop #1 finalement")
    three.say("alice", "/lang en")
    assert "#1 Faire A is open again" in three.say("alice", "/reopen #1")
    assert "#3 is already open" in three.say("alice", "/reopen #3")
    assert "pas fini" in three.say("alice", "/show #2")


def test_a_reopened_commitment_has_its_last_reported_progress_again(testbot):
    testbot.say("alice", "/engage Faire A")
    testbot.say("alice", "/engage Faire B")
    testbot.say("alice", "/update #1 Bien avancé 40%")
    testbot.say("alice", "/done #1,2")
    assert states(testbot)[1][1] == 100
    testbot.say("alice", "/reopen #1 #2")
    assert states(testbot)[1][1] == 40 and states(testbot)[2][1] is None  # done's 100% was no report
    assert "40\u00a0%" in testbot.say("alice", "/voir #1")


def test_a_done_commitment_dropped_before_the_upgrade_reopens_with_its_last_reported_progress(testbot):
    """The /drop of before 2593b5e switched a done commitment to dropped, its 100% kept: reopened, it shows the
    progress last reported (before: 100%, which nobody reported), none if none was."""
    testbot.say("alice", "/engage Faire A")
    testbot.say("alice", "/engage Faire B")
    testbot.say("alice", "/update #1 Bien avancé 40%")
    testbot.say("alice", "/done #1,2")
    with testbot.store.unit_of_work() as session:  # what the old /drop did: done → dropped, progress kept
        for commitment in session.scalars(select(Commitment)):
            commitment.status = CommitmentStatus.DROPPED
    assert states(testbot)[1][:2] == ("dropped", 100)
    assert "#1 Faire A est rouvert" in testbot.say("alice", "/rouvrir #1 #2")
    assert states(testbot)[1][1] == 40 and states(testbot)[2][1] is None
    assert "40\u00a0%" in testbot.say("alice", "/voir #1") and "100" not in testbot.say("alice", "/voir #2")


def test_only_the_owner_or_a_facilitator_reopens(three):
    before, count = states(three), changes(three)
    assert "#1 appartient à Alice" in three.say("bob", "/rouvrir #1")
    assert "#1 appartient à Alice" in three.say("oscar", "/rouvrir #1", circle="gt")
    assert states(three) == before and changes(three) == count
    assert "est rouvert" in three.say("fabienne", "/rouvrir #1")
