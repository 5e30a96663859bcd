// The console's service worker: it keeps this version's app shell (the page and its
// files) so the console installs and opens without a network, and the last thumbnails
// the grid showed, for the offline view. It never sees a session token: the API
// (/api/...) and the sign-in service are not intercepted, nothing with a token is kept.
// ConsoleFunction serves this file at /sw.js with the three names below filled in.
const VERSION = '__VERSION__';
const FILES = ["__FILES__"];
const MEDIA_ORIGIN = '__MEDIA_ORIGIN__';
const SHELL = `shell-${VERSION}`;
// The offline view's pictures: the newest this many, keyed without the URL's signature.
const PICTURES = 'pictures';
const KEEP_PICTURES = 60;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      await cache.addAll(['/', ...FILES.map((name) => `/console/${VERSION}/${name}`)]);
      // The page loads all its files at once, so a new version may take over at once.
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('shell-') && name !== SHELL) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin === self.location.origin) {
    if (request.mode === 'navigate' && url.pathname === '/') event.respondWith(page(request));
    else if (url.pathname.startsWith(`/console/${VERSION}/`)) event.respondWith(shellFile(request));
    return;
  }
  if (MEDIA_ORIGIN && url.origin === MEDIA_ORIGIN && request.destination === 'image') {
    event.respondWith(picture(request, url));
  }
});

// The page from the network while there is one (a new deployment is seen at once), else
// this version's copy: the page then finds the API unreachable and shows its offline view.
async function page(request) {
  try {
    return await fetch(request);
  } catch {
    return (await caches.match('/', { cacheName: SHELL })) || Response.error();
  }
}

async function shellFile(request) {
  return (await caches.match(request, { cacheName: SHELL })) || fetch(request);
}

// A presigned URL changes with every listing and dies in minutes: the copy is kept under
// the object's address without the signature, and used only when the network fails.
async function picture(request, url) {
  const key = url.origin + url.pathname;
  const cache = await caches.open(PICTURES);
  try {
    const response = await fetch(request);
    if (response.ok || response.type === 'opaque') {
      cache
        .put(key, response.clone())
        .then(() => trim(cache))
        .catch(() => {});
    }
    return response;
  } catch {
    return (await cache.match(key)) || Response.error();
  }
}

async function trim(cache) {
  const keys = await cache.keys();
  for (const old of keys.slice(0, Math.max(0, keys.length - KEEP_PICTURES))) await cache.delete(old);
}
