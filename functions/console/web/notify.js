// "Notify this device": web push to this browser or installed app, no third-party account.
// The button asks for notification permission (only on that tap), subscribes with the
// stack's VAPID public key and hands the subscription to the stack with a name and this
// device's filters; the user's devices are listed (this one marked) to edit, test or remove.
// The page says plainly when a browser cannot: no push support, permission blocked (and
// how to undo it), an iPhone that needs the app on the home screen first.
import { api, query } from './api.js';
import { $, el, say, time } from './dom.js';

// This browser's device (its id at the stack and its push endpoint), kept in the Cache
// Storage: nothing secret, and what tells "this device" apart in the list.
const STORE = 'push-device';
const KEY = '/push/this-device.json';
const EVENTS = ['alarm', 'offline', 'online'];
const EVENT_WORDS = { alarm: 'alarms', offline: 'offline', online: 'back online' };
const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

let devices = [];
let editing = null; // the id of the device the form edits; null: subscribing this one
let endpoint = null; // this browser's current push endpoint, if subscribed
let mine = null; // { id, endpoint } as remembered

function ios() {
  return /iPad|iPhone|iPod/.test(navigator.userAgent) || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
}

function installed() {
  return matchMedia('(display-mode: standalone)').matches || navigator.standalone === true;
}

// What this browser can do, before anything is asked.
export function support() {
  if (ios() && !installed()) return 'ios-browser';
  if (!('serviceWorker' in navigator) || !('PushManager' in self) || !('Notification' in self)) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  return 'ok';
}

// A name the user recognises in the list: "Chrome on Android", "Safari on iPhone"...
export function deviceName(agent = navigator.userAgent) {
  const browser = /Edg\//.test(agent)
    ? 'Edge'
    : /Firefox\/|FxiOS/.test(agent)
      ? 'Firefox'
      : /Chrome\/|CriOS/.test(agent)
        ? 'Chrome'
        : /Safari\//.test(agent)
          ? 'Safari'
          : 'Browser';
  const systems = [
    [/Android/, 'Android'],
    [/iPhone/, 'iPhone'],
    [/iPad/, 'iPad'],
    [/CrOS/, 'ChromeOS'],
    [/Windows/, 'Windows'],
    [/Mac OS X/, 'Mac'],
    [/Linux/, 'Linux'],
  ];
  const system = systems.find(([pattern]) => pattern.test(agent));
  return system ? `${browser} on ${system[1]}` : browser;
}

async function remembered() {
  if (!('caches' in self)) return null;
  try {
    const response = await caches.match(KEY, { cacheName: STORE });
    return response ? await response.json() : null;
  } catch {
    return null;
  }
}

async function remember(record) {
  if (!('caches' in self)) return;
  const cache = await caches.open(STORE);
  if (record) await cache.put(KEY, new Response(JSON.stringify(record), { headers: { 'Content-Type': 'application/json' } }));
  else await cache.delete(KEY);
}

async function registration() {
  const timeout = new Promise((_, reject) => {
    setTimeout(() => reject(new Error("the app's service worker is not running: reload the page")), 10_000);
  });
  return Promise.race([navigator.serviceWorker.ready, timeout]);
}

async function currentSubscription() {
  if (support() !== 'ok' && support() !== 'denied') return null;
  try {
    return await (await registration()).pushManager.getSubscription();
  } catch {
    return null;
  }
}

