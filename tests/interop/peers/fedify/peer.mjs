// A small Fedify (@fedify/fedify 2.3.6) ActivityPub server for Compagnon's interop tests.
// Loopback only, state in memory.  Usage: node peer.mjs PORT  (or PORT=... node peer.mjs)
// ActivityPub routes: /users/{id}, /users/{id}/inbox, /inbox (shared), /users/{id}/outbox,
// /users/{id}/followers, /users/{id}/following, /users/{id}/notes/{note}, WebFinger, NodeInfo.
// Test control routes (plain JSON) live under /_control/: see tests/interop/peers/README.md.
import { AsyncLocalStorage } from "node:async_hooks";
import http from "node:http";
import { randomUUID } from "node:crypto";
import {
  createFederation, generateCryptoKeyPair, InProcessMessageQueue, MemoryKvStore,
  nodeInfoToJson, parseNodeInfo,
} from "@fedify/fedify";
import {
  Accept, Activity, Create, Endpoints, Follow, isActor, Note, Object as APObject, Person,
  PUBLIC_COLLECTION, Undo,
} from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
import { configure, getConsoleSink } from "@logtape/logtape";

await configure({ // Fedify's own log (FEDIFY_LOG_LEVEL=debug|info|warning|error) on stderr
  sinks: { console: getConsoleSink() },
  contextLocalStorage: new AsyncLocalStorage(),
  loggers: [
    { category: "fedify", lowestLevel: process.env.FEDIFY_LOG_LEVEL ?? "warning", sinks: ["console"] },
    { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
  ],
});

const port = Number(process.argv[2] ?? process.env.PORT ?? 8200);
const origin = `http://127.0.0.1:${port}`;
const USERS = (process.env.FEDIFY_PEER_USERS ?? "alice,bob,carol").split(",").filter(Boolean);

// user -> {keys, followers: Map(actorId -> info), following: Map(actorId -> info), outbox, received}
const users = new Map(USERS.map((name) => [name, {
  keys: null, followers: new Map(), following: new Map(), outbox: [], received: [],
}]));
// Key pairs (RSA for HTTP signatures, Ed25519 for FEP-8b32 proofs) are made on first use:
// an RSA key costs ~0.5 s, and most tests use one or two of the users.
function keysFor(name) {
  const u = users.get(name);
  if (u == null) return [];
  u.keys ??= Promise.all([generateCryptoKeyPair("RSASSA-PKCS1-v1_5"), generateCryptoKeyPair("Ed25519")]);
  return u.keys;
}
// A counter bumped on every state change; GET /_control/changes?since=N&timeout_ms=T answers
// as soon as it exceeds N (or after T ms): tests wait on deliveries without sleeping.
let version = 0;
const waiters = new Set();
function changed() {
  version++;
  for (const wake of waiters) wake();
  waiters.clear();
}
function changeAfter(since, ms) {
  if (version > since) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => { waiters.delete(wake); resolve(); }, ms);
    const wake = () => { clearTimeout(timer); resolve(); };
    waiters.add(wake);
  });
}
const rawById = new Map(); // activity id -> the JSON body exactly as POSTed to an inbox
const requests = []; // the last inbound ActivityPub requests (method, path, status, headers)

const federation = createFederation({
  kv: new MemoryKvStore(),
  // Outgoing deliveries are queued (async, retried).  Incoming activities are processed inline
  // unless FEDIFY_PEER_INBOX_QUEUE=1: Fedify 2.3.6's inbox queue worker deduplicates by
  // (origin, activity id), so one activity delivered to two personal inboxes reaches only one.
  // FEDIFY_PEER_OUTBOX_QUEUE=0 sends at once instead: a control route that sends then
  // returns only after the receiving inbox answered, so tests need not wait for the queue.
  queue: process.env.FEDIFY_PEER_INBOX_QUEUE === "1" ? new InProcessMessageQueue()
    : process.env.FEDIFY_PEER_OUTBOX_QUEUE === "0" ? undefined
    : { outbox: new InProcessMessageQueue() },
  allowPrivateAddress: true,
  origin,
});

