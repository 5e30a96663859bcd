// The cameras view: the fleet with its status, each camera's last alarm, and the forms
// to register, rename, change the offline threshold, remove, and show the push URLs.
import { api, query } from './api.js';
import { $, ago, el, say, time } from './dom.js';

let next = null;
let editing = null;

function statusText(camera) {
  if (camera.status === 'offline' && camera.offlineSince) return `offline since ${time(camera.offlineSince * 1000)}`;
  if (camera.status === 'online') return 'online';
  if (camera.status === 'pending') return 'pending approval';
  return camera.lastSeen ? 'offline' : 'offline (never seen)';
}

function row(camera) {
  const label = camera.name || camera.vuid;
  const last = camera.lastAlarm;
  const urls = el('div', { class: 'urls-slot' });
  return el(
    'tr',
    { dataset: { vuid: camera.vuid } },
    el('td', {}, el('strong', {}, label), el('div', { class: 'vuid' }, camera.vuid)),
    el('td', {}, el('span', { class: `state ${camera.status}` }, statusText(camera))),
    el('td', { title: time(camera.lastSeen * 1000) }, ago(camera.lastSeen)),
    el(
      'td',
      {},
      last
        ? el(
            'a',
            { href: `#/alarms/${last.alarmId}` },
            last.thumbnailUrl ? el('img', { src: last.thumbnailUrl, alt: `${last.alarmTypeName}, ${label}`, loading: 'lazy' }) : null,
            el('span', {}, `${last.alarmTypeName}, ${time(last.receivedAtMs)}`),
          )
        : '-',
    ),
    el(
      'td',
      {},
      el(
        'div',
        { class: 'buttons' },
        el('button', { type: 'button', onclick: () => edit(camera) }, 'Edit'),
        el('button', { type: 'button', onclick: () => showUrls(camera, urls) }, 'Push URLs'),
        el('button', { type: 'button', class: 'danger', onclick: () => remove(camera) }, 'Remove'),
      ),
      urls,
    ),
  );
}

async function showUrls(camera, slot) {
  if (slot.firstChild) {
    slot.replaceChildren();
    return;
  }
  try {
    const urls = await api('GET', `/api/cameras/${camera.vuid}/urls`);
    slot.replaceChildren(
      el(
        'dl',
        { class: 'urls' },
        el('dt', {}, 'heartbeatServer'),
        el('dd', {}, urls.heartbeatUrl),
        el('dt', {}, 'alarmPushMainServer'),
        el('dd', {}, urls.alarmUrl),
      ),
    );
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

$('camera-add-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(event.target);
  const body = { vuid: String(data.get('vuid')).trim(), name: String(data.get('name')) };
  if (data.get('offlineAfter')) body.offlineAfter = Number(data.get('offlineAfter'));
  try {
    const answer = await api('POST', '/api/cameras', body);
    $('camera-message').textContent = answer.message;
    event.target.reset();
    load();
  } catch (error) {
    $('camera-message').textContent = error.message;
  }
});

$('camera-status').addEventListener('change', () => load());
$('cameras-more').addEventListener('click', () => load(next));

async function load(cursor = null) {
  try {
    const page = await api('GET', query('/api/cameras', { status: $('camera-status').value, cursor }));
    const rows = page.cameras.map(row);
    if (cursor) $('camera-rows').append(...rows);
    else $('camera-rows').replaceChildren(...rows);
    const c = page.counts;
    $('camera-counts').textContent =
      `${c.total} camera${c.total === 1 ? '' : 's'}: ${c.online} online, ${c.offline} offline` +
      (c.pending ? `, ${c.pending} pending` : '');
    $('cameras-empty').hidden = $('camera-rows').children.length > 0;
    next = page.next;
    $('cameras-more').hidden = !next;
  } catch (error) {
    say(error.message);
  }
}

export function show() {
  $('camera-message').textContent = '';
  load();
}

export function hide() {}
