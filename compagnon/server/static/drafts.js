/* Drafts kept on this device, for every <form data-draft="NAME"> of the node.
 *
 * - What a person types is saved (localStorage) as they type, and put back after a reload.
 * - Sent while online: the browser sends the form as usual; the draft is dropped on the next
 *   page unless that page says something went wrong (an element with role="alert") or is the
 *   offline page, or the person came back with the back button.
 * - Sent while offline: the form is queued on the device (IndexedDB, files included) and sent
 *   when the connection returns (the `online` event, or the next page opened online). A form
 *   that expired meanwhile (403) is sent again once with a fresh CSRF token read from the page
 *   it came from. What the server refuses becomes a draft again, with a notice.
 * - Logging out forgets every draft and queued form; logging in turns queued forms back into
 *   drafts, so nothing queued by one person is ever sent under another one's session.
 * - Files: a browser cannot put a chosen file back into a file field, so a restored draft
 *   names the files to choose again (a notice at the top of the form). A file the server
 *   holds already (a checkbox with data-kept-name, e.g. one publish.js sent at once) is
 *   kept: the draft remembers its name and type, and the form's `draft-restore` event (its
 *   detail: the draft) lets the page's own script put its line back before the fields are.
 * The texts shown come from the page (#offline-status data-*), translated by the server.
 */
