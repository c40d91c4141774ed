"""The commitments a personal message lists for its reader (Post.commitments), as outbox.commitments keeps them."""

from __future__ import annotations

from collections.abc import Sequence

MAX_LISTED = 20  # commitments given buttons in one message (Slack: at most 50 blocks)


def listed(numbers: Sequence[int]) -> str | None:
    """Commitment numbers as outbox.commitments keeps them ("3 7"), None for none."""
    kept = list(dict.fromkeys(int(number) for number in numbers))[:MAX_LISTED]
    return " ".join(str(number) for number in kept) or None


def listed_numbers(value: str | None) -> tuple[int, ...]:
    """outbox.commitments read back (anything that is not a number is left out)."""
    return tuple(int(word) for word in (value or "").split() if word.isdigit())
