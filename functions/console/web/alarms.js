// The alarms view: a grid of thumbnails, newest first, filtered by camera, type and dates
// (behind one button that says how many are on); more pages on scroll; new alarms appear
// on their own; several can be marked reviewed, downloaded or deleted at once. The alarm
// page walks the same list (around()).
import { api, query } from './api.js';
import { settings } from './auth.js';
import { $, download, el, say, time } from './dom.js';
import { remember } from './offline.js';
import { alarmTile } from './tiles.js';
import { refresh as countUnreviewed } from './unreviewed.js';

const shown = new Map();
const selected = new Set();
let next = null;
let listed = false;
let loading = false;
// A new alarm announced while a page was loading: look again when it is done.
let freshAgain = false;
let visible = false;

for (const type of settings.alarmTypes || []) {
  $('filter-type').append(el('option', { value: type.hex }, type.name));
}

const FILTER_FIELDS = ['filter-camera', 'filter-type', 'filter-severity', 'filter-from', 'filter-to'];

function updateFilterButton() {
  const active = FILTER_FIELDS.filter((id) => $(id).value).length;
  $('filter-toggle').textContent = active ? `Filters (${active})` : 'Filters';
  $('filter-toggle').title = active ? `${active} filter${active === 1 ? '' : 's'} on` : 'No filter on: all alarms';
}

function showFilters(open) {
  $('alarm-filter').hidden = !open;
  $('filter-toggle').setAttribute('aria-expanded', String(open));
}
$('filter-toggle').addEventListener('click', () => {
  const opening = $('alarm-filter').hidden;
  showFilters(opening);
  if (opening) $('filter-camera').focus();
});
// A wide screen has room for them: open from the start (the button still folds them).
showFilters(matchMedia('(min-width: 48rem)').matches);

function filters() {
  const parameters = {
    camera: $('filter-camera').value,
    type: $('filter-type').value,
    severity: $('filter-severity').value,
  };
  // The dates are the viewer's own days, sent as the instants they begin and end.
  if ($('filter-from').value) parameters.from = new Date(`${$('filter-from').value}T00:00:00`).getTime();
  if ($('filter-to').value) parameters.to = new Date(`${$('filter-to').value}T23:59:59.999`).getTime();
  return parameters;
}

function card(alarm) {
  const label = alarm.cameraName || alarm.vuid;
  const box = el('input', {
    type: 'checkbox',
    'aria-label': `Select ${alarm.alarmTypeName}, ${label}, ${time(alarm.receivedAtMs)}`,
    checked: selected.has(alarm.alarmId),
    onchange: (event) => {
      if (event.target.checked) selected.add(alarm.alarmId);
      else selected.delete(alarm.alarmId);
      updateSelection();
    },
  });
  return alarmTile(alarm, { select: el('label', { class: 'select' }, box) });
}

function updateSelection() {
  for (const id of selected) if (!shown.has(id)) selected.delete(id);
  const count = selected.size;
  $('selected-count').textContent = `${count} selected`;
  for (const id of ['review-selected', 'download-selected', 'delete-selected']) $(id).disabled = count === 0;
  // The actions take a row of their own on a phone: only while something is selected.
  $('selection-actions').hidden = count === 0;
  $('select-all').checked = count > 0 && count === shown.size;
  // The badge counts the fleet's (unreviewed.js); this line, what the filter shows.
  const unreviewed = [...shown.values()].filter((alarm) => !alarm.reviewedAt).length;
  $('unreviewed-count').textContent = `${unreviewed} unreviewed of ${shown.size} shown`;
  $('alarms-empty').hidden = shown.size > 0;
}

function render() {
  $('alarm-grid').replaceChildren(...[...shown.values()].map(card));
  updateSelection();
}

// Each new filter starts a new generation: an answer for an older one is dropped.
let generation = 0;

async function load(cursor = null) {
  if (cursor && loading) return;
  const mine = cursor ? generation : ++generation;
  loading = true;
  try {
    const page = await api('GET', query('/api/alarms', { ...filters(), cursor }));
    if (mine !== generation) return;
    if (!cursor) shown.clear();
    for (const alarm of page.alarms) shown.set(alarm.alarmId, alarm);
    next = page.next;
    listed = true;
    $('alarms-more').hidden = !next;
    render();
    if (!cursor) remember([...shown.values()]);
  } catch (error) {
    say(error.message);
  } finally {
    if (mine === generation) loading = false;
    if (freshAgain && !loading) {
      freshAgain = false;
      fresh();
    }
  }
}

