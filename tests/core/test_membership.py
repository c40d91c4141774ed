"""Circles follow the platforms' membership (core side, with Matrix and Slack identity forms).

Communities start with people already in their rooms: they are members from the first item,
their signals count at once, whoever leaves is out of newer audiences, strangers get nothing.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from bot import read_signals
from bot.clock import FixedClock
from bot.config import CircleConfig
from bot.db import Store
from bot.dispatch import Dispatcher
from bot.markup import to_plain
from bot.models import ChannelMember, Identity, Item, Member, MessageRef
from bot.reply import Incoming
from bot.services.membership import channel_joined, channel_left, sync_channel
from commands import build_router
from tests.conftest import make_config

COPIL, GT, LOBBY = "matrix:!copil:hs", "matrix:!gt:hs", "matrix:!lobby:hs"
FACILITATOR = "matrix:@fabienne:hs"


def who(name: str) -> str:
    return f"matrix:@{name}:hs"


def make(store: Store, clock: FixedClock) -> Dispatcher:
    config = replace(
        make_config(),
        facilitators=(FACILITATOR,),
        circles=(CircleConfig("COPIL", (COPIL,)), CircleConfig("GT Mobilité", (GT,))),
    )
    dispatcher = Dispatcher(store=store, config=config, clock=clock, router=build_router())
    dispatcher.setup()
    return dispatcher


def say(dispatcher: Dispatcher, name: str, line: str, channel: str | None = COPIL, direct: bool = False) -> str:
    identity = FACILITATOR if name == "fabienne" else who(name)
    incoming = Incoming(identity=identity, text=line, channel=channel, display_name=name.capitalize(), direct=direct)
    reply = dispatcher.handle(incoming)
    assert reply is not None
    return to_plain(reply.text)


def room(dispatcher: Dispatcher, channel: str, *names: str) -> None:
    with dispatcher.store.unit_of_work() as session:
        community = dispatcher.community(session)
        people = {who(name): name.capitalize() for name in names}
        sync_channel(session, community, channel, people, dispatcher.config, dispatcher.clock.now())


def members(dispatcher: Dispatcher) -> int:
    with dispatcher.store.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(Member)) or 0)


def test_people_already_in_the_room_are_counted_before_they_type_anything(store, clock):
    dispatcher = make(store, clock)
    room(dispatcher, COPIL, "alice", "bob", "carole")
    assert "2 membres doivent la lire" in say(dispatcher, "alice", "/info Le COPIL a lieu à la mairie")
    listed = say(dispatcher, "fabienne", "/who-read #1", channel=None, direct=True)
    assert "0 sur 2 confirmés" in listed and "Bob" in listed and "Carole" in listed


def test_a_receipt_or_reaction_in_a_circle_room_counts_at_once(store, clock):
    dispatcher = make(store, clock)
    room(dispatcher, COPIL, "alice")
    say(dispatcher, "alice", "/info Ordre du jour en ligne")
    with store.unit_of_work() as session:
        item = session.scalar(select(Item).where(Item.number == 1))
        session.add(MessageRef(item_id=item.id, channel=COPIL, message_id="$evt", posted_at=clock.now()))
    # Dan was in the room but Relais never heard of him: his reaction makes him a member and counts
    assert read_signals.reaction(dispatcher, who("dan"), COPIL, "$evt", "✅", True, "Dan")
    assert "1 sur 1 confirmés" in say(dispatcher, "fabienne", "/who-read #1", channel=None, direct=True)


def test_leaving_every_room_of_a_circle_leaves_it_but_keeps_the_past(store, clock):
    dispatcher = make(store, clock)
    room(dispatcher, COPIL, "alice", "bob")
    say(dispatcher, "alice", "/info Avant le départ de Bob")
    with store.unit_of_work() as session:
        channel_left(session, COPIL, who("bob"), clock.now())
    assert "0 membre doit la lire" in say(dispatcher, "alice", "/info Après le départ de Bob")
    assert "1 sur 1" not in say(dispatcher, "fabienne", "/who-read #1", channel=None, direct=True)
    assert "Bob" in say(dispatcher, "fabienne", "/who-read #1", channel=None, direct=True)  # history stays
    assert "Bob" not in say(dispatcher, "fabienne", "/who-read #2", channel=None, direct=True)
    # Bob now belongs nowhere: a direct message gets the refusal
    assert "je ne vous trouve dans aucune" in say(dispatcher, "bob", "/unread", channel="matrix:!dm:hs", direct=True)


def test_a_member_in_two_rooms_of_one_circle_stays_while_in_one(store, clock):
    dispatcher = make(store, clock)
    second = "slack:T1/CCOPIL"
    with store.unit_of_work() as session:
        from bot.services.community import find_circle, map_channel

        community = dispatcher.community(session)
        circle = find_circle(session, community, "COPIL")
        assert circle is not None
        map_channel(session, circle, second)
        channel_joined(session, community, COPIL, who("alice"), "Alice", dispatcher.config, clock.now())
        channel_joined(session, community, second, who("alice"), "Alice", dispatcher.config, clock.now())
        channel_joined(session, community, COPIL, who("bob"), "Bob", dispatcher.config, clock.now())
        assert not channel_left(session, COPIL, who("alice"), clock.now()).left
    assert "1 membre doit la lire" in say(dispatcher, "bob", "/info Toujours là ?")


def test_sync_makes_the_room_exactly_what_the_platform_lists(store, clock):
    dispatcher = make(store, clock)
    room(dispatcher, COPIL, "alice", "bob")
    room(dispatcher, COPIL, "alice", "carole")  # at restart: Bob left while Relais was away, Carole came
    assert "1 membre doit la lire" in say(dispatcher, "alice", "/info Qui est là ?")
    text = say(dispatcher, "fabienne", "/who-read #1", channel=None, direct=True)
    assert "Carole" in text and "Bob" not in text
    with store.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(ChannelMember)) == 2


def test_someone_who_comes_back_is_a_late_joiner_again(store, clock):
    dispatcher = make(store, clock)
    room(dispatcher, COPIL, "alice", "bob")
    room(dispatcher, COPIL, "alice")
    for number in range(3):
        say(dispatcher, "alice", f"/info Pendant l’absence {number}")
    room(dispatcher, COPIL, "alice", "bob")
    unread = say(dispatcher, "bob", "/unread")
    assert "3 éléments à lire" in unread  # the last items of the circle (late_joiner_items = 5)


def test_a_stranger_gets_a_polite_refusal_and_nothing_is_stored(store, clock):
    dispatcher = make(store, clock)
    room(dispatcher, COPIL, "alice")
    before = members(dispatcher)
    for line in ("info Le COPIL est annulé, ne venez pas", "actions", "who-read 1", "whoami", "help", "engage x"):
        text = say(dispatcher, "mallory", line, channel="matrix:!dm-mallory:hs", direct=True)
        assert "je ne réponds qu’aux membres de cette communauté" in text
    assert members(dispatcher) == before
    with store.unit_of_work() as session:
        assert session.scalar(select(Identity).where(Identity.identity == who("mallory"))) is None
        assert session.scalar(select(func.count()).select_from(Item)) == 0
    # a stranger's receipts and reactions in an unlinked room are ignored, and create nobody
    read_signals.receipt(dispatcher, who("mallory"), LOBBY, clock.now(), "Mallory")
    assert members(dispatcher) == before


def test_the_stranger_is_answered_in_their_platform_language(store, clock):
    dispatcher = make(store, clock)
    incoming = Incoming(identity="slack:T1/UX", text="/actions", channel="slack:T1/DX", direct=True, language="en")
    reply = dispatcher.handle(incoming)
    assert reply is not None and not reply.ok
    assert "I only answer the members of this community of action" in to_plain(reply.text)


def test_an_unlinked_room_never_falls_back_to_a_default_circle(store, clock):
    dispatcher = make(store, clock)
    room(dispatcher, COPIL, "alice")
    text = say(dispatcher, "alice", "/info Annonce égarée", channel=LOBBY)
    assert "n’est rattaché à aucune instance" in text and "!rattacher" in text  # said on Matrix: its prefix
    with store.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Item)) == 0
    # only a facilitator may link it, from the room itself
    assert "n’est rattaché à aucune instance" in say(dispatcher, "alice", "/map GT Mobilité", channel=LOBBY)
    assert "Tapez cette commande dans le salon" in say(dispatcher, "fabienne", "/map GT", channel=None, direct=True)
    reply = dispatcher.handle(Incoming(identity=FACILITATOR, text="/rattacher GT Mobilité", channel=LOBBY))
    assert reply is not None and reply.ok and reply.resync == (LOBBY,)
    assert "Ce salon est maintenant rattaché à GT Mobilité" in to_plain(reply.text)
    assert "Annonce #1 publiée dans GT Mobilité" in say(dispatcher, "alice", "/info Annonce retrouvée", channel=LOBBY)
    # Alice, and Fabienne who spoke there: both leave the circle with the room
    assert "2 membres ont quitté l’instance" in say(dispatcher, "fabienne", "/détacher", channel=LOBBY)


def test_whoami_lists_the_members_circles(store, clock):
    dispatcher = make(store, clock)
    room(dispatcher, COPIL, "alice")
    room(dispatcher, GT, "alice")
    text = say(dispatcher, "alice", "/whoami", channel="matrix:!dm-alice:hs", direct=True)
    assert "Vos instances\u00a0: COPIL, GT Mobilité." in text


def test_show_gives_any_item_to_read_in_full(store, clock):
    dispatcher = make(store, clock)
    room(dispatcher, COPIL, "alice", "bob")
    long_text = " ".join(f"mot{n}" for n in range(900))  # about 6,000 characters
    say(dispatcher, "alice", f"/info {long_text}")
    shown = say(dispatcher, "bob", "/show #1")
    assert "#1\u00a0: une annonce d’Alice" in shown
    assert long_text in shown and "Confirmez votre lecture\u00a0: !lu #1" in shown  # a reply on Matrix: its prefix
    say(dispatcher, "bob", "/read #1")
    assert "Vous avez confirmé l’avoir lu." in say(dispatcher, "bob", "/show #1")
    assert "une instance dont vous ne faites pas partie" in say(dispatcher, "oscar", "/show #1", channel=GT)
