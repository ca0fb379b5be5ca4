// masto.js driving a Compagnon node's Mastodon client API (tests/integration/test_masto_js.py).
// Usage: node client.mjs BASE_URL ACCESS_TOKEN HANDLE_TO_SEARCH; prints one JSON line.
// Its streaming client is driven by stream.mjs.
import { createRestAPIClient } from "masto";

const [base, token, handle] = process.argv.slice(2);
const masto = createRestAPIClient({ url: base, accessToken: token });
const out = {};

out.username = (await masto.v1.accounts.verifyCredentials()).username;
const instance = await masto.v2.instance.fetch();
out.streamingUrl = instance.configuration.urls.streaming;
out.posted = [];
for (let i = 1; i <= 3; i++) {
  const status = await masto.v1.statuses.create({ status: `From masto.js ${i}` });
  out.posted.push(status.id);
}
out.pages = [];
for await (const page of masto.v1.timelines.home.list({ limit: 2 })) {
  out.pages.push(page.map((s) => s.id));
  if (out.pages.length > 5) break;
}
const found = await masto.v2.search.list({ q: handle, resolve: true });
out.search = found.accounts.map((a) => a.acct);

// A picture with its description, then a poll (after the paging above, which counts posts).
const png = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC",
  "base64",
);
const media = await masto.v2.media.create({
  file: new Blob([png], { type: "image/png" }),
  description: "A torch on its stand",
});
const pictured = await masto.v1.statuses.create({ status: "Our torch", mediaIds: [media.id] });
out.media = pictured.mediaAttachments.map((m) => ({ type: m.type, description: m.description, url: m.url }));
const asked = await masto.v1.statuses.create({
  status: "Which gas first?",
  poll: { options: ["Argon", "CO2"], expiresIn: 600 },
});
out.poll = asked.poll ? asked.poll.options.map((o) => o.title) : null;
console.log(JSON.stringify(out));
