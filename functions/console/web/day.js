// The day view (#/day/<YYYY-MM-DD>): one day on the viewer's own wall clock (24 hours, 23
// or 25 when the clocks change), one strip per camera: its alarms as marks (an alert a red
// diamond with "!", a detection a blue dot; unreviewed ones ringed: never colour alone)
// and its offline periods as hatched gaps. Marks closer than a finger's width become one
// target that opens their list; a single mark opens its alarm. The date picker steps a
// day at a time or opens a month whose days with unreviewed alarms are marked.
// Positions are set through the CSSOM (element.style), which the CSP allows: no style
// attribute is ever written.
import { api, query } from './api.js';
import { $, el, say } from './dom.js';

const TOUCH = 44;
const HALF = TOUCH / 2;

function viewerZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}
const zone = viewerZone();

let answer = null; // the day's /api/day answer being shown
let day = null; // 'YYYY-MM-DD'
let month = null; // the picker's month: a Date on its first day
let ticket = 0; // drops an answer that a newer request overtook
let visible = false;
const marksOf = new WeakMap(); // track element -> its camera's alarms

const pad = (n) => String(n).padStart(2, '0');
const iso = (date) => `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
function parse(text) {
  const [y, m, d] = text.split('-').map(Number);
  return new Date(y, m - 1, d);
}
const valid = (text) => /^\d{4}-\d{2}-\d{2}$/.test(text || '') && iso(parse(text)) === text;
const today = () => iso(new Date());
function addDays(text, n) {
  const date = parse(text);
  date.setDate(date.getDate() + n);
  return iso(date);
}
const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
const dayName = (text, style = 'short') =>
  parse(text).toLocaleDateString([], { weekday: style, day: 'numeric', month: style, year: 'numeric' });
const when = (ms) => new Date(ms).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

function duration(ms) {
  const minutes = Math.round(ms / 60000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

// Where an instant falls on the day's axis, from 0 to 100.
function percent(ms) {
  const { start, end } = answer;
  return Math.min(100, Math.max(0, ((ms - start) / (end - start)) * 100));
}

function go(text) {
  location.hash = `#/day/${text}`;
}

$('day-previous').addEventListener('click', () => go(addDays(day, -1)));
$('day-next').addEventListener('click', () => go(addDays(day, 1)));
$('day-pick').addEventListener('click', () => openMonth($('day-month').hidden));
$('month-previous').addEventListener('click', () => {
  month = new Date(month.getFullYear(), month.getMonth() - 1, 1);
  drawMonth();
});
$('month-next').addEventListener('click', () => {
  month = new Date(month.getFullYear(), month.getMonth() + 1, 1);
  drawMonth();
});
document.addEventListener('keydown', (event) => {
  if (!visible || event.altKey || event.ctrlKey || event.metaKey || $('day-cluster').open) return;
  if (event.target.closest && event.target.closest('input, select, textarea')) return;
  if (event.key === 'ArrowLeft') go(addDays(day, -1));
  else if (event.key === 'ArrowRight' && day < today()) go(addDays(day, 1));
});
// The marks are laid out for the strips' width: again when it changes (a phone turned).
let relayout = 0;
window.addEventListener('resize', () => {
  cancelAnimationFrame(relayout);
  relayout = requestAnimationFrame(() => visible && answer && placeMarks());
});

function openMonth(open) {
  $('day-month').hidden = !open;
  $('day-pick').setAttribute('aria-expanded', String(open));
  if (open) drawMonth();
}

// -- the month ----------------------------------------------------------------------------
async function drawMonth() {
  const first = new Date(month);
  const last = new Date(first.getFullYear(), first.getMonth() + 1, 0);
  // Weeks from Monday: six rows at most, 42 days (the API takes up to 62).
  const from = new Date(first);
  from.setDate(1 - ((first.getDay() + 6) % 7));
  const to = new Date(last);
  to.setDate(last.getDate() + (6 - ((last.getDay() + 6) % 7)));
  $('month-title').textContent = first.toLocaleDateString([], { month: 'long', year: 'numeric' });
  const now = today();
  $('month-next').disabled = iso(new Date(first.getFullYear(), first.getMonth() + 1, 1)) > now;
  const monday = new Date(2024, 0, 1); // a Monday
  const heads = [];
  for (let n = 0; n < 7; n += 1) {
    const weekday = new Date(monday);
    weekday.setDate(1 + n);
    heads.push(el('span', { class: 'weekday', 'aria-hidden': 'true' }, weekday.toLocaleDateString([], { weekday: 'narrow' })));
  }
  const buttons = new Map();
  for (let date = new Date(from); date <= to; date.setDate(date.getDate() + 1)) {
    const text = iso(date);
    const button = el(
      'button',
      {
        type: 'button',
        class: ['day', date.getMonth() === first.getMonth() ? '' : 'other-month', text === now ? 'today' : '']
          .filter(Boolean)
          .join(' '),
        'aria-label': dayName(text, 'long'),
        'aria-current': text === day ? 'date' : null,
        disabled: text > now,
        dataset: { date: text },
        onclick: () => {
          openMonth(false);
          go(text);
        },
      },
      el('span', { class: 'number' }, String(date.getDate())),
    );
    buttons.set(text, button);
  }
  $('month-grid').replaceChildren(...heads, ...buttons.values());
  const shownMonth = month;
  try {
    const found = await api('GET', query('/api/days', { from: iso(from), to: iso(to), tz: zone }));
    if (shownMonth !== month) return;
    for (const { date, unreviewed } of found.days) {
      const button = buttons.get(date);
      if (!button) continue;
      button.classList.add('has-unreviewed');
      button.setAttribute('aria-label', `${dayName(date, 'long')}: ${plural(unreviewed, 'unreviewed alarm')}`);
      button.append(el('span', { class: 'unreviewed-count', 'aria-hidden': 'true' }, unreviewed > 99 ? '99+' : String(unreviewed)));
    }
  } catch (error) {
    $('day-message').textContent = error.message;
  }
}

