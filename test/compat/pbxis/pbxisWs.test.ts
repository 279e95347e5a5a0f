/**
 * PBXIS-ws compatibility: a client that follows the document to the letter (pbxisClient.ts)
 * drives a whole scenario against the engine on the simulator and watches it over long-poll,
 * SSE and WebSocket at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../api/waitUntil.js';
import { KEYS, TEST_AUTH } from '../../api/httpClient.js';
import { type PbxisEvent, type PbxisFeed, pbxisClient } from './pbxisClient.js';
import { type PbxisEngine, startPbxisEngine } from './pbxisHarness.js';

let engine: PbxisEngine | undefined;
const feeds: PbxisFeed[] = [];
afterEach(async () => {
  for (const f of feeds.splice(0)) f.close();
  await engine?.close();
  engine = undefined;
});

const has = (events: PbxisEvent[], match: Partial<PbxisEvent>) => events.some((e) => Object.entries(match).every(([k, v]) => e[k] === v));

/** Long-polls like pbxis-long-poll.js: one request after the other, every answer kept. */
function longPoller(client: ReturnType<typeof pbxisClient>, ticket: string): PbxisFeed {
  const events: PbxisEvent[] = [];
  let open = true;
  void (async () => {
    // A refused or failed poll ends the loop (and the test waiting for more events).
    while (open) {
      const batch = await client.longPoll(ticket);
      events.push(...batch);
      if (batch.some((e) => e.type === 'closed')) return;
    }
  })().catch(() => undefined);
  return { events, close: () => (open = false) };
}

