// masto.js's streaming client (the WebSocket Elk and Phanpy use) on a Compagnon node
// (tests/integration/test_masto_js.py). Usage: node stream.mjs BASE_URL TOKEN REPLIER_TOKEN.
// The first trainer's client opens the stream and subscribes to `user`; the first trainer
// posts, the second replies (both through masto.js's REST client); the script prints, as one
// JSON line, the events the streaming iterator yielded until the reply's notification.
import { createRestAPIClient, createStreamingAPIClient } from "masto";

const [base, token, replierToken] = process.argv.slice(2);
const masto = createRestAPIClient({ url: base, accessToken: token });
const replier = createRestAPIClient({ url: base, accessToken: replierToken });
const instance = await masto.v2.instance.fetch();
const streaming = createStreamingAPIClient({
  streamingApiUrl: instance.configuration.urls.streaming,
  accessToken: token,
  retry: 3,
});
const out = { events: [] };
const events = streaming.user.subscribe()[Symbol.asyncIterator]();
const next = events.next(); // starts the subscription: it subscribes once connected
// masto.js opens its WebSocket in the background (after its back-off's first wait), and a
// stream carries what happens once it is open (Mastodon's: once subscribed). Posting before
// the socket is open is why an earlier try heard nothing: the post was older than the stream.
// An app opens its stream when it starts; here the script waits for it to be open.
await streaming.prepare();
const posted = await masto.v1.statuses.create({ status: "Who has the torch keys?" });
const reply = await replier.v1.statuses.create({
  status: "In the cupboard",
  inReplyToId: posted.id,
});
out.posted = posted.id;
out.reply = reply.id;
let pending = next;
const giveUp = setTimeout(() => {
  console.log(JSON.stringify({ ...out, timedOut: true }));
  process.exit(0);
}, 30000);
while (out.events.length < 10) {
  const { value, done } = await pending;
  if (done) break;
  out.events.push({
    stream: value.stream,
    event: value.event,
    id: value.payload.id,
    type: value.payload.type,
    status: value.payload.status?.id ?? null,
    content: value.payload.content ?? value.payload.status?.content ?? null,
    account: value.payload.account?.acct ?? null,
  });
  if (value.event === "notification") break;
  pending = events.next();
}
clearTimeout(giveUp);
streaming.close();
console.log(JSON.stringify(out));
