"""Editing a copy posted in several parts (an item longer than one Matrix event holds).

A long item is posted as events "(1/n)" … "(n/n)" (adapters.matrix.render); the sender records
their event ids in order under `parts:<first event id>` (platform state), the first one standing
for the item (what `Outgoing.replaces` names). An update (an edit, the live ✅ count) is planned
against the parts already there, as Slack's copies are (adapters.slack.copy_parts):

* the same number of events: each part is edited in place (m.replace) with its new text;
* fewer: the first parts are edited, the parts no longer needed are redacted (with a reason);
* more: an event cannot be inserted among the earlier ones, so the existing parts take the first
  new parts and the last of them ends with "…" and where to read the item whole (`!show #N`, in the
  community's language).

A copy in one event (or posted before its parts were recorded) is edited as one event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adapters.matrix.parts import markup_cost, split_markup
from adapters.matrix.render import MARKERS, PART_BYTES, message_contents, numbered
from bot.i18n import N_, translator
from bot.markup import esc

SHOW_USAGE = N_("/show #N")  # the core's usage line, with the room's prefix instead of the slash
READ_WHOLE = N_("The rest is too long to fit here: {command} shows it whole.")
REDACTION_REASON = "Relais: the edited item needs fewer messages"


def parts_key(event_id: str) -> str:
    """The key listing the events of a post in parts, named by its first event."""
    return f"parts:{event_id}"


@dataclass(frozen=True)
class Plan:
    """The edits (event id, new content) in order, and the events to redact."""

    edits: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    redactions: list[str] = field(default_factory=list)


def read_whole(language: str, prefix: str, number: int) -> str:
    """The pointer to the item whole, as markup: "… !show #12 …" (French: "!voir #12")."""
    tr = translator(language)
    command = prefix + tr.t(SHOW_USAGE).removeprefix("/").replace("#N", f"#{number}")
    return tr.t(READ_WHOLE, command=esc(command, 80))


def shortened(markup: str, count: int, pointer: str | None, budget: int = PART_BYTES) -> list[str]:
    """`markup` cut into `count` parts, the last one ending with … and the pointer."""
    tail = "…" + (f"\n\n{pointer}" if pointer else "")
    parts = split_markup(markup, budget - MARKERS - markup_cost(tail) - 2)[:count]
    parts[-1] = f"{parts[-1]} {tail}"
    return parts


def plan(
    events: list[str],
    markup: str,
    notify: bool,
    pointer: Callable[[], str | None],
    budget: int = PART_BYTES,
) -> Plan:
    """What brings the copy posted as `events` (in order) to say `markup`."""
    contents = message_contents(markup, notify=notify, budget=budget)
    if len(contents) > len(events):  # more parts than events: the last one is shortened
        contents = numbered(shortened(markup, len(events), pointer(), budget), notify)
    return Plan(list(zip(events, contents, strict=False)), events[len(contents) :])