function keyBytes(base64url) {
  const text = atob(base64url.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

// ---- the form: a device's name and filters (the destinations' filter model) ----

function checked(name) {
  return [...$('notify-form').querySelectorAll(`input[name="${name}"]:checked`)].map((box) => box.value);
}

// Every filter is sent, the ones left at "all" too: a PATCH keeps what it leaves out.
function filters() {
  const events = checked('event');
  if (!events.length) throw new Error('choose at least one of alarms, offline or back online');
  const all = $('notify-all-cameras').checked;
  const cameras = all ? [] : checked('camera');
  const sites = all ? [] : checked('site');
  if (!all && !cameras.length && !sites.length) throw new Error('choose the cameras or sites, or all of them');
  const from = $('notify-quiet-from').value;
  const to = $('notify-quiet-to').value;
  if (Boolean(from) !== Boolean(to)) throw new Error('quiet hours need a start and an end');
  return {
    events,
    severities: $('notify-severity').value ? [$('notify-severity').value] : [],
    cameras,
    sites,
    quietHours: from ? `${from}-${to}` : null,
    timeZone: ZONE,
  };
}

function fill(device) {
  const f = device?.filters || {};
  $('notify-name').value = device?.name || deviceName();
  const events = f.events?.length ? f.events : EVENTS;
  for (const box of $('notify-form').querySelectorAll('input[name="event"]')) box.checked = events.includes(box.value);
  const severities = f.severities || [];
  $('notify-severity').value = severities.length === 1 ? severities[0] : '';
  const some = new Set([...(f.cameras || []), ...(f.sites || []).map((site) => `site:${site}`)]);
  $('notify-all-cameras').checked = some.size === 0;
  for (const box of $('notify-camera-choices').querySelectorAll('input')) {
    box.checked = some.has(box.name === 'site' ? `site:${box.value}` : box.value);
  }
  const [from, to] = (f.quietHours || '-').split('-');
  $('notify-quiet-from').value = from || '';
  $('notify-quiet-to').value = to || '';
  allCamerasChanged();
}

function allCamerasChanged() {
  const all = $('notify-all-cameras').checked;
  for (const box of $('notify-camera-choices').querySelectorAll('input')) box.disabled = all;
  summarise();
}

// The filters fold away behind one button that says what they are set to.
function summarise() {
  let text;
  try {
    text = describe(filters());
  } catch {
    text = 'to be chosen';
  }
  $('notify-filters-summary').textContent = `What to notify: ${text}`;
}

function choice(name, value, text) {
  return el('label', { class: 'choice' }, el('input', { type: 'checkbox', name, value }), ` ${text}`);
}

// The cameras (and their sites) this user sees: the only ones a device of theirs can get.
async function loadCameras() {
  const cameras = [];
  let cursor = null;
  for (let page = 0; page < 20; page += 1) {
    const answer = await api('GET', query('/api/cameras', { limit: 100, cursor }));
    cameras.push(...answer.cameras);
    cursor = answer.next;
    if (!cursor) break;
  }
  const sites = [...new Set(cameras.map((camera) => camera.site).filter(Boolean))].sort();
  // What was ticked meanwhile stays ticked.
  const ticked = new Set(checked('camera').concat(checked('site').map((site) => `site:${site}`)));
  $('notify-camera-choices').replaceChildren(
    ...sites.map((site) => choice('site', site, `Site ${site} (all its cameras)`)),
    ...cameras.map((camera) => choice('camera', camera.vuid, camera.name ? `${camera.name} (${camera.vuid})` : camera.vuid)),
  );
  for (const box of $('notify-camera-choices').querySelectorAll('input')) {
    box.checked = ticked.has(box.name === 'site' ? `site:${box.value}` : box.value);
  }
  allCamerasChanged();
}

// ---- the list of the user's devices ----

function describe(f = {}) {
  const parts = [];
  const events = f.events?.length ? f.events : EVENTS;
  parts.push(events.length === EVENTS.length ? 'alarms, offline, back online' : events.map((e) => EVENT_WORDS[e] || e).join(', '));
  const severities = f.severities || [];
  if (severities.length === 1) parts.push(severities[0] === 'alert' ? 'alerts only' : 'detections only');
  const cameras = f.cameras || [];
  const sites = f.sites || [];
  if (!cameras.length && !sites.length) parts.push('every camera');
  if (sites.length) parts.push(`site${sites.length > 1 ? 's' : ''} ${sites.join(', ')}`);
  if (cameras.length) parts.push(`${cameras.length} camera${cameras.length > 1 ? 's' : ''}`);
  if (f.quietHours) parts.push(`quiet ${f.quietHours} ${f.timeZone || ''}`.trim());
  return parts.join(' · ');
}

function isThis(device) {
  return Boolean(mine && endpoint && mine.id === device.id && mine.endpoint === endpoint);
}

function card(device) {
  const here = isThis(device);
  return el(
    'li',
    { dataset: { device: device.id }, class: here ? 'this-device' : null },
    el('h2', {}, device.name || 'A device', here ? el('span', { class: 'tag' }, 'This device') : null),
    el(
      'dl',
      {},
      el('dt', {}, 'Gets'),
      el('dd', {}, describe(device.filters)),
      el('dt', {}, 'Since'),
      el('dd', {}, time(device.created * 1000)),
      device.lastError ? [el('dt', {}, 'Last error'), el('dd', { class: 'error' }, `${device.lastError}${device.lastErrorAt ? ` (${time(device.lastErrorAt * 1000)})` : ''}`)] : null,
    ),
    el(
      'div',
      { class: 'buttons' },
      el('button', { type: 'button', onclick: () => edit(device) }, 'Edit filters'),
      el('button', { type: 'button', onclick: () => test(device) }, 'Send a test'),
      el('button', { type: 'button', class: 'danger', onclick: () => remove(device) }, here ? 'Turn off here' : 'Remove'),
    ),
  );
}

const STATES = {
  'ios-browser':
    'On an iPhone or iPad, notifications need the console on the home screen first (iOS 16.4 or later): in Safari tap Share, then "Add to Home Screen", open VStarcam push from the home screen and come back here. iOS shows the notification without the picture.',
  unsupported:
    'This browser cannot receive push notifications. Use Chrome, Edge or Firefox on a computer or an Android phone, or on an iPhone or iPad (iOS 16.4 or later) the console added to the home screen.',
  denied:
    'Notifications are blocked for this console in this browser, so it cannot ask again. To allow them: tap the icon left of the address (or the installed app\'s site settings) > Permissions > Notifications > Allow, then reload. Android app: long-press its icon > App info > Notifications. iPhone: Settings > Notifications > VStarcam push.',
  on: 'This device is notified. Edit its filters, send it a test or turn it off below; signing out turns it off too.',
  off: 'Get the alarms as notifications on this device, the console closed or not (on a phone: on its lock screen), with the picture where the platform shows one (Chrome on Android and computers). Your browser asks for permission when you press the button.',
};

function state() {
  const possible = support();
  if (possible !== 'ok') return possible;
  return devices.some(isThis) ? 'on' : 'off';
}

function render() {
  const now = state();
  $('notify-state').textContent = STATES[now];
  $('notify-state').dataset.state = now;
  $('notify-view').dataset.state = now;
  // The form subscribes this device when it is off, and edits any device on demand.
  $('notify-form').hidden = editing === null && now !== 'off';
  $('notify-devices').replaceChildren(...devices.map(card));
  $('notify-empty').hidden = devices.length > 0;
}

function resetForm() {
  editing = null;
  $('notify-form-title').textContent = 'Notify this device';
  $('notify-submit').textContent = 'Notify this device';
  $('notify-cancel').hidden = true;
  $('notify-message').textContent = '';
  fill(null);
  render();
}

function edit(device) {
  editing = device.id;
  $('notify-form-title').textContent = `Filters of ${device.name || 'this device'}`;
  $('notify-submit').textContent = 'Save';
  $('notify-cancel').hidden = false;
  $('notify-message').textContent = '';
  fill(device);
  $('notify-filters').open = true;
  render();
  $('notify-form').scrollIntoView({ block: 'start' });
  $('notify-name').focus({ preventScroll: true });
}

async function test(device) {
  try {
    await api('POST', `/api/push/devices/${encodeURIComponent(device.id)}/test`);
    say(`A test notification is on its way to ${device.name}.`);
  } catch (error) {
    say(error.message);
  }
}

async function remove(device) {
  const here = isThis(device);
  if (!confirm(here ? 'Stop notifications on this device?' : `Stop notifications on ${device.name}?`)) return;
  try {
    await api('DELETE', `/api/push/devices/${encodeURIComponent(device.id)}`);
    if (here) {
      const subscription = await currentSubscription();
      await subscription?.unsubscribe().catch(() => {});
      await remember(null);
    }
    say(`${device.name} is no longer notified.`);
    if (editing === device.id) resetForm();
    await load();
  } catch (error) {
    say(error.message);
  }
}

async function subscribe() {
  const name = $('notify-name').value.trim() || deviceName();
  const chosen = filters();
  // Nothing awaited before it: the browser asks only while the tap counts as the user's.
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') {
    render();
    throw new Error(
      permission === 'denied'
        ? 'Notifications are blocked: the note above says how to allow them.'
        : 'Notifications were not allowed: press the button again to be asked again.',
    );
  }
  const worker = await registration();
  const { publicKey } = await api('GET', '/api/push/key');
  const options = { userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) };
  let subscription;
  try {
    subscription = await worker.pushManager.subscribe(options);
  } catch (error) {
    // Subscribed before with another key (the stack's key pair was made anew): start over.
    const old = await worker.pushManager.getSubscription();
    if (!old) throw error;
    await old.unsubscribe();
    subscription = await worker.pushManager.subscribe(options);
  }
  const answer = await api('POST', '/api/push/devices', { subscription: subscription.toJSON(), name, filters: chosen });
  mine = { id: answer.device.id, endpoint: subscription.endpoint };
  await remember(mine);
  say(`${name} is notified now. Send it a test to see one.`);
}