// -- the strips ---------------------------------------------------------------------------
function ticks() {
  const date = parse(day);
  const found = [];
  for (let hour = 0; hour < 24; hour += 3) {
    const ms = new Date(date.getFullYear(), date.getMonth(), date.getDate(), hour).getTime();
    found.push({ hour, at: percent(ms), major: hour % 6 === 0 });
  }
  return found;
}

function axis() {
  const labels = ticks().map(({ hour, at, major }) => {
    const tick = el('span', { class: `tick${major ? '' : ' minor'}` }, pad(hour));
    tick.style.left = `${at}%`;
    return tick;
  });
  return el('li', { class: 'axis', 'aria-hidden': 'true' }, el('div', { class: 'axis-track' }, labels));
}

function periodText(period) {
  const { now } = answer;
  let text = 'Offline ';
  if (period.beganBefore) text += period.began ? `since ${when(period.began)}` : 'since before this day';
  else text += `from ${clock(period.from)}`;
  if (!period.continues) text += ` to ${clock(period.to)}`;
  else if (period.to >= now) text += ', still offline';
  else text += ', past the end of the day';
  return text;
}

function strip(camera) {
  const name = camera.name || camera.vuid;
  const alerts = camera.alarms.filter((alarm) => alarm.severity === 'alert').length;
  const offlineMs = camera.offline.reduce((sum, period) => sum + (period.to - period.from), 0);
  const parts = [camera.alarms.length ? plural(camera.alarms.length, 'alarm') : 'no alarm'];
  if (alerts) parts.push(plural(alerts, 'alert'));
  if (offlineMs) parts.push(`offline ${duration(offlineMs)}`);
  const summary = parts.join(' · ');
  const track = el('div', { class: 'track', role: 'group', 'aria-label': `${name}: ${summary}` });
  for (const { at, major } of ticks()) {
    if (!major || at === 0) continue;
    const line = el('span', { class: 'hour', 'aria-hidden': 'true' });
    line.style.left = `${at}%`;
    track.append(line);
  }
  if (answer.now < answer.end) {
    // The rest of today has not happened yet.
    const future = el('span', { class: 'future', 'aria-hidden': 'true' });
    future.style.left = `${percent(answer.now)}%`;
    future.style.right = '0';
    track.append(future);
  }
  for (const period of camera.offline) {
    const text = periodText(period);
    const classes = ['gap', period.beganBefore ? 'before' : '', period.continues ? 'continues' : ''];
    const gap = el('span', { class: classes.filter(Boolean).join(' '), title: text }, el('span', { class: 'visually-hidden' }, text));
    gap.style.left = `${percent(period.from)}%`;
    gap.style.width = `${percent(period.to) - percent(period.from)}%`;
    track.append(gap);
  }
  marksOf.set(track, camera.alarms);
  return el(
    'li',
    { class: 'strip', dataset: { vuid: camera.vuid } },
    el(
      'div',
      { class: 'strip-head' },
      el('strong', {}, name),
      el('span', { class: `state ${camera.status}` }, camera.status),
      el('span', { class: 'counts' }, summary),
    ),
    track,
  );
}

function draw() {
  const cameras = answer.cameras;
  $('day-empty').hidden = cameras.length > 0;
  $('day-strips').replaceChildren(...(cameras.length ? [axis()] : []), ...cameras.map(strip));
  placeMarks();
  // Drawn from this answer (what a test, or a screen reader's next look, can wait for).
  $('day-strips').dataset.loaded = answer.date;
  if (!answer.complete) say('More alarms that day than one view holds: the newest 2,000 are shown.');
}

// Alarms closer than a finger's width on this screen are one group: one target.
function groups(alarms, width) {
  const found = [];
  for (const alarm of alarms) {
    const x = (percent(alarm.at) / 100) * width;
    const last = found[found.length - 1];
    if (last && x - last.maxX < TOUCH) {
      last.alarms.push(alarm);
      last.maxX = x;
    } else {
      found.push({ alarms: [alarm], minX: x, maxX: x });
    }
  }
  return found;
}