// New alarms (unreviewed.js saw a new newest): the first page again, and what is not on
// screen yet goes on top.
export async function fresh() {
  if (!visible) return;
  if (loading) {
    freshAgain = true;
    return;
  }
  const mine = generation;
  try {
    const page = await api('GET', query('/api/alarms', { ...filters(), limit: 20 }));
    if (mine !== generation) return;
    const fresh = page.alarms.filter((alarm) => !shown.has(alarm.alarmId));
    if (!fresh.length) return;
    const merged = new Map(fresh.map((alarm) => [alarm.alarmId, alarm]));
    for (const [id, alarm] of shown) merged.set(id, alarm);
    shown.clear();
    for (const [id, alarm] of merged) shown.set(id, alarm);
    render();
    remember([...shown.values()]);
    say(`${fresh.length} new alarm${fresh.length === 1 ? '' : 's'}`);
  } catch {
    // The next poll tries again; a 401 has already sent the page to sign-in.
  }
}

async function loadCameras() {
  const select = $('filter-camera');
  const chosen = select.value;
  const options = [el('option', { value: '' }, 'All cameras')];
  let cursor = null;
  try {
    for (let page = 0; page < 20; page += 1) {
      const answer = await api('GET', query('/api/cameras', { limit: 100, cursor }));
      for (const camera of answer.cameras) {
        options.push(el('option', { value: camera.vuid }, camera.name ? `${camera.name} (${camera.vuid})` : camera.vuid));
      }
      cursor = answer.next;
      if (!cursor) break;
    }
  } catch (error) {
    say(error.message);
  }
  select.replaceChildren(...options);
  select.value = chosen;
}

function filtersChanged() {
  selected.clear();
  updateFilterButton();
  load();
}
$('alarm-filter').addEventListener('change', filtersChanged);
// The reset event comes before the fields are cleared.
$('alarm-filter').addEventListener('reset', () => setTimeout(filtersChanged, 0));
$('alarms-more').addEventListener('click', () => load(next));
$('select-all').addEventListener('change', (event) => {
  selected.clear();
  if (event.target.checked) for (const id of shown.keys()) selected.add(id);
  render();
});

$('review-selected').addEventListener('click', async () => {
  const ids = [...selected];
  try {
    const answer = await api('POST', '/api/alarms/review', { alarmIds: ids, reviewed: true });
    const now = Math.floor(Date.now() / 1000);
    for (const id of answer.updated) shown.get(id).reviewedAt = now;
    selected.clear();
    render();
    countUnreviewed();
    $('alarm-message').textContent = `${answer.updated.length} marked reviewed`;
  } catch (error) {
    $('alarm-message').textContent = error.message;
  }
});

$('delete-selected').addEventListener('click', async () => {
  const ids = [...selected];
  if (!confirm(`Delete ${ids.length} alarm${ids.length === 1 ? '' : 's'} with their pictures and videos?`)) return;
  try {
    const answer = await api('POST', '/api/alarms/delete', { alarmIds: ids });
    for (const id of [...answer.deleted, ...answer.missing]) shown.delete(id);
    selected.clear();
    render();
    countUnreviewed();
    $('alarm-message').textContent = `${answer.deleted.length} deleted`;
  } catch (error) {
    $('alarm-message').textContent = error.message;
  }
});

$('download-selected').addEventListener('click', async () => {
  for (const id of [...selected]) {
    try {
      const alarm = await api('GET', `/api/alarms/${id}`);
      download(alarm.pictureDownloadUrl);
      if (alarm.videoDownloadUrl) download(alarm.videoDownloadUrl);
    } catch (error) {
      say(error.message);
    }
  }
});

// More pages on scroll: when the "More" button comes into view, it is pressed.
new IntersectionObserver((entries) => {
  if (entries.some((entry) => entry.isIntersecting) && next && visible) load(next);
}).observe($('alarms-more'));

// Where an alarm stands in the grid's list (the current filters), for the alarm page's
// previous and next; the list is loaded if the alarm page was opened first, and its next
// page when the last alarm is reached.
export async function around(alarmId) {
  if (!listed) await load();
  let ids = [...shown.keys()];
  let index = ids.indexOf(alarmId);
  if (index >= 0 && index === ids.length - 1 && next) {
    await load(next);
    ids = [...shown.keys()];
    index = ids.indexOf(alarmId);
  }
  if (index < 0) return { previous: null, next: null, position: '' };
  return {
    previous: ids[index - 1] || null,
    next: ids[index + 1] || null,
    position: `${index + 1} of ${ids.length}${next ? '+' : ''}`,
  };
}

export function forget(alarmId) {
  shown.delete(alarmId);
  selected.delete(alarmId);
}

export function markReviewed(alarmId) {
  const alarm = shown.get(alarmId);
  if (alarm) alarm.reviewedAt = Math.floor(Date.now() / 1000);
}

export function show() {
  visible = true;
  $('alarm-message').textContent = '';
  loadCameras();
  load();
}

export function hide() {
  visible = false;
}
