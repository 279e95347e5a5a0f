/**
 * CallControl events carry typed fields (step, target, digits, dialStatus...) written by the
 * scripts and the TS emitters; the stream reader gives events older versions wrote (one `detail`
 * text) in the same shape, so a restart after an upgrade replays them unchanged for every consumer.
 */
import { describe, expect, it } from 'vitest';
import type { AcdEvent } from '../../src/domain/events.js';
import { agentDef, by, caller, queueDef, useTestStore, type TestStore } from '../helpers/store.js';

let t: TestStore;
useTestStore((created) => (t = created));

const controls = async () => (await t.store.readEvents('0', { count: 1000 })).map((e) => e.event).filter((e) => e.type === 'CallControl');

describe('CallControl events', () => {
  it('a control call reports typed steps: dialing, connected with the answering agent, failed with the dial status, ended', async () => {
    await t.store.upsertAgent(agentDef('a1', []));
    await t.store.login('a1', undefined, { ...by, ready: true });
    await t.store.startControlCall({
      call: { kind: 'outbound', id: 'out-1', agentId: 'a1', agentLeg: 'la', destLeg: 'lb', bridgeId: 'b', destination: '1', callerId: '', variables: {}, answeredAt: 0, held: false, muted: false, node: 'n' },
      by: 'test',
      acceptedIn: ['ready'],
    });
    await t.store.setControlCall('out-1', { state: 'connected' }, { step: 'connected', answeredBy: 'a2' });
    await t.store.setControlCall('out-1', {}, { step: 'dtmf', digits: '7', direction: 'received' });
    await t.store.setControlCall('out-1', {}, { step: 'failed', dialStatus: 'BUSY' });
    await t.store.endControlCall('out-1', 0);
    const base = { type: 'CallControl', callId: 'out-1', agentId: 'a1', action: 'outbound' };
    expect(await controls()).toEqual([
      { ...base, ts: expect.any(Number), step: 'dialing', by: 'test' },
      { ...base, ts: expect.any(Number), step: 'connected', answeredBy: 'a2', by: 'system' },
      { ...base, ts: expect.any(Number), step: 'dtmf', digits: '7', direction: 'received', by: 'system' },
      { ...base, ts: expect.any(Number), step: 'failed', dialStatus: 'BUSY', by: 'system' },
      { ...base, ts: expect.any(Number), step: 'ended', by: 'system' },
    ]);
  });

  it('a transfer names its mode and target as fields', async () => {
    await t.store.upsertQueue(queueDef('sales'));
    await t.store.upsertQueue(queueDef('support'));
    await t.store.upsertAgent(agentDef('a1', ['sales']));
    await t.store.login('a1', undefined, { ...by, ready: true });
    await t.store.enqueue(caller('c1', 'sales'));
    await t.store.assign({ queue: 'sales' }, 'leg-1');
    await t.store.connect('c1', 'leg-1', 'bridge-1');
    await t.store.transferCall({ callId: 'c1', agentChannel: 'leg-1', target: { queue: 'support' }, by: 'test' });
    expect(await controls()).toMatchObject([{ action: 'transfer', mode: 'queue', target: 'support', callId: 'c1', agentId: 'a1', by: 'test' }]);
    expect((await controls())[0]).not.toHaveProperty('detail');
    await t.store.endCall('c1', 'caller');
  });

  it('events written with a `detail` text by older versions are read in the typed shape', async () => {
    const old = (action: string, detail: string, callId = 'c1') => ({ type: 'CallControl', ts: 1, callId, agentId: 'a1', action, detail, by: 'x' });
    const cases: [ReturnType<typeof old>, Partial<AcdEvent>][] = [
      [old('hold', ''), { action: 'hold' }],
      [old('dtmf', '12#'), { action: 'dtmf', digits: '12#', direction: 'sent' }],
      [old('dtmf', 'received 5'), { action: 'dtmf', digits: '5', direction: 'received' }],
      [old('consult', 'dialing agent:a3'), { action: 'consult', step: 'dialing', target: { agentId: 'a3' } }],
      [old('consult', 'dialing queue:support'), { action: 'consult', step: 'dialing', target: { queue: 'support' } }],
      [old('consult', 'dialing', 'cs-c1'), { action: 'consult', step: 'dialing', callId: 'cs-c1' }],
      [old('consult', 'connected agent:a3', 'cs-c1'), { action: 'consult', step: 'connected', answeredBy: 'a3' }],
      [old('consult', 'cancelled'), { action: 'consult', step: 'cancelled' }],
      [old('conference', 'extension:100'), { action: 'conference', target: { extension: '100' } }],
      [old('monitor', 'whisper'), { action: 'monitor', step: 'whisper' }],
      [old('monitor', 'failed NOANSWER'), { action: 'monitor', step: 'failed', dialStatus: 'NOANSWER' }],
      [old('transfer', 'park:701-720'), { action: 'transfer', mode: 'park', target: '701-720' }],
      [old('transfer', 'extension:5551234'), { action: 'transfer', mode: 'extension', target: '5551234' }],
      [old('recording', 'paused rec-1'), { action: 'recording', step: 'paused', name: 'rec-1' }],
      [old('outbound', 'failed BUSY', 'out-1'), { action: 'outbound', step: 'failed', dialStatus: 'BUSY' }],
      [old('outbound', 'dtmf received 7', 'out-1'), { action: 'outbound', step: 'dtmf', digits: '7', direction: 'received' }],
      [old('outbound', 'dtmf 12', 'out-1'), { action: 'outbound', step: 'dtmf', digits: '12', direction: 'sent' }],
      [old('outbound', 'mute', 'out-1'), { action: 'outbound', step: 'mute' }],
      [old('supervisor', 'gone', 'sv-s1'), { action: 'supervisor', step: 'gone' }],
    ];
    for (const [event] of cases) await t.redis.xadd(t.store.keys.events, '*', 'e', JSON.stringify(event));
    await t.redis.xadd(t.store.keys.events, '*', 'e', JSON.stringify({ type: 'AgentDeviceState', ts: 1, agentId: 'a1', inUse: true }));
    const read = (await t.store.readEvents('0', { count: 100 })).map((e) => e.event);
    cases.forEach(([, expected], i) => {
      expect(read[i]).toMatchObject({ type: 'CallControl', ts: 1, by: 'x', ...expected });
      expect(read[i]).not.toHaveProperty('detail');
    });
    expect(read.at(-1)).toEqual({ type: 'AgentDeviceState', ts: 1, agentId: 'a1', inUse: true });
  });
});
