// An admin's Users page: the console's users with their role and sites, inviting a user
// (Cognito emails them a temporary password), changing a user's role or sites, removing
// one, and the audit trail of changes. Only admins see the page; the API refuses its
// routes to everyone else whatever the page does.
import { api, query } from './api.js';
import { $, el, say, time } from './dom.js';

let me = '';
let editing = null;

function describeSites(user) {
  if (user.role === 'admin') return 'every site';
  if (user.allSites) return 'all sites';
  return (user.sites || []).join(', ') || 'no site';
}

function mfa(user) {
  if (user.mfa === true) return 'on';
  if (user.mfa === false) return 'off';
  return '-';
}

function row(user) {
  const own = user.username.toLowerCase() === me.toLowerCase();
  return el(
    'tr',
    { dataset: { user: user.username } },
    el('td', {}, el('strong', {}, user.username), own ? el('div', { class: 'vuid' }, 'you') : null),
    el('td', {}, user.role || 'no role'),
    el('td', {}, user.role ? describeSites(user) : '-'),
    el('td', {}, mfa(user)),
    el('td', {}, user.status || '-'),
    el('td', {}, user.lastSignIn ? time(user.lastSignIn * 1000) : '-'),
    el(
      'td',
      {},
      own
        ? null
        : el(
            'div',
            { class: 'buttons' },
            el('button', { type: 'button', onclick: () => edit(user) }, 'Change'),
            el('button', { type: 'button', class: 'danger', onclick: () => remove(user) }, 'Remove'),
          ),
    ),
  );
}

function siteChoices(sites, chosen) {
  $('user-site-choices').replaceChildren(
    ...sites.map((site) =>
      el(
        'label',
        { class: 'choice' },
        el('input', { type: 'checkbox', name: 'site', value: site, checked: chosen.includes(site) }),
        ` ${site}`,
      ),
    ),
  );
  $('user-no-sites').hidden = sites.length > 0;
}

function chosenSites() {
  const ticked = [...document.querySelectorAll('#user-site-choices input:checked')].map((box) => box.value);
  const typed = $('user-more-sites').value.split(',').map((site) => site.trim()).filter(Boolean);
  return [...new Set([...ticked, ...typed])];
}

function roleChanged() {
  $('user-sites').hidden = $('user-role').value !== 'viewer';
  // All sites: the site boxes mean nothing then.
  const some = !$('user-all-sites').checked;
  for (const box of document.querySelectorAll('#user-site-choices input')) box.disabled = !some;
  $('user-more-sites').disabled = !some;
}

let knownSites = [];

function resetForm() {
  editing = null;
  $('user-form').reset();
  $('user-email').disabled = false;
  $('user-form-title').textContent = 'Invite a user';
  $('user-submit').textContent = 'Invite';
  $('user-cancel').hidden = true;
  siteChoices(knownSites, []);
  roleChanged();
}

function edit(user) {
  editing = user.username;
  $('user-form-title').textContent = `Change ${user.username}`;
  $('user-email').value = user.username;
  $('user-email').disabled = true;
  $('user-role').value = user.role || 'viewer';
  $('user-all-sites').checked = Boolean(user.allSites) && user.role === 'viewer';
  const sites = user.sites || [];
  siteChoices([...new Set([...knownSites, ...sites])], sites);
  $('user-more-sites').value = '';
  $('user-submit').textContent = 'Save';
  $('user-cancel').hidden = false;
  roleChanged();
  $('user-form').scrollIntoView({ block: 'nearest' });
}

async function remove(user) {
  if (!confirm(`Remove ${user.username}? They are signed out everywhere first.`)) return;
  try {
    const answer = await api('DELETE', `/api/users/${encodeURIComponent(user.username)}`);
    say(answer.message);
    await load();
  } catch (error) {
    $('user-message').textContent = error.message;
  }
}

async function submit(event) {
  event.preventDefault();
  const role = $('user-role').value;
  const body = { role };
  if (role === 'viewer') {
    if ($('user-all-sites').checked) body.allSites = true;
    else body.sites = chosenSites();
  }
  try {
    if (editing) {
      await api('PATCH', `/api/users/${encodeURIComponent(editing)}`, body);
      say(`${editing} changed: it reaches their session within 10 minutes`);
    } else {
      body.email = $('user-email').value.trim();
      await api('POST', '/api/users', body);
      say(`${body.email} invited: Cognito emails them a temporary password`);
    }
    $('user-message').textContent = '';
    await load();
  } catch (error) {
    $('user-message').textContent = error.message;
  }
}

function auditRow(entry) {
  const details = Object.entries(entry.details || {})
    .map(([name, value]) => `${name}=${typeof value === 'object' ? JSON.stringify(value) : value}`)
    .join(' ');
  return el(
    'tr',
    {},
    el('td', {}, time(entry.atMs)),
    el('td', {}, entry.user),
    el('td', {}, entry.source + (entry.origin ? ` ${entry.origin}` : '')),
    el('td', {}, entry.action),
    el('td', {}, entry.target),
    el('td', { class: 'details' }, details || '-'),
  );
}

async function load() {
  const [listing, trail] = await Promise.all([
    api('GET', '/api/users'),
    api('GET', query('/api/audit', { limit: 50 })),
  ]);
  me = listing.me || '';
  knownSites = listing.sites || [];
  $('user-rows').replaceChildren(...listing.users.map(row));
  $('audit-rows').replaceChildren(...trail.entries.map(auditRow));
  $('audit-empty').hidden = trail.entries.length > 0;
  if (!editing) resetForm();
}

$('user-form').addEventListener('submit', submit);
$('user-role').addEventListener('change', roleChanged);
$('user-all-sites').addEventListener('change', roleChanged);
$('user-cancel').addEventListener('click', resetForm);

export async function show() {
  editing = null;
  try {
    await load();
  } catch (error) {
    $('user-message').textContent = error.message;
  }
}

export function hide() {}
