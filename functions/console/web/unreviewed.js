// The unreviewed alarms of the whole fleet, whatever the grid's filter: the nav badge and
// the tab title count them, and a new one (the newest unreviewed changed) tells the grid to
// fetch its first page. One small request every 4 s while the console is on screen: a
// query of the sparse keys-only byUnreviewed index (docs/performance.md has its cost).
import { api } from './api.js';
import { $ } from './dom.js';

const POLL_MS = 4000;
const TITLE = document.title;
let timer = 0;
let running = false;
let newest = undefined; // undefined: not asked yet; null: nothing unreviewed
let arrived = () => {};

export function onNew(callback) {
  arrived = callback;
}

function show(count, more) {
  const text = more ? `${count}+` : String(count);
  $('unreviewed-badge').textContent = text;
  $('unreviewed-badge').hidden = count === 0;
  $('unreviewed-badge').title = `${text} unreviewed alarm${count === 1 && !more ? '' : 's'}`;
  document.title = count ? `(${text}) ${TITLE}` : TITLE;
}

export async function refresh() {
  if (!running) return;
  try {
    const answer = await api('GET', '/api/alarms/unreviewed');
    show(answer.unreviewed, answer.more);
    const id = answer.newest ? answer.newest.alarmId : null;
    // The first answer too: an alarm stored while the grid was loading is not missed.
    if (id && id !== newest) arrived();
    newest = id;
  } catch {
    // The next round tries again; a 401 or an unreachable API has changed the view.
  }
}

function schedule() {
  clearTimeout(timer);
  if (!running || document.hidden) return;
  timer = setTimeout(async () => {
    await refresh();
    schedule();
  }, POLL_MS);
}

export function start() {
  if (running) return;
  running = true;
  refresh();
  schedule();
}

export function stop() {
  running = false;
  newest = undefined;
  clearTimeout(timer);
  show(0, false);
}

// A hidden tab asks nothing; back on screen, it asks at once.
document.addEventListener('visibilitychange', () => {
  if (!running) return;
  if (!document.hidden) refresh();
  schedule();
});
