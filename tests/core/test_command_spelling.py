"""Commands named in Relais' messages as the reader can type them on their platform (bot.spelling)."""

from __future__ import annotations

from bot.config import Config
from bot.i18n import translator
from bot.spelling import Spellings, on_the_other, register
from commands import build_router

ROUTER = build_router()
SPELLINGS = Spellings.of(ROUTER, Config(sections={"matrix": {"prefix": "!"}}))
FOOTER = "React ✅ or type /read #{number} to confirm you have read it."


def test_each_platform_spells_the_commands_its_own_way():
    slack, matrix = SPELLINGS.on("slack:T1/U1"), SPELLINGS.on("matrix")
    assert SPELLINGS.on("console:alice") is None
    assert "tapez /relais lu #3 " in translator("fr", slack).t(FOOTER, number=3)
    assert "type /read #3 " in translator("en", slack).t(FOOTER, number=3)
    assert "tapez !lu #3 " in translator("fr", matrix).t(FOOTER, number=3)
    assert "type !read #3 " in translator("en", matrix).t(FOOTER, number=3)
    assert "tapez /lu #3 " in translator("fr").t(FOOTER, number=3)  # the console: unchanged


def test_the_configured_prefix_and_only_real_commands_at_a_word_start():
    dot = Spellings.of(ROUTER, Config(sections={"matrix": {"prefix": "."}})).on("matrix")
    assert translator("en", dot).t("/help lists the commands.") == ".help lists the commands."
    assert dot is not None
    assert dot.spelled("(/aide) «/lu» and/or https://x.org/lu /invite @Relais") == (
        "(.aide) «.lu» and/or https://x.org/lu /invite @Relais"
    )


def test_values_are_never_spelled():
    slack = SPELLINGS.on("slack")
    said = translator("fr", slack).t("Commitment #{number} saved: {title}", number=1, title="Relire /lu et /aide")
    assert "Relire /lu et /aide" in said


def test_a_linking_code_names_the_command_as_typed_on_the_other_account():
    both = Config(sections={"slack": {"bot_token": "xoxb-1"}, "matrix": {"prefix": "!"}})
    store = type("Store", (), {"extensions": {}})()
    register(store.extensions, Spellings.of(ROUTER, both))
    assert translator("fr", on_the_other(store, "slack:T1/U1")).command("lier") == "!lier"
    assert translator("fr", on_the_other(store, "matrix:@a:hs")).command("lier") == "/relais lier"
    assert on_the_other(store, "console:alice") is None
    register(store.extensions, Spellings.of(ROUTER, Config(sections={"matrix": {"prefix": "!"}})))
    assert translator("fr", on_the_other(store, "matrix:@a:hs")).command("lier") == "!lier"  # Matrix alone
