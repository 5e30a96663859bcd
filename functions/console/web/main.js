// Starts the console: shows the sign-in view until there is a session, then the view the
// address names (#/cameras, #/alarms, #/alarms/<alarm id>, #/day/<YYYY-MM-DD>); the offline view whenever the
// server cannot be reached. Registers the service worker that makes it an app.
import { onSignedOut, onUnreachable } from './api.js';
import * as auth from './auth.js';
import { $, say } from './dom.js';
import * as alarm from './alarm.js';
import * as alarms from './alarms.js';
import * as cameras from './cameras.js';
import * as day from './day.js';
import * as notify from './notify.js';
import * as offline from './offline.js';
import * as signin from './signin.js';
import * as unreviewed from './unreviewed.js';
import * as users from './users.js';

const views = { signin, cameras, alarms, alarm, day, offline, users, notify };
// How long signing out waits for this device's web push to be removed (it goes on after).
const SIGN_OUT_WAIT_MS = 3000;
let current = null;
let resynced = false; // this device's push subscription checked once a page load (notify.js)

function mark(id, here) {
  if (here) $(id).setAttribute('aria-current', 'page');
  else $(id).removeAttribute('aria-current');
}

function open(name, ...parameters) {
  if (current && current !== name) views[current].hide();
  current = name;
  for (const view of Object.keys(views)) $(`${view}-view`).hidden = view !== name;
  $('bar').hidden = name === 'signin' || name === 'offline';
  if (name === 'signin' || name === 'offline') unreviewed.stop();
  else unreviewed.start();
  mark('nav-cameras', name === 'cameras');
  mark('nav-alarms', name === 'alarms' || name === 'alarm');
  mark('nav-users', name === 'users');
  mark('nav-notify', name === 'notify');
  mark('nav-day', name === 'day');
  views[name].show(...parameters);
}

function route() {
  if (navigator.onLine === false) {
    open('offline');
    return;
  }
  if (!auth.signedIn()) {
    open('signin', route);
    return;
  }
  $('who').textContent = auth.userName();
  // An admin's controls and the Users page only on an admin's page (layout only: the API
  // enforces roles and sites from the verified token).
  const { role } = auth.access();
  document.body.dataset.role = role;
  $('nav-users').hidden = role !== 'admin';
  if (role === 'none') say('Your account has no role in this console yet: ask an admin to give you one.');
  if (!resynced) {
    resynced = true;
    notify.resync();
  }
  const [, view, id] = location.hash.split('/');
  if (view === 'users' && role === 'admin') open('users');
  else if (view === 'cameras') open('cameras');
  else if (view === 'notify') open('notify');
  else if (view === 'day') open('day', id ? decodeURIComponent(id) : '');
  else if (view === 'alarms' && id) open('alarm', decodeURIComponent(id));
  else open('alarms');
}

onSignedOut(() => {
  say('Please sign in.');
  open('signin', route);
});

unreviewed.onNew(() => {
  alarms.fresh();
  day.fresh();
});

onUnreachable(() => {
  if (current !== 'offline') open('offline');
});
$('offline-retry').addEventListener('click', () => route());
window.addEventListener('online', () => {
  if (current === 'offline') route();
});
window.addEventListener('offline', () => open('offline'));

// The account menu closes when one of its buttons is pressed or anything else is touched.
document.addEventListener('click', (event) => {
  if (!$('account').contains(event.target) || event.target.closest('button')) $('account').open = false;
});

$('sign-out').addEventListener('click', async () => {
  // First: it needs the session that signing out ends. Waited for a few seconds at most:
  // signing out must not hang on a network that does not answer (it goes on meanwhile).
  const forgotten = notify.forgetThisDevice().catch(() => {});
  await Promise.race([forgotten, new Promise((done) => setTimeout(done, SIGN_OUT_WAIT_MS))]);
  await Promise.all([auth.signOut(), offline.forgetAll()]);
  open('signin', route);
});

// Two-step sign-in for a signed-in user (when the stack leaves it optional).
$('mfa-button').addEventListener('click', async () => {
  try {
    const secret = await auth.associateMfa();
    const code = prompt(`Add this key to your authenticator app (time-based, 6 digits), then enter the code it shows:\n\n${secret}`);
    if (!code) return;
    await auth.enableMfa(code.trim());
    say('Two-step sign-in is on: the next sign-in asks for a code.');
  } catch (error) {
    say(error.message);
  }
});

window.addEventListener('hashchange', route);

// A tap on a notification (sw.js) shows its alarm or camera in the console already open.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.addEventListener('message', (event) => {
    if (event.data?.type !== 'open') return;
    const url = new URL(event.data.url, location.href);
    if (url.origin !== location.origin) return;
    if (url.pathname === location.pathname) location.hash = url.hash;
    else location.assign(url.href);
  });
}
// A module runs after the document is parsed: the elements are all there.
route();

// The app shell for offline starts and the home screen (sw.js). Where there is no service
// worker (an insecure origin, a private window in some browsers) the console works as a page.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
}
