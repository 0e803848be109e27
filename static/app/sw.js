// The worker app's service worker (scope /app/). It precaches the app shell so the app opens
// with no network, answers the shell from its cache, and never keeps an API answer: /api/ goes
// to the network only (personal data stays on the server; queued work lives in IndexedDB,
// which the app manages, not here). A new version takes over at once (skipWaiting, claim):
// nothing is lost, since nothing but the shell is kept in this worker's caches.
const SHELL = { version: "dev", files: [] }; // filled in by backend/webapp.py
const CACHE = `fairfield-app-${SHELL.version}`;
const PAGE = "/app/";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(SHELL.files.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith("fairfield-app-") && name !== CACHE)
          .map((name) => caches.delete(name)),
      ))
      .then(() => self.clients.claim()),
  );
});

function isApi(url) {
  return url.pathname.startsWith("/api/");
}

// Pages: the network first (a fresh shell when online), the cached shell when not.
async function page(request) {
  try {
    return await fetch(request);
  } catch {
    const cache = await caches.open(CACHE);
    return (await cache.match(request, { ignoreSearch: true })) || cache.match(PAGE);
  }
}

// Shell files: from the cache (they change only with a new version of this worker).
async function shellFile(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  return cached || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || isApi(url)) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (SHELL.files.includes(url.pathname)) {
    event.respondWith(shellFile(request));
  }
});