federation.setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
  if (!users.has(identifier)) return null;
  const keys = await ctx.getActorKeyPairs(identifier);
  return new Person({
    id: ctx.getActorUri(identifier),
    preferredUsername: identifier,
    name: `Fedify ${identifier}`,
    summary: "A Fedify test peer",
    url: ctx.getActorUri(identifier),
    inbox: ctx.getInboxUri(identifier),
    outbox: ctx.getOutboxUri(identifier),
    followers: ctx.getFollowersUri(identifier),
    following: ctx.getFollowingUri(identifier),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    manuallyApprovesFollowers: false,
    publicKey: keys[0].cryptographicKey,
    assertionMethods: keys.map((k) => k.multikey),
  });
}).setKeyPairsDispatcher((ctx, identifier) => keysFor(identifier));

federation.setFollowersDispatcher("/users/{identifier}/followers", (ctx, identifier) => {
  const u = users.get(identifier);
  if (u == null) return null;
  return { items: [...u.followers.values()].map((f) => ({
    id: new URL(f.id), inboxId: f.inbox ? new URL(f.inbox) : null,
    endpoints: { sharedInbox: f.sharedInbox ? new URL(f.sharedInbox) : null },
  })) };
});
federation.setFollowingDispatcher("/users/{identifier}/following", (ctx, identifier) => {
  const u = users.get(identifier);
  if (u == null) return null;
  return { items: [...u.following.values()].filter((f) => f.state === "accepted")
    .map((f) => new URL(f.id)) };
});
federation.setOutboxDispatcher("/users/{identifier}/outbox", (ctx, identifier) => {
  const u = users.get(identifier);
  return u == null ? null : { items: [...u.outbox].reverse() };
});
federation.setObjectDispatcher(Note, "/users/{identifier}/notes/{id}", (ctx, values) => {
  const create = users.get(values.identifier)?.outbox
    .find((a) => a.objectId?.href === ctx.getObjectUri(Note, values).href);
  return create == null ? null : create.getObject();
});
federation.setNodeInfoDispatcher("/nodeinfo/2.1", () => ({
  software: { name: "fedify-peer", version: "2.3.6" },
  protocols: ["activitypub"],
  usage: { users: { total: users.size }, localPosts: 0, localComments: 0 },
}));

// The local user an inbox listener acts for: the personal inbox's owner, else whoever the
// activity addresses or whoever follows its sender (shared inbox).
function audienceOf(ctx, activity) {
  if (ctx.recipient != null) return [ctx.recipient];
  const out = new Set();
  for (const id of [...activity.toIds, ...activity.ccIds, activity.objectId]) {
    const parsed = id == null ? null : ctx.parseUri(id);
    if (parsed?.type === "actor" && users.has(parsed.identifier)) out.add(parsed.identifier);
  }
  for (const [name, u] of users) {
    if (activity.actorId != null && u.following.has(activity.actorId.href)) out.add(name);
  }
  return [...out];
}

async function loaderFor(ctx, name) {
  return users.has(name) ? await ctx.getDocumentLoader({ identifier: name }) : ctx.documentLoader;
}

async function record(ctx, activity) {
  const audience = audienceOf(ctx, activity);
  const entry = {
    recipient: ctx.recipient, audience, type: activity.constructor.typeId?.href.split("#").pop()
      ?? activity.constructor.name,
    id: activity.id?.href ?? null, actor: activity.actorId?.href ?? null,
    objectId: activity.objectId?.href ?? null, objectType: null, content: null,
    receivedAt: new Date().toISOString(),
    raw: (activity.id && rawById.get(activity.id.href)) ?? await activity.toJsonLd(),
  };
  if (activity.id) rawById.delete(activity.id.href);
  try {
    // "trust": report the embedded object as sent (e.g. the Follow inside an Accept), without
    // refetching it from its id's origin.
    const object = await activity.getObject({
      documentLoader: await loaderFor(ctx, audience[0]), contextLoader: ctx.contextLoader,
      crossOrigin: "trust",
    });
    if (object != null) {
      entry.objectType = object.constructor.typeId?.href.split("#").pop() ?? null;
      entry.content = object.content?.toString() ?? null;
      entry.objectId = object.id?.href ?? entry.objectId;
    }
  } catch (error) {
    entry.objectError = String(error);
  }
  for (const name of audience) users.get(name).received.push(entry);
  changed();
  if (audience.length === 0) console.log(`unattributed ${entry.type} ${entry.id}`);
  return entry;
}

