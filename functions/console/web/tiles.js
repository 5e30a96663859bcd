// One alarm as a tile: the thumbnail, the camera, the alarm type in words, the time,
// "new" when unreviewed. The alarms grid and the offline view both show these.
import { el, shortTime, time } from './dom.js';

export function alarmTile(alarm, { link = true, select = null } = {}) {
  const label = alarm.cameraName || alarm.vuid;
  const picture = alarm.thumbnailUrl
    ? el('img', { src: alarm.thumbnailUrl, alt: `${alarm.alarmTypeName}, ${label}`, loading: 'lazy' })
    : el('span', { class: 'no-picture' }, 'no picture');
  return el(
    'li',
    { class: alarm.reviewedAt ? '' : 'unreviewed', dataset: { alarmId: alarm.alarmId } },
    select,
    link ? el('a', { href: `#/alarms/${alarm.alarmId}` }, picture) : picture,
    el(
      'div',
      { class: 'caption' },
      el('strong', {}, label),
      el('span', {}, alarm.alarmTypeName),
      alarm.reviewedAt ? null : el('span', { class: 'new' }, ' new'),
      el('br'),
      el(
        'time',
        { datetime: new Date(alarm.receivedAtMs).toISOString(), title: time(alarm.receivedAtMs) },
        shortTime(alarm.receivedAtMs),
      ),
    ),
  );
}
