/**
 * The CTI agent-session protocol (../shared/seeds/cti-agent-session-protocol.txt) end to end:
 * the requests are the document's own JSON with its placeholders filled in, the answers and
 * events are checked against the document's envelopes. Engine on the simulator, real Redis,
 * a real WebSocket client.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CtiClient, type Message } from '../../cti/ctiClient.js';
import { startCtiApi, type CtiApi } from '../../cti/ctiApi.js';

const config = {
  queues: [
    { id: 'sales', ringTimeoutS: 5, wrapupS: 1 },
    { id: 'support', ringTimeoutS: 5, wrapupS: 1 },
  ],
  agents: [
    { id: 'a1', name: 'Ann', endpoint: 'PJSIP/a1', queues: ['sales'] },
    { id: 'a2', endpoint: 'PJSIP/a2', queues: ['sales'] },
  ],
  reasons: { notReady: [{ code: 'break', label: 'Break' }], logout: [{ code: '7', label: 'End of shift' }] },
};
// Ann may also sign in to support when she activates (docs/security.md: agents join allowed queues only).
const auth = { agentQueues: { a1: ['support'] } };

let t: CtiApi | undefined;
const clients: CtiClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await t?.close();
  t = undefined;
});

async function session(agentId: string): Promise<CtiClient> {
  t ??= await startCtiApi(config, auth);
  const c = await CtiClient.open(`${t.base}/cti/session/${agentId}`);
  clients.push(c);
  return c;
}

/** The next objectEvent named `name` (optionally matching its data). */
const objectEvent = (c: CtiClient, name: string, match: (data: Record<string, unknown>) => boolean = () => true) =>
  c.next((m) => m.messageType === 'objectEvent' && m.name === name && match(m.data ?? {}), name);

/** Sends the document's request form and waits for the answer to it. */
async function request(c: CtiClient, json: string): Promise<Message> {
  const req = JSON.parse(json) as { command: string; target: string; data: Record<string, unknown> };
  return c.command(req.command, req.target, req.data);
}

const status = (name: string) => (d: Record<string, unknown>) => (d.agentStatus as { status: string } | undefined)?.status === name;

