/**
 * Control-call records decoded once in the store: each kind comes back as its typed variant
 * (numbers, booleans, variables, consult target), patches round-trip, records older versions
 * wrote still decode, and a record that does not fit its kind is refused, naming the field.
 */
import { describe, expect, it } from 'vitest';
import type { NewControlCall } from '../../src/domain/controlCall.js';
import { isAcdError } from '../../src/domain/errors.js';
import { decodeControlCall } from '../../src/store/controlCallCodec.js';
import { agentDef, by, caller, queueDef, useTestStore, type TestStore } from '../helpers/store.js';

let t: TestStore;
useTestStore((created) => (t = created));

async function setup() {
  await t.store.upsertQueue(queueDef('sales', { wrapupS: 0 }));
  for (const id of ['a1', 'a2']) {
    await t.store.upsertAgent(agentDef(id, ['sales']));
    await t.store.login(id, undefined, { ...by, ready: true });
  }
}

/** c1 (priority 3) connected to an agent on channel leg-1. */
async function connectedCall() {
  await t.store.enqueue(caller('c1', 'sales', { priority: 3, callerNumber: '555', callerName: 'Ann' }));
  expect(await t.store.assign({ queue: 'sales' }, 'leg-1')).not.toBeNull();
  expect(await t.store.connect('c1', 'leg-1', 'bridge-1')).toBe(true);
}

const start = (call: NewControlCall) => t.store.startControlCall({ call, by: 'test', acceptedIn: ['ready'] });

/** The refusal decodeControlCall gives, as {code, field}. */
function refusal(hash: Record<string, string>) {
  try {
    decodeControlCall(hash);
  } catch (err) {
    if (isAcdError(err)) return { code: err.code, field: err.details?.field };
    throw err;
  }
  return undefined;
}

