"""The App Home tab as Block Kit (pure): my commitments with their ✅ Done / ✍️ Update / 📅 Postpone
buttons, my unread items with their buttons and live read counts, upcoming meetings, "mark all read",
a facilitator's circle overview with the link to the dashboard, and the settings (language, nudges,
personal digest) as buttons."""

from __future__ import annotations

from typing import Any

from adapters.slack import commitment_cards as cards
from adapters.slack.blocks import ACK_ACTION, ACK_ALL_ACTION, SECTION_LIMIT, ack_button, chunks, plain, section
from adapters.slack.split import shorten
from bot.i18n import N_, Translator, translator
from bot.markup import esc, to_mrkdwn
from bot.services.home import HomeData

READ_FULL_ACTION = "relais_read_full"
SETTING_ACTION = "relais_setting"  # + _fr, _en, _nudges, _digest (Slack wants action_ids unique in a block)
DONE_ACTION = "relais_done"  # + _N
SETTINGS = frozenset({"lang fr", "lang en", "nudges on", "nudges off", "digest me on", "digest me off"})


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text, 150)}


def lines_section(lines: list[str]) -> list[dict[str, Any]]:
    return [section(part) for part in chunks(to_mrkdwn("\n".join(lines)))]


STRANGER = N_(
    "Relais serves the members of this community of action: the people in its circles' channels. "
    "I do not find you in any of them, so there is nothing to show you here. If you take part, ask a "
    "facilitator to add you to your circle's channel."
)


def stranger_view(language: str) -> dict[str, Any]:
    """The home of someone in no circle: a polite word, nothing of the community's."""
    return {"type": "home", "blocks": [section(to_mrkdwn(translator(language).t(STRANGER)))]}


def read_in_full(tr: Translator, number: int) -> dict[str, Any]:
    """The button under an abbreviated item: the whole text in a modal."""
    button = {
        "type": "button",
        "action_id": READ_FULL_ACTION,
        "value": str(number),
        "text": plain(tr.t("Read in full")),
    }
    return {"type": "actions", "block_id": f"home_full_{number}", "elements": [button]}


def unread_blocks(tr: Translator, data: HomeData) -> list[dict[str, Any]]:
    """The unread items, each with its ✅ button (and "Read in full" when abbreviated), then "Mark all as read"."""
    if not data.unread:
        return [section(to_mrkdwn(tr.t("You are up to date: nothing left to read. 👏")))]
    blocks: list[dict[str, Any]] = []
    for item in data.unread:
        block = section(shorten(to_mrkdwn(item.line), SECTION_LIMIT))
        block["block_id"] = f"home_item_{item.number}"
        block["accessory"] = {**ack_button(item.number, tr.t("✅ Got it")), "action_id": ACK_ACTION}
        blocks.append(block)
        if item.abbreviated:
            blocks.append(read_in_full(tr, item.number))
    if data.unread_total > len(data.unread):
        blocks.append(section(to_mrkdwn(tr.t("… and {count} older.", count=data.unread_total - len(data.unread)))))
    blocks.append(
        {
            "type": "actions",
            "block_id": "home_ack_all",
            "elements": [
                {
                    "type": "button",
                    "action_id": ACK_ALL_ACTION,
                    "text": plain(tr.t("Mark all as read")),
                    "value": ",".join(str(number) for number in data.unread_numbers),
                    "confirm": {
                        "title": plain(tr.t("Mark all as read"), 100),
                        "text": plain(
                            tr.tn(
                                "Confirm that you have read these {count} item?",
                                "Confirm that you have read these {count} items?",
                                len(data.unread),
                            ),
                            300,
                        ),
                        "confirm": plain(tr.t("Yes, I have read them"), 30),
                        "deny": plain(tr.t("Cancel"), 30),
                    },
                }
            ],
        }
    )
    return blocks


def card_rows(tr: Translator, numbers: list[int]) -> list[dict[str, Any]]:
    """Per listed commitment, the buttons its messages carry: "✅ #N done" (the member's own /done #N,
    then a fresh home), ✍️ Update and 📅 Postpone (the forms of adapters.slack.commitment_cards)."""
    rows = []
    for number in numbers:
        row = cards.buttons(tr, number)
        done, update, postpone = row["elements"]
        rows.append(
            {
                "type": "actions",
                "block_id": f"home_card_{number}",
                "elements": [
                    {**done, "action_id": f"{DONE_ACTION}_{number}"},
                    {**update, "text": plain(tr.t("✍️ Update #{number}", number=number))},
                    {**postpone, "text": plain(tr.t("📅 Postpone #{number}", number=number))},
                ],
            }
        )
    return rows