federation.setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    await record(ctx, follow);
    const parsed = follow.objectId == null ? null : ctx.parseUri(follow.objectId);
    if (parsed?.type !== "actor" || !users.has(parsed.identifier)) return;
    const me = parsed.identifier;
    const follower = await follow.getActor({
      documentLoader: await loaderFor(ctx, me), contextLoader: ctx.contextLoader,
    });
    if (follower == null || follower.id == null) return;
    users.get(me).followers.set(follower.id.href, {
      id: follower.id.href, inbox: follower.inboxId?.href ?? null,
      sharedInbox: follower.endpoints?.sharedInbox?.href ?? null, followId: follow.id?.href,
    });
    changed();
    await ctx.sendActivity({ identifier: me }, follower, new Accept({
      id: new URL(`#accepts/${randomUUID()}`, ctx.getActorUri(me)),
      actor: ctx.getActorUri(me), object: follow, to: follower.id,
    }));
  })
  .on(Accept, async (ctx, accept) => {
    const entry = await record(ctx, accept);
    for (const name of entry.audience) {
      for (const f of users.get(name).following.values()) {
        if (f.followId === entry.objectId || f.id === accept.actorId?.href) f.state = "accepted";
      }
    }
    changed();
  })
  .on(Undo, async (ctx, undo) => {
    const entry = await record(ctx, undo);
    if (entry.objectType !== "Follow" || undo.actorId == null) return;
    for (const name of entry.audience) users.get(name).followers.delete(undo.actorId.href);
    changed();
  })
  // Create, Update, Delete, Announce, Like and every other activity type: recorded as is.
  .on(Activity, async (ctx, activity) => { await record(ctx, activity); })
  .onError((ctx, error) => console.error("inbox error:", error));

