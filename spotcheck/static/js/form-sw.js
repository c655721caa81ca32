/* The one form's service worker: keeps the form pages (and this site's static files) so that
   a form opened once still opens without a connection. Pages: network first, the kept copy
   when offline. Saves are not handled here: the page keeps them in IndexedDB
   (offline-form.js) and sends them when the connection returns. */
"use strict";
const CACHE = "spotcheck-form-v1";

self.addEventListener("install", (event) => { self.skipWaiting(); });
self.addEventListener("activate", (event) => { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const keep = url.pathname.startsWith("/static/") || /\/form\/$/.test(url.pathname);
  if (!keep) return;
  event.respondWith(
    fetch(request).then((response) => {
      if (response.ok) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(request, copy));
      }
      return response;
    }).catch(() => caches.match(request).then((hit) => hit || Response.error()))
  );
});