"use strict";
(() => {
  const PREFIX = "compagnon:draft:";
  const SUBMITTED = "compagnon:submitted";
  const SKIPPED = new Set(["hidden", "password", "file", "submit", "button", "reset", "image"]);
  // Keys of a draft that are no field: the files chosen, the files the server holds.
  const CHOSEN = "#chosen-files";
  const KEPT = "#kept-files";
  const status = document.getElementById("offline-status");

  function say(name, fallback, count) {
    if (!status) return;
    const text = (status.dataset[name] || fallback).replace("{n}", String(count ?? ""));
    status.textContent = text;
  }

  function draftKey(form) {
    const action = new URL(form.action, location.href);
    const hidden = Array.from(form.querySelectorAll("input[type=hidden]"))
      .filter((input) => input.name && input.name !== "csrf")
      .map((input) => `${input.name}=${input.value}`)
      .sort();
    return [form.dataset.draft, action.pathname + action.search, ...hidden].join("|");
  }

  function fields(form) {
    return Array.from(form.elements).filter(
      (field) => field.name && !SKIPPED.has(field.type) && !field.disabled
    );
  }

  function read(key) {
    try {
      return JSON.parse(localStorage.getItem(PREFIX + key) || "null");
    } catch (error) {
      return null;
    }
  }

  function save(form) {
    const values = {};
    for (const field of fields(form)) {
      if (field.type === "checkbox" || field.type === "radio") {
        if (!(field.name in values)) values[field.name] = [];
        if (field.checked) values[field.name].push(field.value);
      } else if (field.multiple) {
        values[field.name] = Array.from(field.selectedOptions, (option) => option.value);
      } else {
        values[field.name] = field.value;
      }
    }
    values[CHOSEN] = Array.from(form.querySelectorAll("input[type=file]")).flatMap((input) =>
      Array.from(input.files || [], (file) => file.name)
    );
    values[KEPT] = Array.from(form.querySelectorAll("input[data-kept-name]"), (box) => ({
      field: box.name, value: box.value, name: box.dataset.keptName, type: box.dataset.keptType || "",
    }));
    try {
      localStorage.setItem(PREFIX + draftKey(form), JSON.stringify(values));
    } catch (error) {
      /* storage full or refused: the form still works as a plain form */
    }
  }

  function restore(form, values) {
    for (const field of fields(form)) {
      if (!(field.name in values)) continue;
      const value = values[field.name];
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = Array.isArray(value) && value.includes(field.value);
      } else if (field.multiple) {
        for (const option of field.options) option.selected = value.includes(option.value);
      } else if (field.tagName === "SELECT") {
        field.value = value;
      } else if (!field.value) {
        field.value = value; // what the server sent back (a form with a mistake) wins
      }
    }
    const lost = values[CHOSEN] || [];
    if (lost.length && status) {
      const notice = document.createElement("p");
      notice.className = "notice draft-files";
      notice.setAttribute("role", "alert");
      notice.textContent = (status.dataset.chooseAgain || "Choose these files again: {names}")
        .replace("{names}", lost.join(", "));
      form.prepend(notice);
    }
  }

  function forget(key) {
    localStorage.removeItem(PREFIX + key);
  }

  function forgetAllDrafts() {
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith(PREFIX)) localStorage.removeItem(key);
    }
  }

  /* The queue of forms sent while offline, in IndexedDB (it holds files too). */
  function outbox(mode, work) {
    return new Promise((resolve, reject) => {
      const opening = indexedDB.open("compagnon", 1);
      opening.onupgradeneeded = () =>
        opening.result.createObjectStore("outbox", { keyPath: "id", autoIncrement: true });
      opening.onerror = () => reject(opening.error);
      opening.onsuccess = () => {
        const transaction = opening.result.transaction("outbox", mode);
        const request = work(transaction.objectStore("outbox"));
        transaction.oncomplete = () => resolve(request ? request.result : undefined);
        transaction.onerror = () => reject(transaction.error);
      };
    });
  }

  const queued = () => outbox("readonly", (store) => store.getAll());
  const dequeue = (id) => outbox("readwrite", (store) => store.delete(id));

  async function enqueue(form) {
    const entries = Array.from(new FormData(form).entries());
    await outbox("readwrite", (store) =>
      store.add({
        action: form.action,
        enctype: form.enctype,
        entries,
        page: location.href,
        key: draftKey(form),
        values: read(draftKey(form)) || {},
      })
    );
  }

  function body(item) {
    if (item.enctype === "multipart/form-data") {
      const data = new FormData();
      for (const [name, value] of item.entries) data.append(name, value);
      return data;
    }
    return new URLSearchParams(item.entries.filter(([, value]) => typeof value === "string"));
  }

  async function freshToken(page) {
    const answer = await fetch(page, { credentials: "same-origin" });
    if (!answer.ok || answer.redirected) return null; // signed out meanwhile: keep it queued
    const html = new DOMParser().parseFromString(await answer.text(), "text/html");
    const input = html.querySelector("input[name=csrf]");
    return input ? input.value : null;
  }

  async function send(item) {
    let answer = await fetch(item.action, {
      method: "POST", body: body(item), credentials: "same-origin",
    });
    if (answer.status === 403) {
      const token = await freshToken(item.page);
      if (token === null) return "wait";
      item.entries = item.entries.map(([name, value]) => [name, name === "csrf" ? token : value]);
      answer = await fetch(item.action, {
        method: "POST", body: body(item), credentials: "same-origin",
      });
    }
    return answer.ok && answer.redirected ? "sent" : "refused";
  }

  async function flush() {
    if (!navigator.onLine || !window.indexedDB) return;
    let sent = 0;
    let refused = 0;
    for (const item of await queued()) {
      let outcome;
      try {
        outcome = await send(item);
      } catch (error) {
        break; // still no connection: try again on the next `online`
      }
      if (outcome === "wait") break;
      await dequeue(item.id);
      if (outcome === "sent") {
        sent += 1;
      } else {
        refused += 1;
        localStorage.setItem(PREFIX + item.key, JSON.stringify(item.values));
      }
    }
    if (refused) say("refused", "A form sent offline was refused: it is back in its form.");
    else if (sent) say("sent", "Sent.");
    if (sent && !refused) location.reload(); // show what was just published
  }

  function flushOnce() {
    if (navigator.locks) return navigator.locks.request("compagnon-outbox", flush);
    return flush();
  }

  async function showWaiting() {
    if (!window.indexedDB) return;
    const count = (await queued()).length;
    if (count) say("waiting", "{n} waiting to be sent when the connection returns.", count);
  }

  function afterSubmit() {
    const key = sessionStorage.getItem(SUBMITTED);
    if (!key) return;
    sessionStorage.removeItem(SUBMITTED);
    const [navigation] = performance.getEntriesByType("navigation");
    const cameBack = navigation && navigation.type !== "navigate";
    const troubled = document.querySelector("[role=alert], [data-offline-page]");
    if (!cameBack && !troubled) forget(key);
  }

  async function turnQueueIntoDrafts() {
    for (const item of await queued()) {
      localStorage.setItem(PREFIX + item.key, JSON.stringify(item.values));
      await dequeue(item.id);
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    const path = new URL(form.action, location.href).pathname;
    if (path === "/logout") {
      forgetAllDrafts();
      if (window.indexedDB) outbox("readwrite", (store) => store.clear());
      return;
    }
    if (path === "/login" && window.indexedDB) {
      turnQueueIntoDrafts();
      return;
    }
    if (!form.dataset.draft) return;
    save(form);
    if (navigator.onLine || !window.indexedDB) {
      sessionStorage.setItem(SUBMITTED, draftKey(form));
      return;
    }
    event.preventDefault();
    enqueue(form).then(() => {
      forget(draftKey(form));
      form.reset();
      showWaiting();
    });
  });

  document.addEventListener("input", (event) => {
    const form = event.target.form;
    if (form && form.dataset.draft) save(form);
  });
  document.addEventListener("change", (event) => {
    const form = event.target.form;
    if (form && form.dataset.draft) save(form);
  });

  afterSubmit();
  // Once every deferred script ran (they all run before DOMContentLoaded, this one first),
  // so that a page's own script hears `draft-restore`.
  function restoreAll() {
    for (const form of document.querySelectorAll("form[data-draft]")) {
      const values = read(draftKey(form));
      if (!values) continue;
      form.dispatchEvent(new CustomEvent("draft-restore", { detail: values }));
      restore(form, values);
    }
  }
  if (document.readyState === "complete") restoreAll();
  else document.addEventListener("DOMContentLoaded", restoreAll);
  window.addEventListener("online", flushOnce);
  showWaiting().then(flushOnce);
})();