describe('CTI agent-session protocol', () => {
  it('initialises a session: channel.created, channel.infochanged, channel.initialized, then session.initialized', async () => {
    const c = await session('a1');
    await objectEvent(c, 'session.initialized');
    const names = c.messages.map((m) => `${m.name as string}@${m.target as string}`);
    expect(names).toEqual(['channel.created@a1', 'channel.infochanged@a1.voice', 'state.updated@a1.voice', 'channel.initialized@a1.voice', 'session.initialized@a1']);
    expect(c.messages[0]).toEqual({ messageType: 'objectEvent', target: 'a1', name: 'channel.created', data: { channel: { id: 'voice', name: '', type: 'TELEPHONY', modelType: 'TELEPHONY' } } });
    expect(c.messages[1]).toEqual({
      messageType: 'objectEvent',
      target: 'a1.voice',
      name: 'channel.infochanged',
      data: { state: 'INACTIVE', agentStatus: { status: 'not_ready', lastReasonCode: '', lastReasonName: '' } },
    });
    expect(c.messages[4]).toEqual({ messageType: 'objectEvent', target: 'a1', name: 'session.initialized', data: {} });
  });

  it('answers the reason-list requests with success and the ...updated events', async () => {
    const c = await session('a1');
    await objectEvent(c, 'session.initialized');
    expect(await request(c, '{ "command": "session.request.externalnotreadyreasons", "target": "a1", "data": {} }')).toEqual({
      command: 'session.request.externalnotreadyreasons',
      target: 'a1',
      result: 'success',
      data: {},
    });
    expect(await objectEvent(c, 'session.externalnotreadyreasons.updated')).toEqual({
      messageType: 'objectEvent',
      target: 'a1',
      name: 'session.externalnotreadyreasons.updated',
      data: { reasonCodes: expect.arrayContaining([{ reasonCodeId: 'break', reasonCodeCode: 'break', selectable: true, extensions: [], labels: [{ language: 'en', country: 'US', name: 'Break', description: 'Break' }] }]) },
    });
    await request(c, '{ "command": "session.request.externallogoutreasons", "target": "a1", "data": {} }');
    expect((await objectEvent(c, 'session.externallogoutreasons.updated')).data).toEqual({
      logoutReasons: [{ logoutReasonId: '7', logoutReasonCode: '7', extensions: [], labels: [{ language: 'en', country: 'US', name: 'End of shift', description: 'End of shift' }] }],
    });
  });

  it('activates with a queue, goes ready and not ready, and deactivates with a logout reason', async () => {
    const c = await session('a1');
    await objectEvent(c, 'session.initialized');
    const activate = '{ "command": "channel.activate", "target": "a1.voice", "data": { "channeloptions": { "queue": "support" } } }';
    expect(await request(c, activate)).toEqual({ command: 'channel.activate', target: 'a1.voice', result: 'success', data: { channeloptions: { queue: 'support' } } });
    expect((await objectEvent(c, 'channel.infochanged')).data).toEqual({ state: 'ACTIVE', agentStatus: { status: 'not_ready', lastReasonCode: '', lastReasonName: '' } });
    await objectEvent(c, 'state.updated', status('not_ready'));
    expect((await t!.h.store.getAgent('a1'))?.queues.sort()).toEqual(['sales', 'support']);

    // The document's other target form, <session-id>.<channel-group-id>.<channel-id>.
    expect(await request(c, '{ "command": "channel.ready", "target": "a1.group.voice", "data": {} }')).toMatchObject({ result: 'success', target: 'a1.group.voice', data: {} });
    expect((await objectEvent(c, 'channel.infochanged', status('ready'))).data).toMatchObject({ state: 'ACTIVE' });

    const notReady = '{ "command": "channel.notready", "target": "a1.voice", "data": { "reasoncode": "break", "reasondesc": "Coffee" } }';
    expect(await request(c, notReady)).toEqual({ command: 'channel.notready', target: 'a1.voice', result: 'success', data: { reasoncode: 'break', reasondesc: 'Coffee' } });
    expect((await objectEvent(c, 'channel.infochanged', status('not_ready'))).data).toEqual({ state: 'ACTIVE', agentStatus: { status: 'not_ready', lastReasonCode: 'break', lastReasonName: 'Break' } });

    await request(c, '{ "command": "channel.notready", "target": "a1.voice", "data": { "reasoncode": "acw", "reasondesc": "wrap up" } }');
    expect((await objectEvent(c, 'channel.infochanged', status('after_call_work'))).data).toEqual({ state: 'ACTIVE', agentStatus: { status: 'after_call_work', lastReasonCode: 'acw', lastReasonName: 'After call work' } });

    const partly = '{ "command": "channel.deactivate", "target": "a1.voice", "data": { "channelOptions": { "queue": "support" } } }';
    expect(await request(c, partly)).toMatchObject({ result: 'success' });
    expect((await t!.h.store.getAgent('a1'))?.queues).toEqual(['sales']);
    const deactivate = '{ "command": "channel.deactivate", "target": "a1.voice", "data": { "channelOptions": { "reason": 7 } } }';
    expect(await request(c, deactivate)).toEqual({ command: 'channel.deactivate', target: 'a1.voice', result: 'success', data: { channelOptions: { reason: 7 } } });
    expect((await objectEvent(c, 'channel.infochanged', (d) => d.state === 'INACTIVE')).data).toEqual({ state: 'INACTIVE', agentStatus: { status: 'not_ready', lastReasonCode: '7', lastReasonName: 'End of shift' } });
  });

  it('on a call: busy, then busy_not_ready / busy_ready / busy_after_call_work, applied when the call ends', async () => {
    const c = await session('a1');
    await objectEvent(c, 'session.initialized');
    const call = await t!.h.connectedCall('a1');
    await objectEvent(c, 'channel.infochanged', status('busy'));

    await request(c, '{ "command": "channel.notready", "target": "a1.voice", "data": { "reasoncode": "break", "reasondesc": "Break" } }');
    expect((await objectEvent(c, 'channel.infochanged', status('busy_not_ready'))).data).toEqual({ state: 'ACTIVE', agentStatus: { status: 'busy_not_ready', lastReasonCode: 'break', lastReasonName: 'Break' } });
    await request(c, '{ "command": "channel.ready", "target": "a1.voice", "data": {} }');
    await objectEvent(c, 'channel.infochanged', status('busy_ready'));
    await request(c, '{ "command": "channel.notready", "target": "a1.voice", "data": { "reasoncode": "acw" } }');
    expect((await objectEvent(c, 'channel.infochanged', status('busy_after_call_work'))).data).toMatchObject({ agentStatus: { lastReasonCode: 'acw' } });

    t!.h.sim.hangup(call.callerChannel);
    await objectEvent(c, 'channel.infochanged', status('after_call_work'));
    await objectEvent(c, 'channel.infochanged', status('ready'));
  });

  it('restores an agent already on a call with a pending status when the session (re)connects', async () => {
    t = await startCtiApi(config);
    await t.h.connectedCall('a1');
    await t.h.engine.agents.notReady('a1', { reason: 'break', by: 'test' });
    const c = await session('a1');
    await objectEvent(c, 'session.initialized');
    expect(c.messages.find((m) => m.name === 'channel.infochanged')?.data).toEqual({ state: 'ACTIVE', agentStatus: { status: 'busy_not_ready', lastReasonCode: 'break', lastReasonName: 'Break' } });
    expect((c.messages[0].data as { channel: { name: string } }).channel.name).toBe('PJSIP/a1');
  });

  it('answers failures in the document envelope, with the original request, and changes nothing', async () => {
    const c = await session('a1');
    await objectEvent(c, 'session.initialized');
    const ready = '{ "command": "channel.ready", "target": "a1.voice", "data": {} }';
    expect(await request(c, ready)).toEqual({
      command: 'channel.ready',
      target: 'a1.voice',
      result: 'failure',
      failure: { code: 'invalidState', message: expect.stringContaining('logged_out'), context: '' },
      original: { command: 'channel.ready', target: 'a1.voice', data: {} },
    });
    const deactivate = '{ "command": "channel.deactivate", "target": "a1.voice", "data": { "channelOptions": { "reason": "7" } } }';
    expect(await request(c, deactivate)).toMatchObject({ result: 'failure', failure: { code: 'invalidState' } });
    expect(await request(c, '{ "command": "channel.activate", "target": "a1.voice", "data": { "channeloptions": { "queue": "nope" } } }')).toMatchObject({
      result: 'failure',
      failure: { code: 'notFound', message: "queue 'nope' does not exist" },
    });
    await request(c, '{ "command": "channel.activate", "target": "a1.voice", "data": {} }');
    await objectEvent(c, 'channel.infochanged', (d) => d.state === 'ACTIVE');
    expect(await request(c, '{ "command": "channel.activate", "target": "a1.voice", "data": {} }')).toMatchObject({ result: 'failure', failure: { code: 'invalidState' } });
    expect(await request(c, '{ "command": "channel.notready", "target": "a1.voice", "data": { "reasoncode": "lunch" } }')).toMatchObject({
      result: 'failure',
      failure: { code: 'invalidParameter', message: expect.stringContaining("'lunch'") },
    });
    expect(await request(c, '{ "command": "channel.notready", "target": "a1.voice", "data": {} }')).toMatchObject({ result: 'failure', failure: { code: 'invalidParameter', message: expect.stringContaining('reasoncode') } });
    expect(await request(c, '{ "command": "channel.ready", "target": "a2.voice", "data": {} }')).toMatchObject({ result: 'failure', failure: { code: 'forbidden' } });
    expect(await request(c, '{ "command": "channel.ready", "target": "a1.chat", "data": {} }')).toMatchObject({ result: 'failure', failure: { code: 'notFound' } });
    expect(await request(c, '{ "command": "session.addchannel", "target": "a1", "data": {} }')).toMatchObject({ result: 'failure', failure: { code: 'invalidParameter' } });
    c.sendRaw('not json');
    expect(await c.next((m) => m.result === 'failure' && m.original === 'not json')).toMatchObject({ command: '', target: '', failure: { code: 'invalidParameter' } });
    expect((await t!.h.store.getAgent('a1'))).toMatchObject({ status: 'not_ready', reason: '', queues: ['sales'] });
  });

  it('sends the address book (agents with state, queues as skills) and, realtime, its updates', async () => {
    const c = await session('a1');
    await objectEvent(c, 'session.initialized');
    await t!.h.engine.agents.login('a2', { by: 'test', ready: true });
    const answer = await request(c, '{ "command": "session.request.incontact.addressbook", "target": "a1", "data": { "realtime": true } }');
    expect(answer).toMatchObject({ command: 'session.request.incontact.addressbook', target: 'a1', result: 'success' });
    const book = (answer.data as { addressbooks: { name: string; groups: unknown[]; entries: Record<string, unknown>[] }[] }).addressbooks;
    expect(book).toHaveLength(1);
    expect(book[0].entries).toEqual([
      { name: 'Ann', type: 'agent', destinations: [{ label: 'agent', value: 'a1' }], properties: { state: 'logged_out' } },
      { name: 'a2', type: 'agent', destinations: [{ label: 'agent', value: 'a2' }], properties: { state: 'ready' } },
      { name: 'sales', type: 'skill', destinations: [{ label: 'queue', value: 'sales' }], properties: { mediaType: 'voice', numAvailable: 1, numUnavailable: 0, ewt: '0' } },
      { name: 'support', type: 'skill', destinations: [{ label: 'queue', value: 'support' }], properties: { mediaType: 'voice', numAvailable: 0, numUnavailable: 0, ewt: '0' } },
    ]);
    expect((await objectEvent(c, 'session.incontact.addressbook.updated')).data).toEqual(answer.data);

    await t!.h.engine.agents.notReady('a2', { reason: 'break', by: 'test' });
    const updated = await objectEvent(c, 'session.incontact.addressbook.updated');
    const entries = (updated.data as { addressbooks: { entries: Record<string, unknown>[] }[] }).addressbooks[0].entries;
    expect(entries[1]).toMatchObject({ properties: { state: 'not_ready' } });
    expect(entries[2]).toMatchObject({ properties: { numAvailable: 0, numUnavailable: 1 } });
  });

  it('refuses the handshake for an unknown agent', async () => {
    t = await startCtiApi(config);
    await expect(CtiClient.open(`${t.base}/cti/session/nobody`)).rejects.toThrow(/404/);
  });
});
