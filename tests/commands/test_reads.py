"""Information level: three members, two organisations, two circles — post, react, read, edit,
join late, mute — with the figures of /who-read and /level checked exactly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import read_signals
from bot.markup import to_plain
from bot.outbox import enqueue, mark_sent


@pytest.fixture
def community(testbot):
    for who in ("alice", "bob", "claire"):
        testbot.say(who, "/whoami", circle="copil")
    testbot.say("claire", "/whoami", circle="gt")
    for who, org in (("alice", "Asso Trait d'union"), ("bob", "Asso Trait d'union"), ("claire", "Mairie")):
        assert "fait désormais partie" in testbot.say("fabienne", f"/member @{who} org {org}", circle="animation")
    return testbot


def test_announcement_reaches_the_others_unread_and_reactions_acknowledge(community):
    bot = community
    posted = bot.say("alice", "/info La réunion est déplacée à la mairie")
    assert "Annonce #1 publiée dans COPIL\u00a0: 2 membres doivent la lire." in posted
    assert "/lu #1" in posted  # the French name, to a French speaker
    assert "Vous êtes à jour" in bot.say("alice", "/unread")
    unread = bot.say("bob", "/unread")
    assert unread.splitlines()[0] == "1 élément à lire\u00a0:"
    assert "#1 · COPIL · Alice · La réunion est déplacée à la mairie · à l’instant" in unread
    bot.advance(minutes=5)
    assert "lecture confirmée" in bot.say("bob", "/react #1 ✅")
    assert "Vous êtes à jour" in bot.say("bob", "/unread")
    who = bot.say("fabienne", "/who-read #1", circle="animation")
    assert "#1 (COPIL)\u00a0: 1 sur 2 confirmés, 0 seulement vus, 1 pas encore." in who
    assert "✅ Bob (Asso Trait d'union) — confirmé jeudi 26 novembre 2026 à 10:05" in who
    assert "⏳ Claire (Mairie) — pas encore" in who
    assert "• Asso Trait d'union\u00a0: 1/1" in who and "• Mairie\u00a0: 0/1" in who
    assert "de nouveau non lu" in bot.say("bob", "/unreact #1 ✅")
    assert "#1 ·" in bot.say("bob", "/unread")
    assert "Seuls ✅ ou 👍 comptent" in bot.say("bob", "/react #1 🎉")


def test_read_numbers_all_and_bad_numbers(community):
    bot = community
    bot.say("alice", "/info Un")
    bot.say("alice", "/info Deux")
    bot.say("alice", "/engage Faire trois")
    assert "Merci, lecture confirmée\u00a0: #1." in bot.say("bob", "/read #1")
    assert "Déjà confirmé\u00a0: #1." in bot.say("bob", "/read 1")
    both = bot.say("bob", "/read #2 #3")  # what can be confirmed is; the rest is said, number by number
    assert "Merci, lecture confirmée\u00a0: #2." in both and "#3 est un engagement, pas un élément à lire." in both
    assert "Vous êtes à jour" in bot.say("bob", "/unread")
    assert "Il n’y a pas de #99." in bot.say("bob", "/read #99")
    bot.say("alice", "/info Quatre")
    assert "1 élément marqué comme lu." in bot.say("bob", "/read tout")
    assert "3 éléments marqués comme lus." in bot.say("claire", "/read all")
    assert "Un # doit être suivi" in bot.say("claire", "/read #")


def test_edit_makes_it_unread_again_and_only_the_author_may_edit(community):
    bot = community
    bot.say("alice", "/info Réunion lundi")
    bot.say("bob", "/read #1")
    bot.say("claire", "/react #1 👍")
    assert "Seuls l’auteur de #1 ou l’animation" in bot.say("bob", "/edit #1 texte Réunion mardi")
    edited = bot.say("alice", "/edit #1 texte Réunion mardi")
    assert "2 membres avaient confirmé la lecture\u00a0: il est de nouveau non lu pour eux." in edited
    assert "Réunion mardi" in bot.say("bob", "/unread")
    assert "0 sur 2 confirmés" in bot.say("alice", "/who-read #1")


def test_late_joiner_gets_the_last_five_and_mute_and_level_figures(community):
    bot = community
    bot.say("alice", "/info Un")  # 1
    bot.say("claire", "/update Nouvelle du groupe", circle="gt")  # 2: nobody else in gt
    for word in ("Trois", "Quatre", "Cinq", "Six", "Sept", "Huit"):  # 3..8
        bot.say("alice", f"/info {word}")
    bot.say("bob", "/read #1 #3 #4")
    bot.say("claire", "/read #1")
    dave = bot.say("dave", "/unread")
    assert dave.splitlines()[0] == "5 éléments à lire\u00a0:"
    assert [line.split(" ·")[0] for line in dave.splitlines()[1:6]] == ["#8", "#7", "#6", "#5", "#4"]
    assert "Seule l’animation" in bot.say("bob", "/level")
    level = bot.say("fabienne", "/level", circle="animation")
    assert "• Dave\u00a0: 0/5 — 0\u00a0%" in level
    assert "est en sourdine" in bot.say("fabienne", "/member @dave mute", circle="animation")
    level = bot.say("fabienne", "/level", circle="animation")
    assert "Dave" not in level
    assert "Niveau de lecture, toute la communauté\u00a0: 7 éléments sur les 4 dernières semaines" in level
    assert "• Claire (Mairie)\u00a0: 1/7 — 14\u00a0%" in level
    assert "• Bob (Asso Trait d'union)\u00a0: 3/7 — 43\u00a0%" in level
    assert "• Mairie\u00a0: 1/7 — 14\u00a0%" in level and "• Asso Trait d'union\u00a0: 3/7 — 43\u00a0%" in level
    lowest = level.split("Éléments les moins lus\u00a0:")[1].strip().splitlines()
    assert [line.split(" ")[1] for line in lowest] == ["#8", "#7", "#6", "#5", "#4"]
    assert "0/2 — 0\u00a0%" in lowest[0] and "1/2 — 50\u00a0%" in lowest[4]
    by_circle = bot.say("fabienne", "/level #gt", circle="animation")
    assert "Aucun élément à lire dans GT Mobilité" in by_circle
    assert "Il n’y a pas d’instance nommée" in bot.say("fabienne", "/level #nulle-part", circle="animation")
    bot.advance(days=31)
    assert "Aucun élément à lire" in bot.say("fabienne", "/level", circle="animation")


def test_platform_reaction_and_receipt_signals(community):
    bot = community
    reply = bot.send("alice", "/info Compte rendu en ligne")
    assert reply is not None
    item_id = reply.posts[1].item_id
    with bot.store.unit_of_work() as session:
        row = enqueue(session, bot.clock.now(), "x", channel="matrix:!copil:hs", item_id=item_id)
        session.flush()
        mark_sent(session, row.id, "$event1", bot.clock.now())
    assert read_signals.reaction(bot.dispatcher, "console:bob", "matrix:!copil:hs", "$event1", "✅", True)
    assert not read_signals.reaction(bot.dispatcher, "console:bob", "matrix:!copil:hs", "$event1", "🎉", True)
    assert not read_signals.reaction(bot.dispatcher, "console:bob", "matrix:!copil:hs", "$other", "✅", True)
    read_signals.receipt(bot.dispatcher, "console:claire", "matrix:!copil:hs", bot.clock.now() + timedelta(seconds=1))
    who = bot.say("alice", "/who-read #1")
    assert "1 sur 2 confirmés, 1 seulement vus, 0 pas encore" in who
    assert "👀 Claire (Mairie) — vu, pas confirmé" in who
    assert read_signals.reaction(bot.dispatcher, "console:bob", "matrix:!copil:hs", "$event1", "✅", False)
    assert "0 sur 2 confirmés" in bot.say("alice", "/who-read #1")


def test_english_member_sees_english(community):
    bot = community
    bot.say("bob", "/lang en")
    bot.say("alice", "/info Hello")
    unread = bot.say("bob", "/unread")
    assert unread.startswith("1 item to read:") and "Confirm with /read #N, or /read all." in unread
    assert "Thank you, reading confirmed: #1." in bot.say("bob", "/read #1")
    assert to_plain("**x**") == "x"


async def test_signal_buffer_applies_queued_reactions_in_one_go(community):
    bot = community
    reply = bot.send("alice", "/info Un")
    assert reply is not None
    with bot.store.unit_of_work() as session:
        row = enqueue(session, bot.clock.now(), "x", channel="slack:T1/C1", item_id=reply.posts[1].item_id)
        session.flush()
        mark_sent(session, row.id, "1700000000.000100", bot.clock.now())
    buffer = read_signals.SignalBuffer(bot.dispatcher)
    buffer.put(read_signals.Reaction("console:bob", "slack:T1/C1", "1700000000.000100", "white_check_mark", True))
    buffer.put(read_signals.Reaction("console:claire", "slack:T1/C1", "1700000000.000100", "+1", True))
    buffer.put(read_signals.Reaction("console:claire", "slack:T1/C1", "1700000000.000100", "+1", False))
    assert await buffer.drain() == 3
    assert buffer.applied == 3
    assert "1 sur 2 confirmés" in bot.say("alice", "/who-read #1")


def test_a_meeting_is_not_an_item_to_read(community):
    bot = community
    bot.say("fabienne", "/meeting COPIL jeudi 3 décembre 14h", circle="copil")
    assert bot.say("bob", "/read #1") == "#1 est une réunion, pas un élément à lire."
    assert bot.say("alice", "/edit #1 texte autre chose") == "#1 est une réunion, pas un élément à lire."


def test_numbers_written_with_commas_are_numbers(testbot):
    """Before: "/read #1,#2" and "/read #1, #2" answered "This is not an item number: #1,#2" (or "#1,")."""
    testbot.say("alice", "/info Première annonce")
    testbot.say("alice", "/info Deuxième annonce")
    testbot.say("alice", "/engage Un")
    testbot.say("alice", "/engage Deux")
    assert "#1, #2" in testbot.say("bob", "/lu #1,#2")
    testbot.say("bob", "/lang en")
    assert "#1" in testbot.say("bob", "/read #1, #2") and "not an item number" not in testbot.say("bob", "/read #1, #2")
    done = testbot.say("alice", "/done #3,#4 livré")
    assert "#3" in done and "#4" in done and "not an item number" not in done and "pas un numéro" not in done


def test_a_number_after_a_comma_is_a_number_and_a_word_after_it_the_note(testbot):
    """Before: "/done #1,2 livré" closed #1 only and kept "2 livré" as its note, saying nothing of #2; "/show #1,"
    and "/update #1: …" were refused ("This is not an item number: #1,")."""
    for title in ("Un", "Deux", "Trois", "Quatre", "Cinq"):
        testbot.say("alice", f"/engage {title}")
    both = testbot.say("alice", "/done #1,2 livré")
    assert "#1" in both and "#2" in both, both
    again = testbot.say("alice", "/done #3, 4 c’est fait")
    assert "#3" in again and "#4" in again, again
    note = testbot.say("alice", "/done #5, bravo à tous")
    assert "#5" in note and "pas un numéro" not in note, note
    assert "Un" not in testbot.say("alice", "/actions") and "Cinq" not in testbot.say("alice", "/actions")
    assert "pas un numéro" not in testbot.say("alice", "/voir #5,")
    assert "pas un numéro" not in testbot.say("alice", "/voir #5.")
