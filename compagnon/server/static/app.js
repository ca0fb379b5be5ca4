/* Installs the service worker (sw.js): the last pages read open again without a connection.
 * Pages work the same without it. */
"use strict";
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => undefined);
}
