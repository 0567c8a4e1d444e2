// Confrère's service worker: the app starts without a network, and the browser can install it.
// It only ever caches the app's own files: never an /api/ answer (those carry personal data and
// tokens), never anything from another origin.
const CACHE = "confrere-app-v1";
const SHELL = ["/", "/manifest.webmanifest", "/icon.svg", "/icon-192.png", "/icon-512.png"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/"))
    return;

  if (request.mode === "navigate") {
    // Every screen is index.html: the network first (a fresh deploy), the cached shell offline.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            void caches.open(CACHE).then((cache) => cache.put("/", copy));
          }
          return response;
        })
        .catch(() => caches.match("/").then((cached) => cached || Response.error())),
    );
    return;
  }

  if (url.pathname.startsWith("/assets/")) {
    // Hashed file names never change: the cache first, filled on first use.
    event.respondWith(
      caches.match(request).then(
        (cached) =>
          cached ||
          fetch(request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              void caches.open(CACHE).then((cache) => cache.put(request, copy));
            }
            return response;
          }),
      ),
    );
    return;
  }

  event.respondWith(caches.match(request).then((cached) => cached || fetch(request)));
});

// Web Push. The payload is only {title, badge, conversationId} (see packages/protocol/src/push.ts):
// the server never sends a message's text or a patient datum, and this shows nothing else.
self.addEventListener("push", (event) => {
  let payload = null;
  try {
    payload = event.data ? event.data.json() : null;
  } catch {
    payload = null;
  }
  const title = payload && typeof payload.title === "string" ? payload.title : "Nouveau message";
  const conversationId =
    payload && typeof payload.conversationId === "string" && /^[A-Za-z0-9_-]+$/.test(payload.conversationId)
      ? payload.conversationId
      : null;
  const badge = payload && Number.isInteger(payload.badge) && payload.badge >= 0 ? payload.badge : null;
  const work = [
    self.registration.showNotification(title, {
      icon: "/icon-192.png",
      badge: "/icon-192.png",
      // One notification per conversation: a new message replaces the previous one's.
      tag: conversationId ? `conversation-${conversationId}` : "confrere",
      renotify: true,
      data: { conversationId },
    }),
  ];
  if (badge !== null && "setAppBadge" in self.navigator) {
    work.push(
      (badge > 0 ? self.navigator.setAppBadge(badge) : self.navigator.clearAppBadge()).catch(() => {}),
    );
  }
  event.waitUntil(Promise.all(work));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const conversationId = event.notification.data?.conversationId;
  const path = conversationId ? `/conversations/${conversationId}` : "/";
  const target = new URL(path, self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(async (windows) => {
      // An open window of the app: bring it forward on the conversation; else open one.
      const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (open) {
        await open.focus();
        if (new URL(open.url).pathname !== path && "navigate" in open) await open.navigate(target);
        return;
      }
      await self.clients.openWindow(target);
    }),
  );
});
