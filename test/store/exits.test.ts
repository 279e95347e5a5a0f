/** Caller-experience store rules: join refusals, leaving alive, overflow, resume, estimated wait. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { AcdEvent } from '../../src/domain/events.js';
import { createAdminOps } from '../../src/store/adminOps.js';
import { agentDef, by, caller, queueDef, type TestStore, useTestStore } from '../helpers/store.js';

let t: TestStore;
useTestStore((store) => (t = store));

const events = async (): Promise<AcdEvent[]> => (await t.store.readEvents('0', { count: 10_000 })).map((e) => e.event);
const waitingIds = async (queue: string) => (await t.store.waitingCalls(queue)).map((c) => c.id);

describe('enqueue rules', () => {
  it('refuses a caller beyond maxLen with FULL and writes nothing', async () => {
    await t.store.upsertQueue(queueDef('q', { maxLen: 2 }));
    expect((await t.store.enqueue(caller('c1', 'q'))).created).toBe(true);
    expect((await t.store.enqueue(caller('c2', 'q'))).created).toBe(true);
    expect(await t.store.enqueue(caller('c3', 'q'))).toEqual({ position: 0, created: false, rejected: 'FULL' });
    expect(await t.store.getCall('c3')).toBeUndefined();
    expect((await events()).filter((e) => e.type === 'QueueCallerJoin')).toHaveLength(2);
  });

  it('JOINEMPTY by agent conditions: nobody logged in, then all paused', async () => {
    await t.store.upsertQueue(queueDef('q', { joinEmpty: ['unavailable', 'paused'] }));
    await t.store.upsertAgent(agentDef('a1', ['q']));
    expect((await t.store.enqueue(caller('c1', 'q'))).rejected).toBe('JOINEMPTY');
    await t.store.login('a1', undefined, by); // not ready = paused
    expect((await t.store.enqueue(caller('c1', 'q'))).rejected).toBe('JOINEMPTY');
    await t.store.setReady('a1', by);
    expect((await t.store.enqueue(caller('c1', 'q'))).created).toBe(true);
    // Busy agents count as present unless 'inuse' is listed.
    expect(await t.store.assign({ queue: 'q' }, 'leg-1')).not.toBeNull();
    expect((await t.store.enqueue(caller('c2', 'q'))).created).toBe(true);
  });

  it('a member paused in the queue (QueuePause) counts as paused', async () => {
    await t.store.upsertQueue(queueDef('q', { joinEmpty: ['paused'] }));
    await t.store.upsertAgent(agentDef('a1', ['q']));
    await t.store.login('a1', undefined, { ...by, ready: true });
    await createAdminOps(t.redis, t.tenant).pauseMember('q', 'a1', true, 'meeting');
    expect((await t.store.enqueue(caller('c1', 'q'))).rejected).toBe('JOINEMPTY');
    await t.store.upsertQueue(queueDef('q', { joinEmpty: ['unavailable'] }));
    expect((await t.store.enqueue(caller('c1', 'q'))).created).toBe(true);
  });
});

describe('leaveQueue', () => {
  beforeEach(async () => {
    await t.store.upsertQueue(queueDef('q', { leaveWhenEmpty: ['unavailable'] }));
    await t.store.upsertQueue(queueDef('over'));
    await t.store.upsertAgent(agentDef('a1', ['q']));
  });

  it('removes a waiting caller with QueueCallerLeave {reason}; a replay changes nothing', async () => {
    await t.store.enqueue(caller('c1', 'q'));
    const left = await t.store.leaveQueue('c1', 'TIMEOUT');
    expect(left).toMatchObject({ ok: true, state: 'waiting', callerChannel: 'chan-c1', queue: 'q' });
    expect(await t.store.getCall('c1')).toBeUndefined();
    expect(await t.store.callIdByChannel('chan-c1')).toBeUndefined();
    expect(await t.store.leaveQueue('c1', 'TIMEOUT')).toEqual({ ok: false, why: 'gone' });
    expect((await events()).at(-1)).toMatchObject({ type: 'QueueCallerLeave', callId: 'c1', reason: 'TIMEOUT' });
  });

  it('an offered caller leaving frees its agent', async () => {
    await t.store.login('a1', undefined, { ...by, ready: true });
    await t.store.enqueue(caller('c1', 'q'));
    await t.store.assign({ queue: 'q' }, 'leg-1');
    const left = await t.store.leaveQueue('c1', 'WITHDRAW');
    expect(left).toMatchObject({ ok: true, state: 'offering', agentId: 'a1', agentChannel: 'leg-1' });
    expect((await t.store.getAgent('a1'))?.status).toBe('ready');
    expect(await t.store.callIdByChannel('leg-1')).toBeUndefined();
  });

  it('is fenced by joinSeq and does nothing to a connected call', async () => {
    await t.store.login('a1', undefined, { ...by, ready: true });
    await t.store.enqueue(caller('c1', 'q'));
    const stay = await t.store.stayOf('c1');
    expect(await t.store.leaveQueue('c1', 'TIMEOUT', { fence: stay!.joinSeq + 1 })).toEqual({ ok: false, why: 'fence' });
    await t.store.assign({ queue: 'q' }, 'leg-1');
    await t.store.connect('c1', 'leg-1', 'b1');
    expect(await t.store.leaveQueue('c1', 'TIMEOUT', { fence: stay!.joinSeq })).toEqual({ ok: false, why: 'connected' });
  });

  it('leave-when-empty leaves only while the rule holds', async () => {
    await t.store.login('a1', undefined, by);
    await t.store.enqueue(caller('c1', 'q'));
    expect(await t.store.leaveQueue('c1', 'LEAVEEMPTY', { onlyIfEmpty: true })).toEqual({ ok: false, why: 'notempty' });
    await t.store.logout('a1', '', by);
    expect(await t.store.leaveQueue('c1', 'LEAVEEMPTY', { onlyIfEmpty: true })).toMatchObject({ ok: true });
  });

  it('overflow moves the caller to the other queue keeping its seniority', async () => {
    await t.store.enqueue(caller('old', 'q', { priority: 3 }));
    await t.store.enqueue(caller('x', 'over'));
    const before = await t.store.stayOf('old');
    const left = await t.store.leaveQueue('old', 'TIMEOUT', { overflowTo: 'over' });
    expect(left).toMatchObject({ ok: true, movedTo: 'over', queue: 'q' });
    expect(await waitingIds('q')).toEqual([]);
    expect(await waitingIds('over')).toEqual(['old', 'x']);
    const after = await t.store.stayOf('old');
    expect(after).toMatchObject({ queue: 'over', state: 'waiting' });
    expect(after!.joinSeq).not.toBe(before!.joinSeq);
    expect((await t.store.getCall('old'))?.priority).toBe(3);
    expect((await events()).slice(-2)).toMatchObject([
      { type: 'QueueCallerLeave', queue: 'q', reason: 'TIMEOUT' },
      { type: 'QueueCallerJoin', queue: 'over', from: 'q', position: 1 },
    ]);
  });

  it('overflow into a full queue leaves instead', async () => {
    await t.store.upsertQueue(queueDef('over', { maxLen: 1 }));
    await t.store.enqueue(caller('x', 'over'));
    await t.store.enqueue(caller('c1', 'q'));
    const left = await t.store.leaveQueue('c1', 'TIMEOUT', { overflowTo: 'over' });
    expect(left).toMatchObject({ ok: true, queue: 'q' });
    expect(left).not.toHaveProperty('movedTo');
    expect(await t.store.getCall('c1')).toBeUndefined();
  });
});

describe('abandoned-resume', () => {
  it('a caller who hung up gets its old place back within the window', async () => {
    await t.store.upsertQueue(queueDef('q', { resumeWindowS: 60 }));
    await t.store.enqueue(caller('first', 'q', { callerNumber: '111' }));
    await t.store.enqueue(caller('second', 'q', { callerNumber: '222' }));
    await t.store.endCall('first', 'caller');
    await t.store.enqueue(caller('third', 'q', { callerNumber: '333' }));
    const again = await t.store.enqueue(caller('first-again', 'q', { callerNumber: '111', callerChannel: 'chan-again' }));
    expect(again.position).toBe(1);
    expect(await waitingIds('q')).toEqual(['first-again', 'second', 'third']);
    expect((await events()).filter((e) => e.type === 'QueueCallerJoin').at(-1)).toMatchObject({ resumed: true });
    // Used once: a third call from 111 queues at the back.
    await t.store.endCall('first-again', 'agent');
    expect((await t.store.enqueue(caller('fourth', 'q', { callerNumber: '111', callerChannel: 'chan-4' }))).position).toBe(3);
  });

  it('no resume when the window is off', async () => {
    await t.store.upsertQueue(queueDef('q'));
    await t.store.enqueue(caller('first', 'q', { callerNumber: '111' }));
    await t.store.enqueue(caller('second', 'q', { callerNumber: '222' }));
    await t.store.endCall('first', 'caller');
    expect((await t.store.enqueue(caller('again', 'q', { callerNumber: '111', callerChannel: 'chan-again' }))).position).toBe(2);
  });
});

describe('estimated wait', () => {
  it('uses the moving average handle time of completed calls and the staffed agents', async () => {
    await t.store.upsertQueue(queueDef('q', { defaultHandleS: 60 }));
    await t.store.upsertAgent(agentDef('a1', ['q']));
    await t.store.upsertAgent(agentDef('a2', ['q']));
    await t.store.login('a1', undefined, by);
    await t.store.login('a2', undefined, by);
    // Nobody staffed yet: the default handle time per caller ahead.
    expect(await t.store.waitInfo('q')).toMatchObject({ position: 1, ewtMs: 60_000, waiting: 0, completed: 0 });
    await t.store.setReady('a1', by);
    expect((await t.store.waitInfo('q')).ewtMs).toBe(0); // a ready agent takes it at once
    await t.store.enqueue(caller('c1', 'q'));
    await t.store.assign({ queue: 'q' }, 'leg-1');
    await t.store.connect('c1', 'leg-1', 'b1');
    await t.store.endCall('c1', 'agent');
    const info = await t.store.waitInfo('q');
    expect(info.completed).toBe(1);
    expect(info.ahtMs).toBeGreaterThanOrEqual(0);
    expect(info.ahtMs).toBeLessThan(5_000);
    await t.store.setReady('a2', by);
    await t.store.enqueue(caller('c2', 'q'));
    await t.store.enqueue(caller('c3', 'q'));
    // a1 and a2 ready: both callers would be served at once.
    expect((await t.store.waitInfo('q', 'c2')).position).toBe(1);
    expect((await t.store.waitInfo('q', 'c3')).ewtMs).toBe(0);
    expect((await t.store.waitInfo('q', 'nope')).position).toBe(0);
  });
});

describe('estimated wait per skill set', () => {
  it('counts the callers ahead with the same requirements and the staffed members who satisfy them', async () => {
    await t.store.upsertQueue(queueDef('q', { defaultHandleS: 60 }));
    await t.store.upsertAgent(agentDef('a1', ['q'], { skills: { english: 3 } }));
    await t.store.upsertAgent(agentDef('a2', ['q'], { skills: { french: 3 } }));
    for (const id of ['a1', 'a2']) await t.store.login(id, undefined, { ...by, ready: true });
    // Both agents take a call: staffed, none free.
    await t.store.enqueue(caller('x1', 'q'));
    await t.store.enqueue(caller('x2', 'q'));
    await t.store.assign({ queue: 'q' }, 'leg-1');
    await t.store.assign({ queue: 'q' }, 'leg-2');
    await t.store.enqueue(caller('en1', 'q', { skills: { english: 2 } }));
    await t.store.enqueue(caller('fr1', 'q', { skills: { french: 2 } }));
    await t.store.enqueue(caller('en2', 'q', { skills: { english: 2 } }));
    await t.store.enqueue(caller('any', 'q'));
    expect((await t.store.waitInfo('q', 'en1')).ewtMs).toBe(60_000);
    expect((await t.store.waitInfo('q', 'fr1')).ewtMs).toBe(60_000);
    expect((await t.store.waitInfo('q', 'en2')).ewtMs).toBe(120_000);
    // No requirements: the whole queue ahead, both agents.
    expect(await t.store.waitInfo('q', 'any')).toMatchObject({ position: 4, ewtMs: 120_000 });
  });
});

describe('callback scripts', () => {
  const cbQueue = queueDef('q', { callback: { key: '5', dialString: 'PJSIP/{number}@trunk', attempts: 2, retryDelayS: 1, ringTimeoutS: 5 } });
  beforeEach(async () => {
    await t.store.upsertQueue(cbQueue);
    await t.store.upsertAgent(agentDef('a1', ['q']));
    await t.store.login('a1', undefined, { ...by, ready: true });
  });

  it('keeps the place without a line, dials on the answering leg, and the answer makes the leg the caller', async () => {
    await t.store.enqueue(caller('c1', 'q', { callerNumber: '555' }));
    await t.store.enqueue(caller('c2', 'q'));
    expect(await t.store.requestCallback('c1', 'wrong-channel', '555')).toBe(false);
    expect(await t.store.requestCallback('c1', 'chan-c1', '555')).toBe(true);
    expect(await t.store.callIdByChannel('chan-c1')).toBeUndefined();
    expect((await t.store.waitingCalls('q')).map((c) => c.id)).toEqual(['c1', 'c2']);
    const offer = await t.store.assign({ queue: 'q' }, 'leg-1');
    expect(offer?.callId).toBe('c1');
    // The answering agent's connect, asked to, leaves a call without its caller to the callback.
    expect(await t.store.connectOffer('c1', 'leg-1', 'bridge-1', true)).toEqual({ ok: false, released: [], callerless: true });
    expect((await t.store.getCall('c1'))?.state).toBe('offering');
    expect(await t.store.callbackDial('c1', 'other-leg', 'cb-1')).toBeUndefined();
    expect(await t.store.callbackDial('c1', 'leg-1', 'cb-1')).toEqual({ attempt: 1, released: [] });
    expect(await t.store.callbackAnswered('c1', 'cb-other')).toBe(false);
    expect(await t.store.callbackAnswered('c1', 'cb-1')).toBe(true);
    expect((await t.store.connectOffer('c1', 'leg-1', 'b1')).ok).toBe(true);
    expect(await t.store.getCall('c1')).toMatchObject({ state: 'connected', callerChannel: 'cb-1', agentId: 'a1' });
    await t.store.endCall('c1', 'caller');
  });

  it('a failed try frees the agent and parks the call until requeued; the last try gives up', async () => {
    await t.store.enqueue(caller('c1', 'q', { callerNumber: '555' }));
    await t.store.requestCallback('c1', 'chan-c1', '555');
    await t.store.assign({ queue: 'q' }, 'leg-1');
    await t.store.callbackDial('c1', 'leg-1', 'cb-1');
    expect(await t.store.callbackFailed('c1', 'cb-other', 2)).toBeUndefined();
    expect(await t.store.callbackFailed('c1', 'cb-1', 2)).toEqual({ outcome: 'retry', agentId: 'a1', agentChannel: 'leg-1', attempt: 1 });
    expect((await t.store.getAgent('a1'))?.status).toBe('ready');
    expect(await t.store.waitingCalls('q')).toEqual([]); // parked
    expect(await t.store.assign({ queue: 'q' }, 'leg-x')).toBeNull();
    expect(await t.store.callbackRequeue('c1', 2)).toBeUndefined(); // fenced by the attempt
    expect(await t.store.callbackRequeue('c1', 1)).toBe('q');
    expect(await t.store.callbackRequeue('c1', 1)).toBeUndefined(); // once
    await t.store.assign({ queue: 'q' }, 'leg-2');
    expect((await t.store.callbackDial('c1', 'leg-2', 'cb-2'))?.attempt).toBe(2);
    expect((await t.store.callbackFailed('c1', 'cb-2', 2))?.outcome).toBe('gaveup');
    expect(await t.store.getCall('c1')).toBeUndefined();
    expect((await events()).filter((e) => e.type === 'QueueCallerLeave').at(-1)).toMatchObject({ reason: 'CALLBACKFAILED' });
  });
});
