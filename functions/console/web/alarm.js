// One alarm: the picture full width, the video right after it, downloads and delete;
// previous and next through the grid's list (buttons, a swipe on the picture, the arrow
// keys). Opening it marks it reviewed.
import { api } from './api.js';
import { $, say, time } from './dom.js';
import * as alarms from './alarms.js';
import { severityLabel } from './tiles.js';
import { refresh as countUnreviewed } from './unreviewed.js';

let current = null;
// The alarm being opened: an answer about another one (the reader moved on) is dropped.
let showing = null;
let neighbours = { previous: null, next: null };

function go(alarmId) {
  if (alarmId) location.hash = `#/alarms/${alarmId}`;
}

$('alarm-previous').addEventListener('click', () => go(neighbours.previous));
$('alarm-next').addEventListener('click', () => go(neighbours.next));

// Arrow keys, unless a field or the video on screen (which seeks with them) has the focus.
document.addEventListener('keydown', (event) => {
  if ($('alarm-view').hidden || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  if (event.target.closest?.('input, select, textarea, dialog')) return;
  if (event.target.tagName === 'VIDEO' && !event.target.hidden) return;
  if (event.key === 'ArrowLeft') go(neighbours.previous);
  else if (event.key === 'ArrowRight') go(neighbours.next);
});

// A swipe across the picture or video: left for the next alarm, right for the previous.
let touch = null;
$('alarm-media').addEventListener('touchstart', (event) => {
  touch = event.touches.length === 1 ? { x: event.touches[0].clientX, y: event.touches[0].clientY } : null;
}, { passive: true });
$('alarm-media').addEventListener('touchend', (event) => {
  if (!touch || event.changedTouches.length !== 1) return;
  const dx = event.changedTouches[0].clientX - touch.x;
  const dy = event.changedTouches[0].clientY - touch.y;
  touch = null;
  if (Math.abs(dx) < 60 || Math.abs(dx) < 2 * Math.abs(dy)) return;
  go(dx < 0 ? neighbours.next : neighbours.previous);
});

async function showNeighbours(alarmId) {
  neighbours = { previous: null, next: null };
  $('alarm-previous').disabled = true;
  $('alarm-next').disabled = true;
  $('alarm-position').textContent = '';
  try {
    const found = await alarms.around(alarmId);
    if (showing !== alarmId) return;
    neighbours = found;
    $('alarm-previous').disabled = !found.previous;
    $('alarm-next').disabled = !found.next;
    $('alarm-position').textContent = found.position;
  } catch {
    // Without the list the alarm is still shown; only previous and next are missing.
  }
}

function reset() {
  const video = $('alarm-video');
  video.pause();
  video.removeAttribute('src');
  video.load();
  $('alarm-picture').removeAttribute('src');
  video.hidden = true;
  $('download-video').hidden = true;
  // Shown again once the alarm is read: an alarm that does not exist (deleted, expired,
  // another site's) shows no empty frame (show's catch hides it; hidden meanwhile, the
  // pager would jump under a finger tapping Next), nor the previous alarm's download link.
  $('alarm-media').hidden = false;
  $('download-picture').removeAttribute('href');
  for (const id of ['download-picture', 'delete-alarm']) $(id).hidden = true;
  $('alarm-media-note').textContent = '';
  $('alarm-view-message').textContent = '';
}

$('delete-alarm').addEventListener('click', async () => {
  if (!current || !confirm('Delete this alarm with its picture and video?')) return;
  try {
    await api('DELETE', `/api/alarms/${current.alarmId}`);
    alarms.forget(current.alarmId);
    countUnreviewed();
    say('alarm deleted');
    location.hash = '#/alarms';
  } catch (error) {
    $('alarm-view-message').textContent = error.message;
  }
});

export async function show(alarmId) {
  reset();
  current = null;
  showing = alarmId;
  $('alarm-title').textContent = 'Alarm';
  $('alarm-severity').replaceChildren();
  $('alarm-meta').textContent = '';
  const listing = showNeighbours(alarmId);
  try {
    const alarm = await api('GET', `/api/alarms/${alarmId}`);
    current = alarm;
    // The title names the camera; the line under it adds its vuid (once, when it has a name).
    $('alarm-title').textContent = `${alarm.alarmTypeName}, ${alarm.cameraName || alarm.vuid}`;
    $('alarm-severity').replaceChildren(...[severityLabel(alarm)].filter(Boolean));
    const parts = [time(alarm.receivedAtMs), ...(alarm.cameraName ? [alarm.vuid] : []), alarm.alarmTypeHex];
    $('alarm-meta').textContent = parts.join(' · ');
    $('alarm-picture').src = alarm.pictureUrl;
    $('download-picture').href = alarm.pictureDownloadUrl;
    for (const id of ['download-picture', 'delete-alarm']) $(id).hidden = false;
    if (alarm.videoUrl) {
      $('alarm-video').src = alarm.videoUrl;
      $('alarm-video').hidden = false;
    }
    if (alarm.videoDownloadUrl) {
      $('download-video').href = alarm.videoDownloadUrl;
      $('download-video').hidden = false;
      if (!alarm.videoUrl) {
        $('alarm-media-note').textContent =
          alarm.mediaError || 'This video cannot play in a browser: download it to watch it.';
      }
    }
    if (!alarm.reviewedAt) {
      await api('POST', '/api/alarms/review', { alarmIds: [alarm.alarmId], reviewed: true });
      alarms.markReviewed(alarm.alarmId);
      countUnreviewed();
    }
  } catch (error) {
    if (!current) $('alarm-media').hidden = true;
    $('alarm-view-message').textContent = error.message;
  }
  await listing;
}

export function hide() {
  reset();
}
