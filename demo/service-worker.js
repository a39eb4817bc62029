// VERSION and PRECACHE are prepended by demo/vite.config.ts at build time.
/* global VERSION, PRECACHE */
// Offline after the first load: every file of the build is cached at install. Pages are fetched network-first (a
// rebuilt demo shows up on reload), everything else cache-first (file names carry content hashes). ignoreVary: the
// preview server answers "Vary: Origin", and module scripts are fetched with an Origin header the precache had not.
const CACHE = `sqlite-opfs-migrate-demo-${VERSION}`

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((n) => n.startsWith('sqlite-opfs-migrate-demo-') && n !== CACHE).map((n) => caches.delete(n))),
      )
      .then(() => self.clients.claim()),
  )
})

self.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return
  if (request.mode === 'navigate') {
    event.respondWith(
      fetch(request).catch(() => caches.match('./', { ignoreSearch: true, ignoreVary: true }).then((r) => r ?? Response.error())),
    )
    return
  }
  event.respondWith(caches.match(request, { ignoreSearch: true, ignoreVary: true }).then((cached) => cached ?? fetch(request)))
})