describe('control call records', () => {
  it('outbound: typed on the way back, and patches (state, answeredAt, held) round-trip', async () => {
    await setup();
    await start({ kind: 'outbound', id: 'out-1', agentId: 'a1', agentLeg: 'la', destLeg: 'lb', bridgeId: 'b', destination: '5551234', callerId: '', variables: { LANG: 'fr' }, answeredAt: 0, held: false, muted: false, node: 'n1' });
    expect(await t.store.getControlCall('out-1')).toMatchObject({ kind: 'outbound', state: 'dialing', agentId: 'a1', previous: 'ready', variables: { LANG: 'fr' }, held: false, answeredAt: 0, node: 'n1' });
    expect(await t.store.setControlCall('out-1', { state: 'connected', answeredAt: 1234, held: true }, { step: 'connected' })).toBe(true);
    expect(await t.store.getControlCall('out-1')).toMatchObject({ state: 'connected', answeredAt: 1234, held: true, muted: false });
    await t.store.setControlCall('out-1', { held: false });
    expect(await t.store.getControlCall('out-1')).toMatchObject({ held: false });
    const ended = await t.store.endControlCall('out-1', 0);
    expect(ended?.record).toMatchObject({ kind: 'outbound', destLeg: 'lb' });
  });

  it('consult: the target comes back as agent / queue / extension', async () => {
    await setup();
    const base = { kind: 'consult' as const, callId: 'c1', from: 'a1', leg: 'l', bridgeId: 'b', node: 'n1' };
    await start({ ...base, id: 'cs-1', agentId: 'a2', target: { agentId: 'a2' }, queueCall: '' });
    await start({ ...base, id: 'cs-2', agentId: '', target: { queue: 'sales' }, queueCall: 'acd-csq-1' });
    await start({ ...base, id: 'cs-3', agentId: '', target: { extension: '100' }, queueCall: '' });
    expect(await t.store.getControlCall('cs-1')).toMatchObject({ kind: 'consult', agentId: 'a2', target: { agentId: 'a2' }, queueCall: '' });
    expect(await t.store.getControlCall('cs-2')).toMatchObject({ target: { queue: 'sales' }, queueCall: 'acd-csq-1' });
    expect(await t.store.getControlCall('cs-3')).toMatchObject({ target: { extension: '100' } });
    for (const id of ['cs-1', 'cs-2', 'cs-3']) await t.store.endControlCall(id, 0);
  });

  it('supervisor: mode and connected are typed', async () => {
    await setup();
    await start({ kind: 'supervisor', id: 'sv-s1', agentId: '', supervisor: 's1', agent: 'a1', callId: 'c1', agentChannel: 'leg-1', supervisorChannel: 'sup', monitorBridge: 'mb', snoopChannel: '', mode: 'monitor', connected: false, node: 'n1' });
    await t.store.setControlCall('sv-s1', { mode: 'whisper', snoopChannel: 'snoop-1', connected: true });
    expect(await t.store.getControlCall('sv-s1')).toMatchObject({ kind: 'supervisor', mode: 'whisper', snoopChannel: 'snoop-1', connected: true });
  });

  it('redirect and park, written by the transfer scripts, decode with numbers typed', async () => {
    await setup();
    await connectedCall();
    await t.store.transferCall({ callId: 'c1', agentChannel: 'leg-1', target: { destination: '100', destChannel: 'dest-1', node: 'n1' }, by: 'test' });
    expect(await t.store.getControlCall('rd-c1')).toMatchObject({ kind: 'redirect', state: 'dialing', callerChannel: 'chan-c1', destLeg: 'dest-1', destination: '100', queue: 'sales', priority: 3, callerNumber: '555', callerName: 'Ann' });

    await t.store.endControlCall('rd-c1', 0);
    await t.store.enqueue(caller('c2', 'sales'));
    const second = await t.store.assign({ queue: 'sales' }, 'leg-2');
    await t.store.connect('c2', 'leg-2', 'bridge-2');
    const result = await t.store.transferCall({ callId: 'c2', agentChannel: 'leg-2', target: { park: '701-720', bridgeId: 'hold-1', node: 'n1' }, by: 'test' });
    expect(result.slot).toBe(701);
    expect(await t.store.getControlCall('pk-c2')).toMatchObject({ kind: 'park', state: 'parked', slot: 701, parkedBy: second!.agentId, bridgeId: 'hold-1', priority: 0 });
    await t.store.unpark({ id: 'pk-c2', reason: 'hangup', by: 'test', agentId: '', agentChannel: '', mode: 'fallback' });
  });

  it('a record as older versions wrote it (no queueCall, held, callerId) still decodes', () => {
    const consult = { id: 'cs-1', agentId: 'a2', kind: 'consult', state: 'connected', startedAt: '5', previous: 'ready', callId: 'c1', from: 'a1', leg: 'l', bridgeId: 'b', target: 'agent:a2', node: 'n1' };
    expect(decodeControlCall(consult)).toMatchObject({ kind: 'consult', queueCall: '', startedAt: 5, target: { agentId: 'a2' } });
    const outbound = { id: 'out-1', agentId: 'a1', kind: 'outbound', state: 'dialing', startedAt: '5', previous: 'ready', agentLeg: 'la', destLeg: 'lb', bridgeId: 'b', destination: '1', node: 'n1' };
    expect(decodeControlCall(outbound)).toMatchObject({ callerId: '', variables: {}, held: false, muted: false, answeredAt: 0 });
  });

  it('refuses a malformed record, naming the field; listing leaves it out and keeps the others', async () => {
    const park = { id: 'pk-c1', agentId: '', kind: 'park', state: 'parked', startedAt: '5', previous: '', callerChannel: 'ch', agentLeg: 'l', bridgeId: 'b', slot: '701', parkedBy: 'a1', queue: 'sales', priority: '0', joinedAt: '1', node: 'n1' };
    expect(refusal(park)).toBeUndefined();
    expect(refusal({ ...park, kind: 'fax' })).toEqual({ code: 'internal', field: 'kind' });
    expect(refusal({ ...park, state: 'connected' })).toEqual({ code: 'internal', field: 'state' });
    expect(refusal({ ...park, slot: 'seven' })).toEqual({ code: 'internal', field: 'slot' });
    const { callerChannel: _gone, ...noCaller } = park;
    expect(refusal(noCaller)).toEqual({ code: 'internal', field: 'callerChannel' });
    const consult = { id: 'cs-1', agentId: '', kind: 'consult', state: 'dialing', startedAt: '5', callId: 'c1', from: 'a1', leg: 'l', bridgeId: 'b', node: 'n1' };
    expect(refusal({ ...consult, target: 'fax:1' })).toEqual({ code: 'internal', field: 'target' });
    const outbound = { id: 'out-1', agentId: 'a1', kind: 'outbound', state: 'dialing', startedAt: '5', agentLeg: 'la', destLeg: 'lb', bridgeId: 'b', destination: '1', node: 'n1' };
    expect(refusal({ ...outbound, variables: '[1]' })).toEqual({ code: 'internal', field: 'variables' });
    expect(refusal({ ...outbound, variables: '{' })).toEqual({ code: 'internal', field: 'variables' });
    expect(refusal({ id: 'sv-1', agentId: '', kind: 'supervisor', state: 'dialing', startedAt: '5', supervisor: 's', agent: 'a', callId: 'c', agentChannel: 'x', supervisorChannel: 'y', monitorBridge: 'z', mode: 'listen', node: 'n' })).toEqual({ code: 'internal', field: 'mode' });

    await setup();
    await t.redis.hset(t.store.keys.controlCall('pk-c1'), { ...park, slot: 'seven' });
    await t.redis.sadd(t.store.keys.controlCalls, 'pk-c1');
    await start({ kind: 'consult', id: 'cs-1', agentId: '', callId: 'c1', from: 'a1', leg: 'l', bridgeId: 'b', target: { extension: '1' }, queueCall: '', node: 'n1' });
    await expect(t.store.getControlCall('pk-c1')).rejects.toMatchObject({ code: 'internal', details: { field: 'slot' } });
    expect((await t.store.listControlCalls()).map((r) => r.id)).toEqual(['cs-1']);
    await t.redis.del(t.store.keys.controlCall('pk-c1'));
    await t.redis.srem(t.store.keys.controlCalls, 'pk-c1');
  });
});
