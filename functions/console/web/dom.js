// Small DOM helpers shared by the views: build elements without innerHTML, so no text
// from the API is ever parsed as markup.

export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined));
  return element;
}

export const $ = (id) => document.getElementById(id);

export function time(epochMs) {
  if (!epochMs) return 'never';
  return new Date(epochMs).toLocaleString();
}

// Short enough for a tile on a phone: the time today, else the day and the time.
export function shortTime(epochMs) {
  const at = new Date(epochMs);
  const clock = { hour: 'numeric', minute: '2-digit' };
  if (at.toDateString() === new Date().toDateString()) return at.toLocaleTimeString([], clock);
  return at.toLocaleString([], { month: 'short', day: 'numeric', ...clock });
}

export function ago(epochSeconds) {
  if (!epochSeconds) return 'never';
  const seconds = Math.max(0, Math.round(Date.now() / 1000 - epochSeconds));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 129600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}

// One status line at the bottom of the screen for what the views report.
let statusTimer = 0;
export function say(text) {
  const status = $('status');
  status.textContent = text;
  clearTimeout(statusTimer);
  if (text) statusTimer = setTimeout(() => { status.textContent = ''; }, 6000);
}

// Saves a file from a presigned URL (S3 answers it as an attachment).
export function download(url) {
  const link = el('a', { href: url, rel: 'noreferrer', download: '' });
  document.body.append(link);
  link.click();
  link.remove();
}
