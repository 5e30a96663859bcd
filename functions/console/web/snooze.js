// Snooze on a camera card: until when the camera's notifications are held and why (its
// own snooze or its site's), and the controls to snooze it (or its whole site) for 1 hour,
// 8 hours, until tomorrow 07:00 on this device's clock, or until turned back on, and to
// turn it back on. Any signed-in user may, for the cameras they see (the API checks).
// Snoozed cameras' alarms are still stored and shown in the grid.
import { api } from './api.js';
import { $, el, say } from './dom.js';

// The API's "until turned back on" (9999-12-31 23:59:59 UTC).
export const UNTIL_ON = 253402300799;

let target = null;
let reload = () => {};

// The snooze holding the camera now: the later of its own and its site's, or null.
export function snoozeOf(camera, now = Date.now() / 1000) {
  const own = camera.snoozedUntil > now ? camera.snoozedUntil : 0;
  const site = camera.siteSnoozedUntil > now ? camera.siteSnoozedUntil : 0;
  if (!own && !site) return null;
  return site > own ? { until: site, site: camera.site } : { until: own, site: '' };
}

// "until 07:00", "until tomorrow 07:00", "until Wed 9 Dec 07:00", "until turned back on".
export function untilText(until) {
  if (until >= UNTIL_ON) return 'until turned back on';
  const at = new Date(until * 1000);
  const clock = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const today = new Date();
  if (at.toDateString() === today.toDateString()) return `until ${clock}`;
  const tomorrow = new Date(today);
  tomorrow.setDate(today.getDate() + 1);
  if (at.toDateString() === tomorrow.toDateString()) return `until tomorrow ${clock}`;
  return `until ${at.toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short' })} ${clock}`;
}

export function snoozeText(camera) {
  const snooze = snoozeOf(camera);
  if (!snooze) return 'On';
  return `Snoozed ${untilText(snooze.until)}${snooze.site ? ` (site ${snooze.site})` : ''}`;
}

// The card's "Notifications" value: on, or snoozed until when and whose.
export function snoozeState(camera) {
  const snoozed = snoozeOf(camera) !== null;
  return el('span', { class: snoozed ? 'snooze-state snoozed' : 'snooze-state' }, snoozeText(camera));
}

// The card's snooze controls (every user: not among an admin's controls).
export function snoozeButtons(camera, afterChange) {
  const snooze = snoozeOf(camera);
  const label = camera.name || camera.vuid;
  return el(
    'div',
    { class: 'buttons snooze' },
    el('button', { type: 'button', 'aria-haspopup': 'dialog', onclick: () => open(camera, afterChange) }, snooze ? 'Change snooze' : 'Snooze'),
    snooze
      ? el('button', { type: 'button', onclick: () => wake(`/api/cameras/${camera.vuid}/snooze`, `${label}: notifications on again`, afterChange) }, 'Turn back on')
      : null,
    snooze && snooze.site
      ? el(
          'button',
          { type: 'button', onclick: () => wake(`/api/sites/${encodeURIComponent(snooze.site)}/snooze`, `site ${snooze.site}: notifications on again`, afterChange) },
          `Turn site ${snooze.site} back on`,
        )
      : null,
  );
}

function open(camera, afterChange) {
  target = camera;
  reload = afterChange;
  $('snooze-dialog-title').textContent = `Snooze ${camera.name || camera.vuid}`;
  $('snooze-whole-site').checked = false;
  $('snooze-site-choice').hidden = !camera.site;
  $('snooze-site-name').textContent = camera.site || '';
  $('snooze-dialog').showModal();
}

async function wake(path, done, afterChange) {
  try {
    await api('DELETE', path);
    $('camera-message').textContent = done;
    afterChange();
  } catch (error) {
    say(error.message);
  }
}

$('snooze-dialog').addEventListener('close', async () => {
  const choice = $('snooze-dialog').returnValue;
  const camera = target;
  target = null;
  if (!camera || !['1h', '8h', 'morning', 'on'].includes(choice)) return;
  const site = $('snooze-whole-site').checked && camera.site;
  const path = site ? `/api/sites/${encodeURIComponent(site)}/snooze` : `/api/cameras/${camera.vuid}/snooze`;
  try {
    // "morning" is 07:00 on this device's clock: the server is told the device's zone.
    const answer = await api('PUT', path, {
      choice,
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
    });
    const what = site ? `site ${site} (${answer.cameras.length} camera${answer.cameras.length === 1 ? '' : 's'})` : camera.name || camera.vuid;
    $('camera-message').textContent = `Snoozed ${what} ${untilText(answer.until)}: its alarms are still stored`;
    reload();
  } catch (error) {
    $('camera-message').textContent = error.message;
  }
});
