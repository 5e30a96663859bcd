// The cameras view: the fleet with its status, each camera's last alarm, and the forms
// to register, rename, change the offline threshold, remove, and show the push URLs
// (with copy buttons; at once after registering); snoozing is snooze.js's. Every value
// on a card is labelled.
import { api, query } from './api.js';
import { $, ago, el, say, time } from './dom.js';
import { snoozeButtons, snoozeState } from './snooze.js';

let next = null;
let editing = null;

function statusText(camera) {
  if (camera.status === 'offline' && camera.offlineSince) return `offline since ${time(camera.offlineSince * 1000)}`;
  if (camera.status === 'online') return 'online';
  if (camera.status === 'pending') return 'pending approval';
  return camera.lastSeen ? 'offline' : 'offline (never seen)';
}

function field(name, ...value) {
  return [el('dt', {}, name), el('dd', {}, ...value)];
}

function card(camera) {
  const label = camera.name || camera.vuid;
  const last = camera.lastAlarm;
  const urls = el('div', { class: 'urls-slot' });
  const seen = camera.lastSeen
    ? el('time', { datetime: new Date(camera.lastSeen * 1000).toISOString(), title: time(camera.lastSeen * 1000) }, ago(camera.lastSeen))
    : 'never (no heartbeat or alarm yet)';
  const lastAlarm = last
    ? el(
        'a',
        { href: `#/alarms/${last.alarmId}`, class: 'last-alarm' },
        last.thumbnailUrl ? el('img', { src: last.thumbnailUrl, alt: '', loading: 'lazy' }) : null,
        el('span', {}, `${last.alarmTypeName}, ${time(last.receivedAtMs)}`),
      )
    : 'none yet';
  return el(
    'li',
    { dataset: { vuid: camera.vuid } },
    el('h2', {}, label),
    el('div', { class: 'vuid' }, camera.vuid),
    el(
      'dl',
      {},
      field('Status', el('span', { class: `state ${camera.status}` }, statusText(camera))),
      // The site a snooze "(site Garden)" or a notification filter names.
      ...(camera.site ? field('Site', camera.site) : []),
      field('Last seen', seen),
      field('Last alarm', lastAlarm),
      field('Offline after', camera.offlineAfter ? `${camera.offlineAfter} s without a heartbeat` : "the stack's default"),
      field('Notifications', snoozeState(camera)),
    ),
    // Snooze: any user, for the cameras they see.
    snoozeButtons(camera, () => load()),
    // An admin's controls (the page of anyone else hides them; the API refuses them).
    el(
      'div',
      { class: 'buttons admin-only' },
      el('button', { type: 'button', onclick: () => edit(camera) }, 'Edit'),
      el('button', { type: 'button', 'aria-expanded': 'false', onclick: (event) => toggleUrls(camera, urls, event.currentTarget) }, 'Push URLs'),
      el('button', { type: 'button', class: 'danger', onclick: () => remove(camera) }, 'Remove'),
    ),
    el('div', { class: 'admin-only' }, urls),
  );
}

// A URL that may break after "/" and ".", never inside the push key (the last segment):
// the key is one nowrap run, since a base64url key may hold a "-", where a line may break.
function breakable(url) {
  const parts = url.split(/(?<=[/.])/);
  const key = el('span', { class: 'key' }, parts.pop());
  return el('code', {}, ...parts.flatMap((part, index) => (index ? [el('wbr'), part] : [part])), el('wbr'), key);
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Copy failed: select the text';
  }
  setTimeout(() => { button.textContent = 'Copy'; }, 3000);
}