function shape(alarm) {
  const classes = ['mark-shape', alarm.severity === 'alert' ? 'alert' : 'detection', alarm.reviewed ? '' : 'unreviewed'];
  return el('span', { class: classes.filter(Boolean).join(' '), 'aria-hidden': 'true' });
}

function describe(alarm) {
  return [alarm.alarmTypeName, alarm.severity === 'alert' ? 'alert' : null, clock(alarm.at), alarm.reviewed ? null : 'unreviewed']
    .filter(Boolean)
    .join(', ');
}

function placeMarks() {
  for (const track of $('day-strips').querySelectorAll('.track')) {
    for (const old of track.querySelectorAll('.mark')) old.remove();
    const width = track.clientWidth;
    if (!width) continue;
    for (const group of groups(marksOf.get(track) || [], width)) {
      const left = Math.max(0, Math.min(group.minX - HALF, width - TOUCH));
      const right = Math.min(width, Math.max(group.maxX + HALF, TOUCH));
      const single = group.alarms.length === 1;
      const alert = group.alarms.some((alarm) => alarm.severity === 'alert');
      const unreviewed = group.alarms.some((alarm) => !alarm.reviewed);
      const classes = ['mark', single ? 'single' : 'group', alert ? 'alert' : 'detection', unreviewed ? 'unreviewed' : ''];
      const attributes = { class: classes.filter(Boolean).join(' '), dataset: { count: String(group.alarms.length) } };
      let mark;
      if (single) {
        const [alarm] = group.alarms;
        mark = el('a', { ...attributes, href: `#/alarms/${alarm.alarmId}`, 'aria-label': describe(alarm), title: describe(alarm) });
        mark.dataset.alarmId = alarm.alarmId;
      } else {
        const alerts = group.alarms.filter((alarm) => alarm.severity === 'alert').length;
        const text = `${plural(group.alarms.length, 'alarm')}${alerts ? `, ${plural(alerts, 'alert')}` : ''} from ${clock(group.alarms[0].at)} to ${clock(group.alarms[group.alarms.length - 1].at)}`;
        mark = el('button', { ...attributes, type: 'button', 'aria-label': text, title: text, onclick: () => openGroup(group.alarms) });
        mark.append(el('span', { class: 'count', 'aria-hidden': 'true' }, `${alerts ? '! ' : ''}${group.alarms.length}`));
      }
      mark.style.left = `${left}px`;
      mark.style.width = `${right - left}px`;
      for (const alarm of group.alarms) {
        const dot = shape(alarm);
        dot.style.left = `${(percent(alarm.at) / 100) * width - left}px`;
        mark.append(dot);
      }
      track.append(mark);
    }
  }
}

function openGroup(alarms) {
  $('day-cluster-title').textContent = `${plural(alarms.length, 'alarm')}, ${clock(alarms[0].at)} to ${clock(alarms[alarms.length - 1].at)}`;
  $('day-cluster-list').replaceChildren(
    ...alarms.map((alarm) =>
      el(
        'li',
        {},
        el(
          'a',
          { href: `#/alarms/${alarm.alarmId}`, class: `cluster-item${alarm.severity === 'alert' ? ' alert' : ''}`, dataset: { alarmId: alarm.alarmId } },
          shape(alarm),
          el('time', { datetime: new Date(alarm.at).toISOString() }, clock(alarm.at)),
          el('span', {}, alarm.alarmTypeName),
          alarm.severity === 'alert' ? el('span', { class: 'severity-alert' }, 'Alert') : null,
          alarm.reviewed ? null : el('span', { class: 'new' }, 'new'),
        ),
      ),
    ),
  );
  $('day-cluster').showModal();
}

async function load() {
  const mine = ++ticket;
  $('day-message').textContent = '';
  try {
    const found = await api('GET', query('/api/day', { date: day, tz: zone }));
    if (mine !== ticket) return;
    answer = found;
    draw();
  } catch (error) {
    if (mine === ticket) $('day-message').textContent = error.message;
  }
}

// A new alarm announced by the unreviewed poll: today's strips are drawn again.
export function fresh() {
  if (visible && day === today()) load();
}

export function show(text) {
  visible = true;
  day = valid(text) && text <= today() ? text : today();
  $('day-label').textContent = dayName(day);
  $('day-title').textContent = day === today() ? 'Today' : dayName(day, 'long');
  $('day-next').disabled = day >= today();
  $('day-zone').textContent = zone;
  const first = parse(day);
  month = new Date(first.getFullYear(), first.getMonth(), 1);
  if (!$('day-month').hidden) drawMonth();
  delete $('day-strips').dataset.loaded;
  if (answer && answer.date !== day) $('day-strips').replaceChildren();
  load();
}

export function hide() {
  visible = false;
  if ($('day-cluster').open) $('day-cluster').close();
  openMonth(false);
}
