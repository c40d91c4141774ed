// An Element-grade Matrix client for Relais' tests: matrix-js-sdk with its Rust crypto (what
// Element Web runs), sharing room keys only with devices signed by their owner
// (OnlySignedDevicesIsolationMode, Element's "exclude insecure devices").
//
// Driven over stdin/stdout, one JSON object a line: {"id": 1, "op": "send", ...} is answered by
// {"id": 1, "ok": true, ...} or {"id": 1, "ok": false, "error": "..."}. Logs go to stderr.
// Environment: HOMESERVER, USER_ID, ACCESS_TOKEN, DEVICE_ID, PASSWORD.

// matrix-js-sdk 43 declares Node >= 22; on Node 20 its first sync needs Promise.withResolvers
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

const sdk = await import("matrix-js-sdk");
const { OnlySignedDevicesIsolationMode } = await import("matrix-js-sdk/lib/crypto-api/index.js");
const { logger } = await import("matrix-js-sdk/lib/logger.js");
const readline = await import("node:readline");

logger.setLevel(process.env.JS_LOG_LEVEL || "warn");
const env = process.env;
const client = sdk.createClient({
  baseUrl: env.HOMESERVER,
  userId: env.USER_ID,
  accessToken: env.ACCESS_TOKEN,
  deviceId: env.DEVICE_ID,
});
const events = []; // every timeline event seen, decrypted when it could be: {room, event}

function summary(room, event) {
  const failure = event.decryptionFailureReason;
  return {
    room_id: room,
    event_id: event.getId(),
    sender: event.getSender(),
    type: event.getType(),
    encrypted: event.isEncrypted(),
    content: event.getContent(),
    failure: failure || null,
  };
}

async function ready() {
  await client.initRustCrypto({ useIndexedDB: false });
  const crypto = client.getCrypto();
  crypto.setDeviceIsolationMode(new OnlySignedDevicesIsolationMode());
  if (env.PASSWORD) {
    // as Element does at first login: the person's own devices are cross-signed too
    await crypto.bootstrapCrossSigning({
      authUploadDeviceSigningKeys: async (makeRequest) => {
        await makeRequest({
          type: "m.login.password",
          identifier: { type: "m.id.user", user: env.USER_ID },
          password: env.PASSWORD,
        });
      },
    });
  }
  client.on(sdk.RoomEvent.Timeline, (event, room) => {
    if (room) events.push({ room: room.roomId, event });
  });
  client.on(sdk.RoomMemberEvent.Membership, (event, member) => {
    if (member.userId === env.USER_ID && member.membership === "invite") {
      client.joinRoom(member.roomId).catch((error) => console.error("join failed", error));
    }
  });
  const prepared = new Promise((resolve) => {
    client.on(sdk.ClientEvent.Sync, (state) => {
      if (state === "PREPARED") resolve();
    });
  });
  await client.startClient({ initialSyncLimit: 20 });
  await prepared;
}

async function until(predicate, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await predicate();
    if (found) return found;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 50)); // readiness polling
  }
}

const TCHAP_PRIVATE_ROOM = [
  { type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } },
  { type: "m.room.history_visibility", state_key: "", content: { history_visibility: "invited" } },
  { type: "m.room.join_rules", state_key: "", content: { join_rule: "invite" } },
  { type: "im.vector.room.access_rules", state_key: "", content: { rule: "restricted" } },
];

const ops = {
  async create_room({ name, invite = [], direct = false }) {
    // the way Tchap creates a private room (or a direct chat): invite-only, encrypted from the start
    const created = await client.createRoom({
      name: direct ? undefined : name,
      preset: direct ? "trusted_private_chat" : "private_chat",
      visibility: "private",
      invite,
      is_direct: direct,
      initial_state: TCHAP_PRIVATE_ROOM,
    });
    return { room_id: created.room_id };
  },
  async wait_joined({ room_id, user_id, timeout = 20000 }) {
    await until(() => client.getRoom(room_id)?.getMember(user_id)?.membership === "join", timeout);
    return {};
  },
  async wait_room({ room_id, timeout = 20000 }) {
    await until(() => client.getRoom(room_id)?.getMyMembership() === "join", timeout);
    const room = client.getRoom(room_id);
    return { encrypted: room.hasEncryptionStateEvent(), direct: room.getDMInviter() !== undefined };
  },
  async send({ room_id, body, content = {} }) {
    const sent = await client.sendMessage(room_id, { msgtype: "m.text", body, ...content });
    return { event_id: sent.event_id };
  },
  async wait_message({ room_id, sender, contains = "", after = null, timeout = 20000 }) {
    // the first message of `sender` containing `contains` after event `after`; a message that
    // cannot be decrypted is waited on (its keys may come later), and reported at the deadline
    let undecryptable = null;
    const found = await until(() => {
      let seenAfter = after === null;
      for (const { room, event } of events) {
        if (!seenAfter) {
          seenAfter = event.getId() === after;
          continue;
        }
        if ((room_id && room !== room_id) || event.getSender() !== sender || event.isBeingDecrypted()) continue;
        if (event.isDecryptionFailure()) {
          undecryptable = summary(room, event);
          if (undecryptable.failure === "UNSIGNED_SENDER_DEVICE") return undecryptable; // no key will change that
        }
        else if (event.getType() === "m.room.message" && String(event.getContent().body || "").includes(contains)) {
          return { ...summary(room, event), shield: event };
        }
      }
      return null;
    }, timeout).catch((error) => {
      if (undecryptable) return undecryptable;
      throw error;
    });
    if (found.shield) {
      const info = await client.getCrypto().getEncryptionInfoForEvent(found.shield);
      found.shield = info ? info.shieldColour : null;
      found.shield_reason = info ? info.shieldReason : null;
    }
    return found;
  },
  async device_status({ user_id, device_id }) {
    const crypto = client.getCrypto();
    await crypto.getUserDeviceInfo([user_id], true);
    const status = await crypto.getDeviceVerificationStatus(user_id, device_id);
    return { known: status !== null, signed_by_owner: status ? status.signedByOwner : false };
  },
  async stop() {
    client.stopClient();
    return {};
  },
};

await ready();
process.stdout.write(JSON.stringify({ ready: true, device_id: client.getDeviceId() }) + "\n");
const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const request = JSON.parse(line);
  let answer;
  try {
    answer = { id: request.id, ok: true, ...(await ops[request.op](request)) };
  } catch (error) {
    answer = { id: request.id, ok: false, error: String(error && error.stack ? error.stack : error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
  if (request.op === "stop") break;
}
process.exit(0);