// The camera's own names for the two settings (its alarm server page), each with a copy button.
export function urlList(urls) {
  const entry = (name, url) =>
    el(
      'div',
      { class: 'url' },
      el('div', { class: 'name' }, name),
      el(
        'div',
        { class: 'row' },
        breakable(url),
        el('button', { type: 'button', 'aria-label': `Copy ${name}`, onclick: (event) => copy(url, event.currentTarget) }, 'Copy'),
      ),
    );
  return el('div', { class: 'urls' }, entry('heartbeatServer', urls.heartbeatUrl), entry('alarmPushMainServer', urls.alarmUrl));
}

async function toggleUrls(camera, slot, button) {
  if (slot.firstChild) {
    slot.replaceChildren();
    button.setAttribute('aria-expanded', 'false');
    return;
  }
  try {
    slot.replaceChildren(urlList(await api('GET', `/api/cameras/${camera.vuid}/urls`)));
    button.setAttribute('aria-expanded', 'true');
  } catch (error) {
    say(error.message);
  }
}

function edit(camera) {
  editing = camera;
  $('camera-dialog-title').textContent = camera.name || camera.vuid;
  $('edit-name').value = camera.name;
  $('edit-offline').value = camera.offlineAfter || '';
  $('camera-dialog').showModal();
}

$('camera-dialog').addEventListener('close', async () => {
  if ($('camera-dialog').returnValue !== 'save' || !editing) return;
  const camera = editing;
  editing = null;
  try {
    const answer = await api('PATCH', `/api/cameras/${camera.vuid}`, {
      name: $('edit-name').value,
      offlineAfter: Number($('edit-offline').value),
    });
    $('camera-message').textContent = answer.message;
    load();
  } catch (error) {
    $('camera-message').textContent = error.message;
  }
});

async function remove(camera) {
  const label = camera.name ? `${camera.name} (${camera.vuid})` : camera.vuid;
  if (!confirm(`Remove camera ${label}? Its stored alarms stay until they expire.`)) return;
  try {
    const answer = await api('DELETE', `/api/cameras/${camera.vuid}`);
    $('camera-message').textContent = answer.message;
    load();
  } catch (error) {
    $('camera-message').textContent = error.message;
  }
}

// Registered: its URLs at once, since setting them in the camera is the next step.
$('camera-add-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(event.target);
  const body = { vuid: String(data.get('vuid')).trim(), name: String(data.get('name')) };
  if (data.get('offlineAfter')) body.offlineAfter = Number(data.get('offlineAfter'));
  $('camera-added').hidden = true;
  try {
    const answer = await api('POST', '/api/cameras', body);
    $('camera-message').textContent = answer.message;
    event.target.reset();
    $('camera-add').open = false;
    load();
    const urls = await api('GET', `/api/cameras/${answer.vuid}/urls`);
    $('camera-added-title').textContent = `Set these in ${answer.name || answer.vuid}`;
    $('camera-added-urls').replaceChildren(urlList(urls));
    $('camera-added').hidden = false;
    $('camera-added').focus();
  } catch (error) {
    $('camera-message').textContent = error.message;
  }
});

$('camera-status').addEventListener('change', () => load());
$('cameras-more').addEventListener('click', () => load(next));

async function load(cursor = null) {
  try {
    const page = await api('GET', query('/api/cameras', { status: $('camera-status').value, cursor }));
    const cards = page.cameras.map(card);
    if (cursor) $('camera-rows').append(...cards);
    else $('camera-rows').replaceChildren(...cards);
    const c = page.counts;
    $('camera-counts').textContent =
      `${c.total} camera${c.total === 1 ? '' : 's'}: ${c.online} online, ${c.offline} offline` +
      (c.pending ? `, ${c.pending} pending` : '');
    $('cameras-empty').hidden = $('camera-rows').children.length > 0;
    // A new owner's first step: the form is open while there is no camera at all.
    if (!c.total) $('camera-add').open = true;
    next = page.next;
    $('cameras-more').hidden = !next;
  } catch (error) {
    say(error.message);
  }
}

export function show() {
  $('camera-message').textContent = '';
  $('camera-added').hidden = true;
  load();
}

export function hide() {}