async function submit(event) {
  event.preventDefault();
  $('notify-message').textContent = '';
  try {
    if (editing !== null) {
      await api('PATCH', `/api/push/devices/${encodeURIComponent(editing)}`, { name: $('notify-name').value.trim(), filters: filters() });
      say('Saved.');
    } else {
      await subscribe();
    }
    resetForm();
    await load();
  } catch (error) {
    $('notify-message').textContent = error.message;
  }
}

async function load() {
  const [answer, subscription, record] = await Promise.all([api('GET', '/api/push/devices'), currentSubscription(), remembered()]);
  devices = answer.devices || [];
  endpoint = subscription?.endpoint || null;
  mine = record;
  // The form keeps what the user chose meanwhile: only render, never refill.
  render();
}

// The push service gave this browser a new endpoint (the worker subscribed again on
// "pushsubscriptionchange" but holds no session): the signed-in console swaps it in for
// the old device, keeping its name and filters. Costs nothing while the endpoints match.
export async function resync() {
  try {
    const [subscription, record] = await Promise.all([currentSubscription(), remembered()]);
    if (!subscription || !record || subscription.endpoint === record.endpoint) return;
    const listed = (await api('GET', '/api/push/devices')).devices || [];
    const old = listed.find((device) => device.id === record.id);
    if (!old) return;
    const answer = await api('POST', '/api/push/devices', { subscription: subscription.toJSON(), name: old.name, filters: old.filters || {} });
    await remember({ id: answer.device.id, endpoint: subscription.endpoint });
    if (answer.device.id !== old.id) await api('DELETE', `/api/push/devices/${encodeURIComponent(old.id)}`);
  } catch {
    // Tried again at the next start.
  }
}

// Signing out turns notifications off here: a signed-out phone must not go on showing the
// stack's alarm pictures to whoever holds it next. The device is removed while the session
// still holds; if the stack cannot be reached, the browser's subscription still ends, and
// the push service's refusal removes the device at the next push.
export async function forgetThisDevice() {
  const record = await remembered();
  if (!record) return;
  // Both at once: a removal the stack does not answer (a stalled connection) must not keep
  // the browser's subscription alive.
  const removed = api('DELETE', `/api/push/devices/${encodeURIComponent(record.id)}`).catch(() => {});
  const subscription = await currentSubscription();
  await subscription?.unsubscribe().catch(() => {});
  await remember(null);
  await removed;
}

$('notify-form').addEventListener('submit', submit);
$('notify-cancel').addEventListener('click', resetForm);
$('notify-all-cameras').addEventListener('change', allCamerasChanged);
$('notify-form').addEventListener('change', summarise);
$('notify-zone').textContent = ZONE;

export async function show() {
  resetForm();
  $('notify-filters').open = false;
  try {
    await Promise.all([loadCameras(), load()]);
  } catch (error) {
    $('notify-message').textContent = error.message;
  }
}

export function hide() {}
