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
console.log(JSON.stringify(out));