describe('PBXIS-ws, as its document describes it', () => {
  it('a full scenario: ticket, the three transports, queue actions, a call, redirect, originate', async () => {
    engine = await startPbxisEngine();
    const { h } = engine;
    const pbxis = pbxisClient(engine.base);

    // POST /ticket answers the ticket as a simple JSON string.
    const raw = await pbxis.request('POST', '/ticket', { agents: ['147', '149'], queues: ['q1', 'q2'] });
    expect(raw.contentType).toMatch(/^application\/json/);
    expect(raw.text).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    const ticket = raw.json as string;

    // The first long-poll answers the current state: phones, member statuses, queue counts.
    const first = await pbxis.longPoll(ticket);
    expect(first).toEqual([
      { type: 'extensionStatus', agent: '147', status: 'unavailable' },
      { type: 'queueMemberStatus', agent: '147', queue: 'q1', status: 'unavailable', paused: false },
      { type: 'queueMemberStatus', agent: '147', queue: 'q2', status: 'unavailable', paused: false },
      { type: 'extensionStatus', agent: '149', status: 'unavailable' },
      { type: 'queueMemberStatus', agent: '149', queue: 'q1', status: 'unavailable', paused: false },
      { type: 'queueCount', queue: 'q1', count: 0 },
      { type: 'queueCount', queue: 'q2', count: 0 },
    ]);
    const poll = longPoller(pbxis, ticket);
    const sse = await pbxis.sse(await pbxis.ticket(['147'], ['q1']));
    const ws = await pbxis.websocket(await pbxis.ticket(['147', '149'], ['q1']));
    feeds.push(poll, sse, ws);
    // SSE and WebSocket also open with the current state.
    await waitUntil(() => has(sse.events, { type: 'queueCount', queue: 'q1', count: 0 }) && has(ws.events, { type: 'queueCount', queue: 'q1', count: 0 }), 'the initial state');
    expect(sse.raw.events()[0]).toMatchObject({ event: 'extensionStatus', data: '{"agent":"147","status":"unavailable"}' });

    // A caller while nobody is logged on: the count goes up.
    const callId = h.sim.placeCall({ queue: 'q1', callerNumber: '5551234' });
    for (const feed of [poll, sse, ws]) await waitUntil(() => has(feed.events, { type: 'queueCount', queue: 'q1', count: 1 }), 'q1 counts the caller');

    // POST /queue/add with query-string parameters logs the agent on: 147 is free, rings, talks to
    // the caller (phoneNumber), and the count goes down (connected, the caller left the queue).
    h.sim.setEndpoint('PJSIP/147', { kind: 'answer', ringMs: 100 });
    expect((await pbxis.request('POST', '/queue/add?queue=q1&agent=147')).status).toBe(200);
    const free = { type: 'queueMemberStatus', agent: '147', queue: 'q1', status: 'not_inuse', paused: false };
    const call = await h.waitForCall(callId, 'connected');
    await waitUntil(() => has(ws.events, { type: 'phoneNumber', agent: '147', number: '5551234' }), 'phoneNumber');
    const lastCount = (events: PbxisEvent[]) => events.filter((e) => e.type === 'queueCount' && e.queue === 'q1').at(-1);
    for (const feed of [poll, sse, ws]) {
      await waitUntil(() => has(feed.events, { type: 'extensionStatus', agent: '147', status: 'inuse' }), '147 in use');
      expect(has(feed.events, free)).toBe(true);
      expect(has(feed.events, { type: 'extensionStatus', agent: '147', status: 'ringing' })).toBe(true);
      await waitUntil(() => lastCount(feed.events)?.count === 0, 'q1 counts no caller once connected');
    }

    // GET /queue/status: AsteriskJava queue and member properties, `location` first among them.
    const status = await pbxis.request('GET', '/queue/status?queue=q1');
    expect(Object.keys(status.json)).toEqual(['q1']);
    expect(status.json.q1).toMatchObject({ queue: 'q1', calls: 0, strategy: expect.any(String) });
    expect(status.json.q1.members).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ location: 'PJSIP/147', agent: '147', memberName: 'Alice', status: 2, paused: false, inCall: true }),
        expect.objectContaining({ location: 'PJSIP/149', agent: '149', status: 5 }),
      ]),
    );

    // redirect-to with agent-or-channel = the agent's extension: its caller goes to 2000.
    h.sim.setEndpoint('PJSIP/2000', { kind: 'answer', ringMs: 50 });
    expect(await pbxis.request('POST', '/redirect-to/2000?agent-or-channel=147')).toMatchObject({ status: 200, json: { status: 'ok' } });
    await waitUntil(() => has(ws.events, { type: 'agentComplete', agent: '147', uniqueId: call.id }), 'agentComplete');
    const complete = ws.events.find((e) => e.type === 'agentComplete')!;
    expect(complete).toEqual({ type: 'agentComplete', agent: '147', uniqueId: call.id, talkTime: expect.any(Number), holdTime: expect.any(Number), recording: '' });

    // Pause with the JSON body form this time.
    expect((await pbxis.request('POST', '/queue/pause', { queue: 'q1', agent: '147', paused: true })).status).toBe(200);
    await waitUntil(() => has(ws.events, { type: 'queueMemberStatus', agent: '147', queue: 'q1', paused: true }), 'paused');

    // originate: the action id is a simple string; a failed originate reports it.
    await h.engine.agents.login('bob', { by: 'test', ready: false });
    h.sim.setEndpoint('PJSIP/149', { kind: 'busy' });
    const originate = await pbxis.request('POST', '/originate/149/1562830?callerId=7012888');
    expect(originate.status).toBe(200);
    expect(originate.text).toMatch(/^"[^"]+"$/);
    await waitUntil(() => has(ws.events, { type: 'originateFailed', agent: '149', actionId: originate.json }), 'originateFailed');

    // The engine shuts down: SSE gets `close`, WebSocket `closed`.
    await engine.close();
    engine = undefined;
    await waitUntil(() => has(sse.events, { type: 'close' }), 'the SSE close event');
    await waitUntil(() => has(ws.events, { type: 'closed' }), 'the WebSocket closed event');
  });

  it("shows the phone of an agent on a talk Redis lost as in use (current state, live, /queue/status)", async () => {
    engine = await startPbxisEngine();
    const { h } = engine;
    const pbxis = pbxisClient(engine.base);
    await h.engine.agents.login('alice', { by: 'test', ready: true });
    const ws = await pbxis.websocket(await pbxis.ticket(['147'], ['q1']));
    feeds.push(ws);
    await waitUntil(() => has(ws.events, { type: 'extensionStatus', agent: '147', status: 'not_inuse' }), '147 free');
    const memberStatus = async () => (await pbxis.request('GET', '/queue/status?queue=q1')).json.q1.members.find((m: { agent: string }) => m.agent === '147').status;
    expect(await memberStatus()).toBe(1);

    // What src/acd/lostTalks.ts does when it keeps such a talk going, then when the talk ends.
    await h.store.setLostTalk('alice', 'node-a|acd-agent-1');
    await waitUntil(() => has(ws.events, { type: 'extensionStatus', agent: '147', status: 'inuse' }), '147 in use');
    expect(has(ws.events, { type: 'queueMemberStatus', agent: '147', queue: 'q1', status: 'inuse' })).toBe(true);
    expect(await memberStatus()).toBe(2);
    expect((await pbxis.longPoll(await pbxis.ticket(['147'], [])))[0]).toEqual({ type: 'extensionStatus', agent: '147', status: 'inuse' });
    await h.store.setLostTalk('alice', '');
    await waitUntil(() => ws.events.filter((e) => e.type === 'extensionStatus').at(-1)?.status === 'not_inuse', '147 free again');
  });

  it('a waiting long-poll answers `closed` when the server shuts down', async () => {
    // One stream per credential: while the poll waits, a probe poll is refused (429).
    engine = await startPbxisEngine({ maxStreamsPerCredential: 1 });
    const pbxis = pbxisClient(engine.base);
    const ticket = await pbxis.ticket(['147'], []);
    expect((await pbxis.longPoll(ticket)).map((e) => e.type)).toEqual(['extensionStatus', 'queueMemberStatus', 'queueMemberStatus']);
    const pending = pbxis.longPoll(ticket);
    const probe = await pbxis.ticket([], ['q2']);
    await waitUntil(async () => (await pbxis.request('GET', '/' + probe + '/long-poll?timeoutMs=0')).status === 429, 'the poll waiting at the server');
    await engine.close();
    engine = undefined;
    expect(await pending).toEqual([{ type: 'closed' }]);
  });

  it('refuses bad input with a clear error naming the field, changing nothing', async () => {
    engine = await startPbxisEngine();
    const pbxis = pbxisClient(engine.base);
    expect(await pbxis.request('POST', '/ticket', { agents: ['999'] })).toMatchObject({ status: 404, json: { code: 'agent_not_found', message: expect.stringContaining('999') } });
    expect(await pbxis.request('POST', '/ticket', { queues: ['nope'] })).toMatchObject({ status: 404, json: { code: 'queue_not_found' } });
    expect(await pbxis.request('POST', '/ticket', {})).toMatchObject({ status: 400, json: { code: 'validation' } });
    expect(await pbxis.request('POST', '/redirect-to/2000')).toMatchObject({ status: 400, json: { code: 'validation', message: expect.stringContaining('agent-or-channel') } });
    expect(await pbxis.request('POST', '/redirect-to/2000?agent-or-channel=147')).toMatchObject({ status: 404, json: { code: 'call_not_found' } });
    expect(await pbxis.request('POST', '/park-and-announce', { 'agent-or-channel': 'PJSIP/147-00000001' })).toMatchObject({ status: 404, json: { code: 'call_not_found' } });
    expect(await pbxis.request('POST', '/originate/147/2000?variables=notjson')).toMatchObject({ status: 400, json: { code: 'validation', message: expect.stringContaining('variables') } });
    expect(await pbxis.request('POST', '/originate/555/2000')).toMatchObject({ status: 404, json: { code: 'agent_not_found' } });
    // Not logged on: the phone cannot be rung for the agent, said at once rather than as an event.
    expect(await pbxis.request('POST', '/originate/147/2000')).toMatchObject({ status: 409, json: { code: 'invalid_state' } });
    expect(await engine.h.store.getAgent('alice')).toMatchObject({ status: 'logged_out', callId: '' });
  });

  it('POST /stop is for admin keys only and asks for the graceful shutdown once', async () => {
    engine = await startPbxisEngine(TEST_AUTH);
    const sup = pbxisClient(engine.base, { 'x-api-key': KEYS.supervisor });
    const admin = pbxisClient(engine.base, { 'x-api-key': KEYS.admin });
    expect(await pbxisClient(engine.base).request('POST', '/stop')).toMatchObject({ status: 401 });
    expect(await sup.request('POST', '/stop')).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    expect(engine.stops).toBe(0);
    expect(await admin.request('POST', '/stop')).toMatchObject({ status: 202, json: 'stopping' });
    await waitUntil(() => engine!.stops === 1, 'the shutdown request');
  });
});
