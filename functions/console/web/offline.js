// The offline view: what the console shows when it cannot reach its server (no network,
// or the stack unreachable): the last alarms it saw, kept on this device in the Cache
// Storage (the service worker keeps their thumbnails). Signing out forgets both.
import { $, time } from './dom.js';
import { alarmTile } from './tiles.js';

const STORE = 'offline';
const KEY = '/offline/last-alarms.json';
const KEEP = 30;
// What the service worker names its cache of thumbnails (sw.js).
const PICTURES = 'pictures';

// Nothing to keep where there is no Cache Storage (an insecure origin, an old browser).
const storage = 'caches' in self ? self.caches : null;

export async function remember(alarms) {
  if (!storage) return;
  const document = { savedAt: Date.now(), alarms: alarms.slice(0, KEEP) };
  try {
    const cache = await storage.open(STORE);
    await cache.put(KEY, new Response(JSON.stringify(document), { headers: { 'Content-Type': 'application/json' } }));
  } catch {
    // A full or refused store only costs the offline view its list.
  }
}

async function recall() {
  if (!storage) return null;
  try {
    const response = await storage.match(KEY, { cacheName: STORE });
    return response ? await response.json() : null;
  } catch {
    return null;
  }
}

export async function forgetAll() {
  if (!storage) return;
  await Promise.all([storage.delete(STORE), storage.delete(PICTURES)]).catch(() => {});
}

export async function show() {
  const saved = await recall();
  const alarms = saved?.alarms || [];
  $('offline-note').textContent = alarms.length
    ? `The console cannot reach its server: check the connection. These are the last alarms it saw, at ${time(saved.savedAt)}.`
    : 'The console cannot reach its server: check the connection.';
  $('offline-grid').replaceChildren(...alarms.map((alarm) => alarmTile(alarm, { link: false })));
}

export function hide() {}

export function unreachable(error) {
  return error?.status === 0 || (typeof navigator !== 'undefined' && navigator.onLine === false);
}

