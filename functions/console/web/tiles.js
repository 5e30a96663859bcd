// One alarm as a tile: the thumbnail, the camera, the alarm type in words, the time,
// "new" when unreviewed; an alert (smoke, fire, the doorbell, a person...) stands out by
// colour, an icon and the word. The alarms grid and the offline view both show these.
import { el, shortTime, time } from './dom.js';

// An alert is marked three ways: never by colour alone. U+FE0E: the text form of the sign.
export function severityLabel(alarm) {
  if (alarm.severity !== 'alert') return null;
  return el('span', { class: 'severity-alert' }, el('span', { 'aria-hidden': 'true' }, '\u26A0\uFE0E '), 'Alert');
}

export function alarmTile(alarm, { link = true, select = null } = {}) {
  const label = alarm.cameraName || alarm.vuid;
  const picture = alarm.thumbnailUrl
    ? el('img', { src: alarm.thumbnailUrl, alt: `${alarm.alarmTypeName}, ${label}`, loading: 'lazy' })
    : el('span', { class: 'no-picture' }, 'no picture');
  const classes = [alarm.reviewedAt ? '' : 'unreviewed', alarm.severity === 'alert' ? 'alert' : ''];
  return el(
    'li',
    {
      class: classes.filter(Boolean).join(' '),
      dataset: { alarmId: alarm.alarmId, severity: alarm.severity || 'detection' },
    },
    select,
    link ? el('a', { href: `#/alarms/${alarm.alarmId}` }, picture) : picture,
    el(
      'div',
      { class: 'caption' },
      severityLabel(alarm),
      el('strong', {}, label),
      el('span', {}, alarm.alarmTypeName),
      alarm.reviewedAt ? null : el('span', { class: 'new' }, 'new'),
      el('br'),
      el(
        'time',
        { datetime: new Date(alarm.receivedAtMs).toISOString(), title: time(alarm.receivedAtMs) },
        shortTime(alarm.receivedAtMs),
      ),
    ),
  );
}