// ---------------------------------------------------------------- control routes
function json(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function userOr404(name) {
  const u = users.get(name);
  if (u == null) throw Object.assign(new Error(`unknown user ${name}`), { status: 404 });
  return u;
}

const routes = {
  "GET /_control/health": async () => ({ ok: true, origin, users: USERS, version }),
  "GET /_control/changes": async (ctx, q) => {
    await changeAfter(Number(q.get("since") ?? -1), Math.min(Number(q.get("timeout_ms") ?? 0), 30000));
    return { version };
  },
  "GET /_control/received": async (ctx, q) => userOr404(q.get("user")).received,
  "GET /_control/followers": async (ctx, q) => [...userOr404(q.get("user")).followers.values()],
  "GET /_control/following": async (ctx, q) => [...userOr404(q.get("user")).following.values()],
  "GET /_control/requests": async () => requests,
  "POST /_control/follow": async (ctx, q, { user, target }) => {
    const u = userOr404(user);
    const actor = await ctx.lookupObject(target, { documentLoader: await loaderFor(ctx, user) });
    if (!isActor(actor)) throw Object.assign(new Error(`not an actor: ${target}`), { status: 422 });
    const followId = new URL(`#follows/${randomUUID()}`, ctx.getActorUri(user));
    u.following.set(actor.id.href, { id: actor.id.href, state: "pending", followId: followId.href });
    const follow = new Follow({ id: followId, actor: ctx.getActorUri(user), object: actor.id });
    await ctx.sendActivity({ identifier: user }, actor, follow);
    return { followId: followId.href, actor: actor.id.href };
  },
  "POST /_control/unfollow": async (ctx, q, { user, target }) => {
    const f = userOr404(user).following.get(target);
    if (f == null) throw Object.assign(new Error(`${user} does not follow ${target}`), { status: 404 });
    const actor = await ctx.lookupObject(target, { documentLoader: await loaderFor(ctx, user) });
    const undo = new Undo({
      id: new URL(`#undo/${randomUUID()}`, ctx.getActorUri(user)), actor: ctx.getActorUri(user),
      object: new Follow({ id: new URL(f.followId), actor: ctx.getActorUri(user), object: new URL(target) }),
    });
    await ctx.sendActivity({ identifier: user }, actor, undo);
    users.get(user).following.delete(target);
    return { undoId: undo.id.href };
  },
  "POST /_control/post": async (ctx, q, { user, content, to = "public", recipients = [] }) => {
    // Create(Note) to the user's followers, and also to `recipients` (actor URLs) if given.
    const u = userOr404(user);
    const documentLoader = await loaderFor(ctx, user);
    const extra = await Promise.all(recipients.map((r) => ctx.lookupObject(r, { documentLoader })));
    if (!extra.every(isActor)) throw Object.assign(new Error("a recipient is no actor"), { status: 422 });
    const noteId = ctx.getObjectUri(Note, { identifier: user, id: randomUUID() });
    const followers = ctx.getFollowersUri(user);
    const ccs = [followers, ...extra.map((a) => a.id)];
    const audience = to === "public" ? { to: PUBLIC_COLLECTION, ccs }
      : { tos: [followers, ...extra.map((a) => a.id)] };
    const note = new Note({
      id: noteId, attribution: ctx.getActorUri(user), content, ...audience,
      published: Temporal.Now.instant(), url: noteId,
    });
    const create = new Create({
      id: new URL("#create", noteId), actor: ctx.getActorUri(user), object: note, ...audience,
      published: note.published,
    });
    u.outbox.push(create);
    await ctx.sendActivity({ identifier: user }, "followers", create);
    if (extra.length) await ctx.sendActivity({ identifier: user }, extra, create);
    return { noteId: noteId.href, createId: create.id.href, activity: await create.toJsonLd() };
  },
  "POST /_control/lookup": async (ctx, q, { url, user }) => {
    // Fedify's strict parse of the document at url, fetched with a signed GET when user is set.
    const documentLoader = user == null ? ctx.documentLoader : await loaderFor(ctx, user);
    const object = await ctx.lookupObject(url, { documentLoader, crossOrigin: "throw" })
      .catch((e) => e);
    if (object instanceof APObject) {
      return { ok: true, type: object.constructor.typeId.href.split("#").pop(),
        id: object.id?.href ?? null, idMatches: object.id?.href === url, actor: isActor(object),
        json: await object.toJsonLd() };
    }
    const result = { ok: false, error: object instanceof Error ? String(object) : "not found" };
    try { // lookupObject only says null: redo its steps to say why
      const doc = await documentLoader(url);
      result.raw = doc.document;
      await APObject.fromJsonLd(doc.document, {
        documentLoader, contextLoader: ctx.contextLoader, baseUrl: new URL(doc.documentUrl),
      });
    } catch (error) {
      result.error = String(error);
    }
    return result;
  },
  "POST /_control/nodeinfo": async (ctx, q, { url }) => {
    // getNodeInfo() refuses loopback: fetch here, follow a JRD's link, then parseNodeInfo().
    const fetchJson = async (u) => (await fetch(u, { headers: { accept: "application/json" } })).json();
    let raw = await fetchJson(url);
    if (Array.isArray(raw?.links)) {
      const link = raw.links.find((l) => l.rel?.startsWith("http://nodeinfo.diaspora.software/ns/schema/"));
      if (link == null) return { ok: false, error: "no NodeInfo link in JRD", raw };
      raw = await fetchJson(link.href);
    }
    const parsed = parseNodeInfo(raw);
    if (parsed == null) {
      const bestEffort = parseNodeInfo(raw, { tryBestEffort: true });
      return { ok: false, error: "parseNodeInfo rejected the document", raw,
        bestEffort: bestEffort && nodeInfoToJson(bestEffort) };
    }
    return { ok: true, nodeinfo: nodeInfoToJson(parsed), raw };
  },
};

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, origin);
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const route = routes[`${req.method} ${url.pathname}`];
    if (route != null) {
      const ctx = federation.createContext(new URL(origin), undefined);
      const payload = body.length ? JSON.parse(body.toString("utf8")) : {};
      return json(res, 200, await route(ctx, url.searchParams, payload));
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
    }
    if (req.method === "POST") {
      try { const doc = JSON.parse(body.toString("utf8")); if (doc.id) rawById.set(doc.id, doc); }
      catch { /* not JSON: Fedify answers it */ }
      if (rawById.size > 5000) rawById.delete(rawById.keys().next().value); // never dispatched
    }
    const request = new Request(url, {
      method: req.method, headers, body: ["GET", "HEAD"].includes(req.method) ? undefined : body,
    });
    const response = await federation.fetch(request, { contextData: undefined });
    requests.push({ method: req.method, path: url.pathname + url.search, status: response.status,
      headers: Object.fromEntries(headers) });
    if (requests.length > 200) requests.shift();
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    if (!url.pathname.startsWith("/_control/")) console.error(error);
    json(res, error.status ?? 500, { ok: false, error: String(error) });
  }
});
server.listen(port, "127.0.0.1", () => console.log(`fedify peer listening on ${origin}`));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
