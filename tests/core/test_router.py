"""The router: prefixes, unknown commands, usage text, help, languages."""

from __future__ import annotations


def test_bang_and_slash_and_aliases(testbot):
    assert "Engagement #1" in testbot.say("alice", "!engage Faire A")
    assert "Engagement #2" in testbot.say("alice", "/ENGAGE Faire B")
    assert "Engagement #3" in testbot.say("alice", "/engager Faire C")


def test_unknown_command_suggests_the_closest(testbot):
    text = testbot.say("alice", "/engag Faire A")
    assert "Je ne connais pas la commande /engag" in text
    assert "/engage" in text


def test_unknown_command_in_english(testbot):
    testbot.say("bob", "/lang en")
    text = testbot.say("bob", "/actoins")
    assert "I do not know the command /actoins" in text and "/actions" in text


def test_unknown_command_offers_commands_by_the_speakers_names(testbot):
    """A French speaker is offered French names, an English speaker English ones, whichever spelling came closest."""
    french = testbot.say("alice", "/shedule")
    assert "/programme" in french and "/schedule" not in french
    assert "/aide liste les commandes." in french and "/help" not in french
    assert "/engager" in testbot.say("alice", "/engag") and "/engage," not in testbot.say("alice", "/engag")
    testbot.say("bob", "/lang en")
    assert "Did you mean: /read?" in testbot.say("bob", "/lou")  # "lu" came closest: its English name
    english = testbot.say("bob", "/programe")
    assert "/schedule" in english and "/programme" not in english and "/help lists the commands." in english
    assert "/aide" not in testbot.say("bob", "/aid")


def test_empty_command(testbot):
    assert "/aide" in testbot.say("alice", "/")
    assert "/aide" in testbot.say("alice", "   ")


def test_help_lists_commands_and_details_one(testbot):
    text = testbot.say("alice", "/help")
    for name in ("/engage", "/update", "/done", "/drop", "/edit", "/actions", "/lang", "/help"):
        assert name in text
    detail = testbot.say("alice", "/help engage")
    assert "/engage <quoi> [échéance]" in detail and "Exemple" in detail
    assert "Je ne connais pas la commande /nope" in testbot.say("alice", "/help nope")


def test_lang_switches_back_and_forth(testbot):
    assert "From now on I answer you in English." in testbot.say("alice", "/lang en")
    assert "Usage: /engage <what> [due date]" in testbot.say("alice", "/engage")
    assert "Désormais je vous réponds en français." in testbot.say("alice", "/lang fr")
    assert "Choisissez parmi" in testbot.say("alice", "/lang de")


def test_retried_event_is_handled_once(testbot):
    first = testbot.send("alice", "/engage Faire A", event_id="evt-1")
    second = testbot.send("alice", "/engage Faire A", event_id="evt-1")
    assert first is not None and "Engagement #1" in first.text
    assert second is None
    assert "Engagement #2" in testbot.say("alice", "/engage Faire B")


def test_an_unexpected_error_is_said_and_rolls_everything_back(testbot):
    from sqlalchemy import func, select

    from bot.models import Item
    from bot.router import Command, Param
    from bot.services.commitments import create_commitment

    def broken(ctx, what):
        create_commitment(ctx.session, ctx.community, ctx.circle, ctx.actor, what, None, ctx.now)
        raise RuntimeError("boom")

    testbot.dispatcher.router.add(Command("broken", broken, (Param("what", "text"),), "/broken", "test"))
    text = testbot.say("alice", "/broken Une action")
    assert "Un problème est survenu de mon côté\u202f; rien n’a été modifié." in text
    with testbot.store.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Item)) == 0


def test_a_platform_language_hint_sets_a_new_members_language_only(testbot):
    from bot.reply import Incoming

    def say(identity: str, line: str, language: str | None) -> str:
        reply = testbot.dispatcher.handle(
            Incoming(identity=identity, text=line, channel="console:copil", language=language)
        )
        assert reply is not None
        return reply.text

    assert "Commitment #1 saved" in say("slack:T1/U1", "/engage Book the room", "en")
    assert "Engagement #2 enregistré" in say("slack:T1/U2", "/engage Réserver la salle", "fr")
    say("slack:T1/U1", "/lang fr", "en")
    assert "Engagement #3 enregistré" in say("slack:T1/U1", "/engage Autre", "en"), "/lang wins afterwards"


# Declared subcommands, members and circles: read, resolved and refused by the router


def test_a_member_parameter_is_resolved_once_and_refused_with_the_usage_line(testbot):
    testbot.say("alice", "/whoami")
    assert "Alice est en sourdine" in testbot.say("fabienne", "/member @alice mute")
    assert "Alice est en sourdine" in testbot.say("fabienne", '/member "Alice" mute')
    unknown = testbot.say("fabienne", "/membre @personne absent")
    assert "Je ne connais personne du nom de @personne." in unknown
    assert "Utilisation\u00a0: /membre @quelqu’un structure <structure> | rôle animation|partenaire" in unknown
    testbot.say("fabienne", "/lang en")
    assert "Usage: /member @someone org" in testbot.say("fabienne", "/member @personne mute")


def test_a_circle_parameter_is_resolved_once_and_refused_with_the_usage_line(testbot):
    refused = testbot.say("fabienne", "/niveau #nulle-part")
    assert "Il n’y a pas d’instance nommée #nulle-part." in refused and "Utilisation\u00a0: /niveau" in refused
    assert "GT Mobilité" in testbot.say("fabienne", "/level GT Mobilité")  # a whole name, spaces and all
    assert "Il n’y a pas d’instance nommée #nulle-part." in testbot.say("fabienne", "/schedule pause #nulle-part")


def test_a_facilitator_only_command_refuses_before_reading_its_arguments(testbot):
    testbot.say("alice", "/whoami")
    for line in ("/member @personne mute", "/level #nulle-part", "/schedule pause #nulle-part", "/member"):
        assert "Seule l’animation" in testbot.say("alice", line), line


def test_subcommands_in_either_language_and_a_missing_or_unknown_one(testbot):
    assert "plus de relances" in testbot.say("alice", "/relances désactiver")
    assert "je vous relancerai" in testbot.say("alice", "/nudges ON")
    assert "Je n’attendais pas\u00a0: encore" in testbot.say("alice", "/nudges on encore")
    assert "Il manque quelque chose." in testbot.say("fabienne", "/member @alice")
    assert "Choisissez parmi\u00a0: structure, rôle, absent, présent, lier, dissocier." in testbot.say(
        "fabienne", "/member @alice x"
    )


def test_the_router_refuses_a_subcommand_word_declared_twice():
    import pytest

    from bot.router import Router
    from commands.nudges import nudges

    router = Router()
    router.command("nudges", usage="/nudges", summary="test")(nudges)
    router.subcommand("nudges", ("on", "oui"))(nudges)
    with pytest.raises(ValueError, match="already names a subcommand"):
        router.subcommand("nudges", ("yes", "OUI"))(nudges)
