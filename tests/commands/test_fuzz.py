"""Random command lines with hostile text through the dispatcher (SQLite and PostgreSQL): every one is
answered, none with "Un problème" (an unexpected failure), whoever types it."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import build_router

NAMES = sorted({name for command in build_router().commands() for name in (command.name, *command.aliases)})
PIECES = [
    "#1", "#2", "#999999999", "#0", "#-1", "#", "@alice", "@", "@\x00", "tout", "all", "moi", "mine", "retard",
    "demain 14h", "d'ici le 32 décembre", "0001-01-01", "9999-12-31", "le 31 février", "by Friday", "50%", "-5%",
    "150%", "title", "échéance", "due", "owner", "text", "add", "on", "off", "pause", "resume", "#copil", "#gt",
    "org", "role", "facilitator", "mute", "fr", "en", "<!channel>", "@room", "<b>x</b>", "**", "\\", "`", "'",
    '"', "\u202e", "\ud800", "\udce9", "\x1b[31m", "\r\n", "\t", "日本", "👋🏽", "ﷺ", "𝕏", "x" * 300,
]  # fmt: skip
WHO = ["alice", "bob", "fabienne", "zed"]  # fabienne is the facilitator; zed has never spoken

line = st.builds(
    lambda prefix, name, parts: prefix + name + (" " + " ".join(parts) if parts else ""),
    st.sampled_from(["/", "!", "", " /"]),
    st.sampled_from(NAMES + ["", "x", "engage\x00", "ENGAGE"]),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=30)), max_size=6),
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.tuples(st.sampled_from(WHO), line, st.sampled_from(["copil", "gt"])), min_size=1, max_size=4))
def test_random_command_lines_never_fail(testbot, lines):
    testbot.say("alice", "/engage Rapport d'ici vendredi")
    testbot.say("fabienne", "/info Annonce")
    for who, text, circle in lines:
        reply = testbot.send(who, text, circle)
        assert reply is not None
        plain = reply.text
        assert "problème est survenu" not in plain and "went wrong" not in plain, (who, text, plain)
