/** Pure parts of the caller experience: configuration keys and what announcements say. */
import { describe, expect, it } from 'vitest';
import { holdTimeMedia, periodicMedia, positionMedia } from '../../src/acd/announcements.js';
import { resolveConfigFile } from '../../src/config.js';

const withQueue = (extra: Record<string, unknown>) => ({ queues: [{ id: 'sales', ...extra }, { id: 'backup' }] });

describe('caller experience configuration', () => {
  it('fills defaults and keeps what is given', () => {
    const [sales] = resolveConfigFile(withQueue({ timeoutS: 60, exitKey: '#', joinEmpty: ['unavailable'], announce: { frequencyS: 30 } })).queues;
    expect(sales).toMatchObject({
      musicClass: 'default',
      timeoutS: 60,
      exitKey: '#',
      joinEmpty: ['unavailable'],
      announce: { frequencyS: 30, minIntervalS: 0, position: true, holdTime: true },
    });
    // Keys not given stay absent (rule off).
    for (const key of ['callback', 'maxLen', 'leaveWhenEmpty', 'overflowQueue', 'resumeWindowS']) expect(sales).not.toHaveProperty(key);
    const [cb] = resolveConfigFile(withQueue({ callback: { key: '5', dialString: 'PJSIP/{number}@trunk' } })).queues;
    expect(cb.callback).toEqual({ key: '5', dialString: 'PJSIP/{number}@trunk', attempts: 3, retryDelayS: 30, ringTimeoutS: 30 });
  });

  it.each([
    [{ overflowQueue: 'nowhere' }, "queues[0].overflowQueue: unknown queue 'nowhere'"],
    [{ overflowQueue: 'sales' }, 'queues[0].overflowQueue: a queue cannot overflow into itself'],
    [{ exitKey: '5', callback: { key: '5', dialString: 'Local/{number}@out' } }, "queues[0].callback.key: same key as exitKey ('5')"],
    [{ exitKey: '55' }, 'queues[0].exitKey'],
    [{ joinEmpty: ['nobody'] }, 'queues[0].joinEmpty[0]'],
    [{ callback: { key: '5', dialString: 'PJSIP/trunk' } }, 'queues[0].callback.dialString'],
    [{ timeoutS: -1 }, 'queues[0].timeoutS'],
  ])('refuses %j naming the key', (extra, message) => {
    expect(() => resolveConfigFile(withQueue(extra))).toThrow(message);
  });
});

describe('announcement media', () => {
  it('says the position, then the hold time, then thanks', () => {
    expect(positionMedia(3, 125_000, { position: true, holdTime: true })).toEqual([
      'sound:queue-thereare',
      'number:3',
      'sound:queue-callswaiting',
      'sound:queue-holdtime',
      'number:2',
      'sound:queue-minutes',
      'number:5',
      'sound:queue-seconds',
      'sound:queue-thankyou',
    ]);
    expect(positionMedia(1, 0, { position: true, holdTime: true })).toEqual(['sound:queue-youarenext', 'sound:queue-thankyou']);
    expect(positionMedia(0, 10_000, { position: true, holdTime: true })).toEqual([]);
    expect(positionMedia(2, 0, { position: false, holdTime: true })).toEqual([]);
  });

  it('words hold times like app_queue', () => {
    expect(holdTimeMedia(20_000)).toEqual(['sound:queue-less-than', 'number:1', 'sound:queue-minute']);
    expect(holdTimeMedia(60_000)).toEqual(['number:1', 'sound:queue-minute']);
    expect(holdTimeMedia(183_000)).toEqual(['number:3', 'sound:queue-minutes', 'number:5', 'sound:queue-seconds']);
  });

  it('plays the periodic sounds in turn', () => {
    const periodic = { sounds: ['queue-periodic-announce', 'recording:promo'] };
    expect([0, 1, 2].map((seq) => periodicMedia(periodic, seq))).toEqual([['sound:queue-periodic-announce'], ['recording:promo'], ['sound:queue-periodic-announce']]);
  });
});
