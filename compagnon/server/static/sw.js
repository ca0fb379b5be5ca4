/* Compagnon's service worker: the last pages read open again without a connection.
 *
 * - Pages (GET navigations): network first; a copy of each page that answered 200 is kept in
 *   a bounded cache (the oldest goes first), and served when the network fails; a page never
 *   read offline gets /offline.
 * - /static/ files: the cached copy at once, refreshed in the background.
 * - Never kept: anything but GET, the admin area, sign-in and invite pages, redirects.
 * - Signing in or out (POST /login, POST /logout) empties the page cache first, so the next
 *   person on this phone never reads the pages of the previous one.
 * A form sent while the network is down is the page script's business (drafts.js).
 */
"use strict";

const PAGES = "compagnon-pages-v1";
const STATIC = "compagnon-static-v1";
const MAX_PAGES = 40;
const OFFLINE = "/offline";
const PRECACHE = ["/static/site.css", "/static/app.js", "/static/drafts.js", "/static/icon-192.png"];
const NEVER_KEPT = ["/admin", "/login", "/logout", "/invite/", "/post/edit", "/sw.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const pages = await caches.open(PAGES);
      // Without cookies: the offline page must not carry anyone's name or token.
      const offline = await fetch(OFFLINE, { credentials: "omit" });
      if (offline.ok) await pages.put(OFFLINE, offline);
      await (await caches.open(STATIC)).addAll(PRECACHE);
      await self.skipWaiting();
    })()
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name !== PAGES && name !== STATIC) await caches.delete(name);
      }
      await self.clients.claim();
    })()
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "forget-pages") event.waitUntil(forgetPages());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    if (url.pathname === "/logout" || url.pathname === "/login") {
      event.respondWith(forgetPages().then(() => sendOrOffline(request)));
    } else if (request.mode === "navigate") {
      event.respondWith(sendOrOffline(request));
    }
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(staleWhileRevalidate(event, request));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(request, url));
  }
});

async function forgetPages() {
  const offline = await caches.match(OFFLINE);
  await caches.delete(PAGES);
  if (offline) await (await caches.open(PAGES)).put(OFFLINE, offline);
}

function kept(url) {
  return !NEVER_KEPT.some((prefix) =>
    url.pathname === prefix || url.pathname.startsWith(prefix.endsWith("/") ? prefix : prefix + "/"));
}

async function sendOrOffline(request) {
  try {
    return await fetch(request);
  } catch (error) {
    return (await caches.match(OFFLINE)) || Response.error();
  }
}

async function networkFirst(request, url) {
  try {
    const response = await fetch(request);
    const html = (response.headers.get("Content-Type") || "").startsWith("text/html");
    if (response.ok && html && !response.redirected && kept(url)) {
      await remember(request, response.clone());
    }
    return response;
  } catch (error) {
    return (await caches.match(request, { cacheName: PAGES })) ||
      (await caches.match(OFFLINE)) || Response.error();
  }
}

async function remember(request, response) {
  const cache = await caches.open(PAGES);
  await cache.delete(request); // put it back last: the order of keys is the order of reading
  await cache.put(request, response);
  const keys = (await cache.keys()).filter((key) => new URL(key.url).pathname !== OFFLINE);
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_PAGES))) {
    await cache.delete(old);
  }
}

async function staleWhileRevalidate(event, request) {
  const cache = await caches.open(STATIC);
  const cached = await cache.match(request);
  const fresh = fetch(request).then(async (response) => {
    if (response.ok) await cache.put(request, response.clone());
    return response;
  });
  if (cached) {
    event.waitUntil(fresh.catch(() => undefined));
    return cached;
  }
  return fresh;
}
