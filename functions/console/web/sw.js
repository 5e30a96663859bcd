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

// ---- Web Push: the notification, its actions and its tap. ----
// The payload is what the stack's webpush channel sends (docs/notifications.md): title,
// body, severity, image (a thumbnail URL), url (the console page of that alarm or camera),
// tag, time, and actions, each with a short-lived token good for exactly that action on
// exactly that alarm or camera. The worker holds no session: the token is the credential.
const ICON = `/console/${VERSION}/icon-192.png`;
const BADGE = `/console/${VERSION}/badge-96.png`;

self.addEventListener('push', (event) => {
  event.waitUntil(showPush(readPayload(event.data)));
});

function readPayload(data) {
  if (!data) return { title: 'VStarcam push', body: '' };
  try {
    return data.json();
  } catch {
    return { title: 'VStarcam push', body: data.text() };
  }
}

// Only pages of this console are opened from a notification, whatever a payload says.
function ownUrl(url) {
  try {
    const parsed = new URL(url, self.registration.scope);
    if (parsed.origin === self.location.origin) return parsed.href;
  } catch {
    // not a URL
  }
  return self.registration.scope;
}

function showPush(payload) {
  const actions = (Array.isArray(payload.actions) ? payload.actions : []).filter((a) => a && a.action && a.token);
  const options = {
    body: payload.body || '',
    icon: payload.icon || ICON,
    badge: payload.badge || BADGE,
    tag: payload.tag || undefined,
    // A newer alarm under the same tag rings again rather than replacing it silently.
    renotify: Boolean(payload.tag),
    // An alert (smoke, fire, doorbell...) stays on a desktop screen until it is seen.
    requireInteraction: payload.severity === 'alert',
    timestamp: payload.time ? payload.time * 1000 : Date.now(),
    data: { url: ownUrl(payload.url), title: payload.title || '', actions, kind: payload.kind },
    actions: actions.slice(0, 2).map(({ action, title }) => ({ action, title })),
  };
  // Chrome on Android and desktop show it; Safari and Firefox leave it out.
  if (payload.image) options.image = payload.image;
  return self.registration.showNotification(payload.title || 'VStarcam push', options);
}

self.addEventListener('notificationclick', (event) => {
  event.waitUntil(handleNotificationClick(event.notification, event.action));
});

// What a tap does (the browser tests call this very function in the worker, since the
// DevTools protocol cannot press a notification): an action button runs that action with
// its token and says how it went in the notification's place; a plain tap opens the page.
async function handleNotificationClick(notification, action) {
  const data = notification.data || {};
  notification.close();
  const chosen = action ? (data.actions || []).find((a) => a.action === action) : null;
  if (!chosen) return openPage(data.url || self.registration.scope);
  return runAction(notification, chosen);
}

const DONE = { reviewed: 'Marked reviewed', snoozed: 'Snoozed' };
// A second tap of the same action (the token is good once): nothing changed again.
const ALREADY = { reviewed: 'Already marked reviewed', snoozed: 'Already snoozed' };

async function runAction(notification, chosen) {
  const data = notification.data || {};
  let title;
  let answer = {};
  try {
    const response = await fetch(new URL('api/push/action', self.registration.scope), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: chosen.token }),
      credentials: 'omit',
      cache: 'no-store',
    });
    answer = await response.json().catch(() => ({}));
    if (response.ok) title = doneText(answer);
    else title = `Not done: ${answer.message || `the console answered ${response.status}`}`;
  } catch {
    title = 'Not done: the console cannot be reached. Tap to open it.';
  }
  await self.registration.showNotification(title, {
    body: data.title || '',
    icon: ICON,
    badge: BADGE,
    tag: notification.tag || undefined,
    timestamp: Date.now(),
    data: { url: data.url, title: data.title, actions: [], kind: 'result' },
  });
  return { title, answer };
}

// models/camera.py's SNOOZE_UNTIL_ON: the end of 9999, "until turned back on".
const SNOOZE_UNTIL_ON = 253402300799;

function doneText(answer) {
  if (answer.repeated) return ALREADY[answer.done] || 'Already done';
  // A longer snooze someone chose after the push is kept, not shortened to an hour.
  if (answer.done === 'snoozed' && answer.until >= SNOOZE_UNTIL_ON) return 'Snoozed until turned back on';
  if (answer.done === 'snoozed' && answer.until) {
    const until = new Date(answer.until * 1000);
    const clock = until.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    return until.toDateString() === new Date().toDateString()
      ? `Snoozed until ${clock}`
      : `Snoozed until ${until.toLocaleDateString([], { weekday: 'short' })} ${clock}`;
  }
  return DONE[answer.done] || 'Done';
}

// An open console is brought forward and shown that page (its router follows the
// address); with none open, a new window opens there.
async function openPage(url) {
  const target = ownUrl(url);
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
  if (open) {
    // Focusing needs the tap's user activation, which a test run has not: it then only navigates.
    const focused = await open.focus().then(() => true, () => false);
    open.postMessage({ type: 'open', url: target });
    return { opened: target, focused };
  }
  await self.clients.openWindow(target);
  return { opened: target, focused: false };
}

// The push service renewed or dropped the subscription: subscribe again with the same
// key. The worker holds no session to tell the stack, so it leaves the new endpoint for
// the console's next start (notify.js), which swaps it in for the old device.
self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil(
    (async () => {
      const key = event.oldSubscription?.options?.applicationServerKey;
      if (!event.newSubscription && key) {
        await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }).catch(() => {});
      }
    })(),
  );
});
