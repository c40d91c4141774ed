"""Record real event payloads from a throw-away Synapse into tests/matrix/data/ (run once)."""

import json
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from tests.matrix.synapse import SynapseServer

OUT = Path(__file__).resolve().parent


def sync(hs, token, since=None, flt=None):
    q = {"timeout": "0"}
    if since:
        q["since"] = since
    if flt:
        q["filter"] = json.dumps(flt)
    return hs.request("GET", "/_matrix/client/v3/sync?" + urllib.parse.urlencode(q), access_token=token)


def send(hs, token, room, etype, content, txn):
    return hs.request(
        "PUT", f"/_matrix/client/v3/rooms/{urllib.parse.quote(room)}/send/{etype}/{txn}", content, access_token=token
    )["event_id"]


with SynapseServer(server_name="example.org", template_dir=None) as hs:
    bot, bt, bd = hs.register("relais", "pw")
    alice, at, ad = hs.register("alice", "pw")
    hs.request(
        "PUT", f"/_matrix/client/v3/profile/{alice}/displayname", {"displayname": "Alice Martin"}, access_token=at
    )
    room = hs.request("POST", "/_matrix/client/v3/createRoom", {"name": "COPIL", "invite": [bot]}, access_token=at)[
        "room_id"
    ]
    first = sync(hs, bt)
    invite = first["rooms"]["invite"][room]["invite_state"]["events"]
    hs.request("POST", f"/_matrix/client/v3/join/{urllib.parse.quote(room)}", {}, access_token=bt)
    since = sync(hs, bt)["next_batch"]
    cmd = send(
        hs, at, room, "m.room.message", {"msgtype": "m.text", "body": "!engage Préparer la réunion vendredi"}, "t1"
    )
    item = send(hs, bt, room, "m.room.message", {"msgtype": "m.notice", "body": "📣 #2 Update", "m.mentions": {}}, "t2")
    reply = send(
        hs,
        at,
        room,
        "m.room.message",
        {
            "msgtype": "m.text",
            "body": "> <@relais:example.org> 📣 #2 Update\n\n!actions mine",
            "format": "org.matrix.custom.html",
            "formatted_body": "<mx-reply><blockquote>…</blockquote></mx-reply>!actions mine",
            "m.relates_to": {"m.in_reply_to": {"event_id": item}},
        },
        "t3",
    )
    thread = send(
        hs,
        at,
        room,
        "m.room.message",
        {
            "msgtype": "m.text",
            "body": "@relais: engage Envoyer les invitations",
            "m.relates_to": {
                "rel_type": "m.thread",
                "event_id": cmd,
                "is_falling_back": True,
                "m.in_reply_to": {"event_id": cmd},
            },
        },
        "t4",
    )
    edit = send(
        hs,
        at,
        room,
        "m.room.message",
        {
            "msgtype": "m.text",
            "body": " * !engage Autre chose",
            "m.new_content": {"msgtype": "m.text", "body": "!engage Autre chose"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": cmd},
        },
        "t5",
    )
    chat = send(
        hs, at, room, "m.room.message", {"msgtype": "m.text", "body": "Bonjour à tous, la réunion est décalée"}, "t6"
    )
    react = send(
        hs, at, room, "m.reaction", {"m.relates_to": {"rel_type": "m.annotation", "event_id": item, "key": "✅"}}, "t7"
    )
    before = sync(hs, bt, since, {"room": {"timeline": {"limit": 99}}})  # (identical requests are cached)
    live_reaction = [e for e in before["rooms"]["join"][room]["timeline"]["events"] if e["event_id"] == react][0]
    redact = hs.request(
        "PUT",
        f"/_matrix/client/v3/rooms/{urllib.parse.quote(room)}/redact/{urllib.parse.quote(react)}/t8",
        {"reason": "oops"},
        access_token=at,
    )["event_id"]
    enc = send(
        hs,
        at,
        room,
        "m.room.encrypted",
        {
            "algorithm": "m.megolm.v1.aes-sha2",
            "ciphertext": "AwgAEoABx",
            "session_id": "s",
            "sender_key": "k",
            "device_id": "D",
        },
        "t9",
    )
    hs.request(
        "POST",
        f"/_matrix/client/v3/rooms/{urllib.parse.quote(room)}/receipt/m.read/{urllib.parse.quote(item)}",
        {},
        access_token=at,
    )
    hs.request("PUT", f"/_matrix/client/v3/profile/{alice}/displayname", {"displayname": "Alice M."}, access_token=at)
    for _ in range(100):  # receipts reach /sync a moment later: poll (with a bound)
        batch = sync(hs, bt, since, {"room": {"timeline": {"limit": 100}}})
        joined = batch["rooms"]["join"][room]
        if any(e["type"] == "m.receipt" for e in joined["ephemeral"]["events"]):
            break
        time.sleep(0.05)
    events = {e["event_id"]: e for e in joined["timeline"]["events"]}
    receipt = [e for e in joined["ephemeral"]["events"] if e["type"] == "m.receipt"][0]
    member = [e for e in joined["timeline"]["events"] if e["type"] == "m.room.member" and e["state_key"] == alice][-1]
    up = hs.request(
        "POST", f"/_matrix/client/v3/rooms/{urllib.parse.quote(room)}/upgrade", {"new_version": "10"}, access_token=at
    )
    after = sync(hs, bt, batch["next_batch"], {"room": {"timeline": {"limit": 100}}})
    tomb = [e for e in after["rooms"]["join"][room]["timeline"]["events"] if e["type"] == "m.room.tombstone"][0]
    data = {
        "command.json": events[cmd],
        "bot_notice.json": events[item],
        "reply_with_fallback.json": events[reply],
        "thread_mention.json": events[thread],
        "edit.json": events[edit],
        "chat.json": events[chat],
        "reaction.json": live_reaction,
        "reaction_redacted.json": events[react],
        "redaction.json": events[redact],
        "encrypted.json": events[enc],
        "receipt.json": receipt,
        "member_rename.json": member,
        "invite_state.json": invite,
        "tombstone.json": tomb,
    }
    meta = {
        "room_id": room,
        "bot": bot,
        "alice": alice,
        "item": item,
        "reaction": react,
        "replacement_room": up["replacement_room"],
        "recorded_by": "tests/matrix/data/record.py (a real Synapse, server name example.org)",
    }
    for name, payload in data.items():
        (OUT / name).write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    (OUT / "ids.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(sorted(data))
