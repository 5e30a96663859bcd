// One alarm: the full picture, the video in the page, downloads and delete.
// Opening it marks it reviewed.
import { api } from './api.js';
import { $, say, time } from './dom.js';
import * as alarms from './alarms.js';

let current = null;

function reset() {
  const video = $('alarm-video');
  video.pause();
  video.removeAttribute('src');
  video.load();
  $('alarm-picture').removeAttribute('src');
  $('alarm-video-figure').hidden = true;
  $('download-video').hidden = true;
  $('alarm-media-note').textContent = '';
  $('alarm-view-message').textContent = '';
}

$('delete-alarm').addEventListener('click', async () => {
  if (!current || !confirm('Delete this alarm with its picture and video?')) return;
  try {
    await api('DELETE', `/api/alarms/${current.alarmId}`);
    alarms.forget(current.alarmId);
    say('alarm deleted');
    location.hash = '#/alarms';
  } catch (error) {
    $('alarm-view-message').textContent = error.message;
  }
});

export async function show(alarmId) {
  reset();
  current = null;
  $('alarm-title').textContent = 'Alarm';
  $('alarm-meta').textContent = '';
  try {
    const alarm = await api('GET', `/api/alarms/${alarmId}`);
    current = alarm;
    const camera = alarm.cameraName ? `${alarm.cameraName} (${alarm.vuid})` : alarm.vuid;
    $('alarm-title').textContent = `${alarm.alarmTypeName}, ${alarm.cameraName || alarm.vuid}`;
    $('alarm-meta').textContent = `${camera} · ${alarm.alarmTypeName} (${alarm.alarmTypeHex}) · ${time(alarm.receivedAtMs)}`;
    $('alarm-picture').src = alarm.pictureUrl;
    $('download-picture').href = alarm.pictureDownloadUrl;
    if (alarm.videoUrl) {
      $('alarm-video').src = alarm.videoUrl;
      $('alarm-video-figure').hidden = false;
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
    }
  } catch (error) {
    $('alarm-view-message').textContent = error.message;
  }
}

export function hide() {
  reset();
}