def settings_blocks(tr: Translator, data: HomeData) -> list[dict[str, Any]]:
    """Settings as buttons: the language (the current one highlighted) and nudges on or off.

    Each button's value is one of SETTINGS, run as the member's own command (/lang en, /nudges off)."""
    languages = []
    for value, label in (("lang fr", "Français"), ("lang en", "English")):
        button = {"type": "button", "action_id": f"{SETTING_ACTION}_{value[-2:]}", "value": value, "text": plain(label)}
        if value.endswith(data.language):
            button["style"] = "primary"
        languages.append(button)
    state = tr.t("Nudges are on.") if data.nudges else tr.t("Nudges are off.")
    switch = tr.t("🔕 Stop the nudges") if data.nudges else tr.t("🔔 Nudge me")
    nudges = {
        "type": "button",
        "action_id": f"{SETTING_ACTION}_nudges",
        "value": "nudges off" if data.nudges else "nudges on",
        "text": plain(switch),
    }
    digest, buttons = digest_setting(tr, data)
    return [
        {"type": "divider"},
        header(tr.t("Settings")),
        section(to_mrkdwn(f"{state}\n{digest}")),
        {"type": "actions", "block_id": "home_settings", "elements": [*languages, nudges, *buttons]},
    ]


def digest_setting(tr: Translator, data: HomeData) -> tuple[str, list[dict[str, Any]]]:
    """The personal digest's state, and its on/off button (none when the community has no digest)."""
    if data.digest_rule is None:
        return tr.t("Personal digests are switched off in this community."), []
    if data.digest:
        state = tr.t("Your personal digest: on, {rule}, by direct message.", rule=data.digest_rule)
    else:
        state = tr.t("Your personal digest: off.")
    button = {
        "type": "button",
        "action_id": f"{SETTING_ACTION}_digest",
        "value": "digest me off" if data.digest else "digest me on",
        "text": plain(tr.t("📭 Stop my digest") if data.digest else tr.t("📬 Send me my digest")),
    }
    return state, [button]


def overview_blocks(tr: Translator, data: HomeData) -> list[dict[str, Any]]:
    """A facilitator's circles: reading level over 4 weeks and overdue commitments; the dashboard's link."""
    if data.circles is None:
        return []
    blocks: list[dict[str, Any]] = [{"type": "divider"}, header(tr.t("Circles (last 4 weeks)"))]
    blocks += lines_section([f"• {line}" for line in data.circles] or [tr.t("No circle yet.")])
    if data.dashboard:
        label = tr.t("The full report on the dashboard")
        link = f"<{data.dashboard}|{label}>"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": link}]})
    else:
        blocks.append(context(tr.t("/level and /actions overdue give the details.")))
    return blocks


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": to_mrkdwn(text)}]}


def home_view(data: HomeData) -> dict[str, Any]:
    tr = translator(data.language, data.commands)
    blocks: list[dict[str, Any]] = [
        section(to_mrkdwn(tr.t("Hello {name}! Here is where you stand.", name=esc(data.name, 80)))),
        header(tr.t("My open commitments")),
    ]
    if data.commitments:
        lines = [f"• {line}" for line in data.commitments]
        if data.more_commitments:
            lines.append(tr.t("… and {count} more: /actions mine lists them all.", count=data.more_commitments))
        blocks += lines_section(lines)
        blocks += card_rows(tr, data.commitment_numbers)
    else:
        blocks.append(section(to_mrkdwn(tr.t("You have no open commitment. Commit to an action with /engage."))))
    blocks.append({"type": "divider"})
    blocks.append(header(tr.tn("{count} item to read", "{count} items to read", data.unread_total)))
    blocks += unread_blocks(tr, data)
    blocks.append({"type": "divider"})
    blocks.append(header(tr.t("Upcoming meetings")))
    if data.meetings:
        blocks += lines_section([f"• {line}" for line in data.meetings])
    else:
        blocks.append(section(to_mrkdwn(tr.t("No meeting planned."))))
    blocks += overview_blocks(tr, data)
    blocks += settings_blocks(tr, data)
    blocks.append(context(tr.t("Commands: /engage, /update, /unread, /actions — /relais help lists them all.")))
    return {"type": "home", "blocks": blocks[:100]}
