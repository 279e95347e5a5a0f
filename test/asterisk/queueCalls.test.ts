/**
 * Queue calls on a real Asterisk 22: the engine (startAcd with the ari-client adapter) against
 * Local-channel callers and agent phones of the test dialplan (see ../shared/asterisk/README.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../src/config.js';
import { waitFor } from '../helpers/acdHarness.js';
import { startAsterisk, type Asterisk } from '../helpers/asterisk.js';
import { closeAcdAndAsterisk, startAcdOn, type AcdOnAsterisk } from '../helpers/asteriskAcd.js';
import { startAriProxy } from '../helpers/ariProxy.js';
import WebSocket from 'ws';

// Phones: 1XXX-RING-TALK answers after RING s and hangs up after TALK s; 2XXX never answers; 3XXX is busy.
const file: ConfigFile = {
  queues: [
    { id: 'e2e', wrapupS: 1 },
    { id: 'rona', ringTimeoutS: 1 },
    { id: 'busy' },
    { id: 'abandon', ringTimeoutS: 30 },
    { id: 'wrap', wrapupS: 2 },
    { id: 'qa' },
    { id: 'qb' },
    { id: 'keep', wrapupS: 0 },
    { id: 'man', wrapupS: 0, ringTimeoutS: 30 },
    { id: 'cb', wrapupS: 0, callback: { key: '5', dialString: 'Local/{number}@agents', attempts: 2, retryDelayS: 1, ringTimeoutS: 15 } },
    { id: 'ann', wrapupS: 0, announce: { frequencyS: 10, firstDelayS: 2, position: true, holdTime: false }, periodic: { sounds: ['beep'], frequencyS: 10, firstDelayS: 1 } },
  ],
  agents: [
    { id: 'e1', endpoint: 'Local/1001-0-1@agents', queues: ['e2e'] },
    { id: 'r1', endpoint: 'Local/2001@agents', queues: ['rona'] },
    { id: 'b1', endpoint: 'Local/3001@agents', queues: ['busy'] },
    { id: 'b2', endpoint: 'Local/1002-0-1@agents', queues: ['busy'] },
    { id: 'x1', endpoint: 'Local/2002@agents', queues: ['abandon'] },
    { id: 'w1', endpoint: 'Local/1003-0-1@agents', queues: ['wrap'] },
    { id: 'm1', endpoint: 'Local/1004-0-1@agents', queues: ['qa', 'qb'], wrapupS: 0 },
    { id: 'k1', endpoint: 'Local/1005-0-1@agents', queues: ['keep'] },
    { id: 'n1', endpoint: 'Local/1007-0-1@agents', queues: ['ann'] },
    { id: 'ma', endpoint: 'Local/1008-0-60@agents', queues: ['man'], manualAnswer: true },
    { id: 'cb1', endpoint: 'Local/1009-0-60@agents', queues: ['cb'] },
  ],
  reasons: { notReady: [{ code: 'rona', label: 'No answer' }] },
};

let ast: Asterisk;
let e: AcdOnAsterisk;

beforeAll(async () => {
  ast = await startAsterisk('queueCalls');
  e = await startAcdOn(ast, file, 'queueCalls');
}, 120_000);

afterAll(() => closeAcdAndAsterisk(e, ast));

const login = (agentId: string) => e.acd.engine.agents.login(agentId, { ready: true, by: 'test' });
const gone = (channelId: string, what: string) => waitFor(async () => !(await ast.hasChannel(channelId)), what, 15_000);

describe('queue calls on a real Asterisk', () => {
  it('end to end: queued, offered, answered, bridged; the agent hangs up, the caller is hung up, wrap-up then ready', async () => {
    await login('e1');
    const caller = await ast.placeCaller(e.app, 'e2e');
    const call = await e.waitCall(caller.stasisId, 'connected');
    expect(call.agentId).toBe('e1');
    await e.waitBridged(call);
    // The phone hangs up after 1 s of talk: the call ends, the caller leaves with it.
    await e.waitCallGone(call.id);
    await gone(caller.stasisId, 'caller hung up after the agent left');
    await e.waitAgent('e1', 'ready');
    expect((await e.acd.store.getAgent('e1'))?.callsTaken).toBe(1);
  });

  it('RONA: an agent that does not answer within the ring time is made not ready and the caller waits on', async () => {
    await login('r1');
    const caller = await ast.placeCaller(e.app, 'rona');
    const offered = await e.waitCall(caller.stasisId, 'offering');
    expect(offered.agentId).toBe('r1');
    await e.waitAgent('r1', 'not_ready');
    expect((await e.acd.store.getAgent('r1'))?.reason).toBe('rona');
    await e.waitCall(caller.stasisId, 'waiting');
    await gone(offered.agentChannel, "the unanswered agent leg hung up");
    await ast.ari('DELETE', `/channels/${encodeURIComponent(caller.phoneId)}`);
    await e.waitCallGone(caller.stasisId);
  });

  it('busy: a busy phone passes the call to the next agent', async () => {
    await login('b1'); // longest idle: offered first
    await login('b2');
    const caller = await ast.placeCaller(e.app, 'busy');
    const call = await e.waitCall(caller.stasisId, 'connected');
    expect(call.agentId).toBe('b2');
    await e.waitBridged(call);
    await e.waitCallGone(call.id);
    const busyAgent = await e.acd.store.getAgent('b1');
    expect(['ready', 'not_ready']).toContain(busyAgent?.status);
  });

  it('abandon while ringing: the offer is withdrawn, the agent leg hung up and the agent ready again', async () => {
    await login('x1');
    const caller = await ast.placeCaller(e.app, 'abandon');
    const offered = await e.waitCall(caller.stasisId, 'offering');
    await e.waitAgent('x1', 'ringing');
    await ast.ari('DELETE', `/channels/${encodeURIComponent(caller.phoneId)}`);
    await e.waitCallGone(caller.stasisId);
    await gone(offered.agentChannel, 'agent leg hung up');
    await e.waitAgent('x1', 'ready');
  });

  it('wrap-up then next: the second caller waits through the wrap-up and then gets the same agent', async () => {
    await login('w1');
    const first = await ast.placeCaller(e.app, 'wrap');
    await e.waitCall(first.stasisId, 'connected');
    const second = await ast.placeCaller(e.app, 'wrap');
    await e.waitCall(second.stasisId, 'waiting');
    await e.waitAgent('w1', 'after_call_work');
    expect((await e.acd.store.getCall(second.stasisId))?.state).toBe('waiting');
    const next = await e.waitCall(second.stasisId, 'connected');
    expect(next.agentId).toBe('w1');
    await e.waitBridged(next);
    await e.waitCallGone(next.id);
  });

  it("keeps a finished call's bridge for the next call: empty in between, then the next caller and agent alone in it", async () => {
    const channelsOf = async (bridgeId: string) => (await ast.ari<{ channels: string[] }>('GET', `/bridges/${encodeURIComponent(bridgeId)}`, undefined, [404])).body.channels;
    await login('k1');
    const first = await ast.placeCaller(e.app, 'keep');
    const call1 = await e.waitCall(first.stasisId, 'connected');
    await e.waitBridged(call1);
    await e.waitCallGone(call1.id);
    await gone(first.stasisId, 'first caller hung up after the agent left');
    await waitFor(async () => (await channelsOf(call1.bridgeId))?.length === 0, 'first bridge kept, empty');
    await e.waitAgent('k1', 'ready');

    const second = await ast.placeCaller(e.app, 'keep');
    const call2 = await e.waitCall(second.stasisId, 'connected');
    expect(call2.bridgeId).toBe(call1.bridgeId);
    await e.waitBridged(call2);
    expect((await channelsOf(call2.bridgeId)).sort()).toEqual([call2.callerChannel, call2.agentChannel].sort());
    await e.waitCallGone(call2.id);
  });

  it('two queues, one agent: it serves the caller of each queue in turn', async () => {
    // b only once a waits: Asterisk may run two Local callers' dialplans in either order.
    const a = await ast.placeCaller(e.app, 'qa');
    await e.waitCall(a.stasisId, 'waiting');
    const b = await ast.placeCaller(e.app, 'qb');
    await e.waitCall(b.stasisId, 'waiting');
    // The routing kicks of both entries done: else b's own kick may find m1 ready first.
    await e.acd.engine.settled();
    await login('m1');
    // The longest waiting (a) first, then b once the agent is free again.
    const first = await e.waitCall(a.stasisId, 'connected');
    expect(first.agentId).toBe('m1');
    await e.waitCallGone(a.stasisId);
    const second = await e.waitCall(b.stasisId, 'connected', 20_000);
    expect(second.agentId).toBe('m1');
    await e.waitBridged(second);
    await e.waitCallGone(b.stasisId);
  });

  it("manual answer: the agent's leg waits in Stasis undialed until the desktop answers, then rings, answers and is bridged", async () => {
    await login('ma');
    const caller = await ast.placeCaller(e.app, 'man', { holdS: 60 });
    const offered = await e.waitCall(caller.stasisId, 'offering');
    // Created into Stasis but not dialed: Asterisk has it, Down, in the app.
    const leg = await waitFor(async () => (await ast.channels()).find((c) => c.id === offered.agentChannel && c.dialplan?.app_name === 'Stasis'), "the agent's leg in Stasis", 10_000);
    expect(leg.state).toBe('Down');
    await e.acd.engine.control.answer({ agentId: 'ma', by: 'test' });
    const call = await e.waitCall(caller.stasisId, 'connected');
    expect(call.agentChannel).toBe(offered.agentChannel);
    await e.waitBridged(call);
    await ast.ari('DELETE', `/channels/${encodeURIComponent(caller.phoneId)}`, undefined, [404]);
    await e.waitCallGone(call.id);
  });

  it("callback: the caller presses the key and leaves; the agent is rung first, then the customer's number, and both are bridged", async () => {
    // The caller's number is a phone of the test dialplan (rings 1 s, talks 5 s): the callback dials
    // it. (Asterisk strips '-' from a caller id number, so no NNNN-RING-TALK phone here.)
    const caller = await ast.placeCaller(e.app, 'cb', { holdS: 60, digits: '5', callerId: '1191' });
    await e.waitCall(caller.stasisId, 'waiting');
    await gone(caller.stasisId, 'the caller left its line after pressing the key');
    expect((await e.acd.store.getCall(caller.stasisId))?.state).toBe('waiting'); // it keeps its place
    await login('cb1');
    const call = await e.waitCall(caller.stasisId, 'connected', 20_000);
    expect(call.agentId).toBe('cb1');
    const customer = await waitFor(async () => {
      const [bridges, channels] = await Promise.all([ast.ari<{ channels: string[] }[]>('GET', '/bridges'), ast.channels()]);
      const bridge = bridges.body.find((b) => b.channels.includes(call.agentChannel) && b.channels.length === 2);
      const other = bridge?.channels.find((c) => c !== call.agentChannel);
      return channels.find((c) => c.id === other && c.name.startsWith('Local/1191@agents-'));
    }, "the agent bridged with the customer's phone", 15_000);
    await ast.ari('DELETE', `/channels/${encodeURIComponent(customer.id)}`, undefined, [404]);
    await e.waitCallGone(call.id);
  });

  it("announcements: the caller hears the periodic sound and its position from Asterisk's own files, then is bridged", async () => {
    // An observer app subscribed to everything sees the engine's playbacks on the caller.
    const observer = new WebSocket(`${ast.ariUrl.replace(/^http/, 'ws')}/ari/events?app=obs-ann-${process.pid}&subscribeAll=true&api_key=${ast.username}:${ast.password}`);
    const started = new Map<string, { target: string; media: string[] }>();
    const finished = new Map<string, string>();
    observer.on('message', (data: Buffer) => {
      const ev = JSON.parse(data.toString()) as { type: string; playback?: { id: string; media_uri: string; state: string; target_uri: string } };
      const p = ev.playback;
      if (!p) return;
      // A playback of several media starts each in turn; its PlaybackFinished names the last one.
      if (ev.type === 'PlaybackStarted') started.set(p.id, { target: p.target_uri, media: [...(started.get(p.id)?.media ?? []), p.media_uri] });
      if (ev.type === 'PlaybackFinished') finished.set(p.id, p.state);
    });
    await new Promise((resolve, reject) => observer.once('open', resolve).once('error', reject));
    try {
      const caller = await ast.placeCaller(e.app, 'ann', { holdS: 60 });
      await e.waitCall(caller.stasisId, 'waiting');
      const media = () => [...started.values()].filter((p) => p.target === `channel:${caller.stasisId}`).flatMap((p) => p.media);
      await waitFor(() => (media().includes('sound:beep') && media().includes('sound:queue-youarenext')) || undefined, 'periodic and position announcements started', 15_000);
      // The one before played to its end: the sounds exist (Debian's core sounds).
      expect([...finished.values()]).not.toContain('failed');
      expect(finished.size).toBeGreaterThan(0);
      await login('n1');
      const call = await e.waitCall(caller.stasisId, 'connected');
      await e.waitBridged(call);
      await e.waitCallGone(call.id);
    } finally {
      observer.close();
    }
  });
});

describe('an agent leg gone between its answer and the bridge, on a real Asterisk', () => {
  it("Asterisk refuses the late bridge request; the caller waits again at its place and is bridged on the agent's next leg", async () => {
    // A second engine whose REST goes over HTTP through a proxy that can hold the bridge request.
    const proxy = await startAriProxy(ast.ariUrl);
    const race: ConfigFile = { queues: [{ id: 'race', wrapupS: 0 }], agents: [{ id: 'g1', endpoint: 'Local/1006-0-5@agents', queues: ['race'] }] };
    const r = await startAcdOn(ast, race, 'race', undefined, { ARI_URL: proxy.url, ARI_REST_TRANSPORT: 'http' });
    try {
      await r.acd.engine.agents.login('g1', { ready: true, by: 'test' });
      const held = proxy.hold('POST', /^\/ari\/bridges\/[^/?]+\/addChannel/);
      const caller = await ast.placeCaller(r.app, 'race');
      const first = await r.waitCall(caller.stasisId, 'connected');
      await held.arrived;
      // The agent hangs up before the bridge request reaches Asterisk.
      await ast.ari('DELETE', `/channels/${encodeURIComponent(first.agentChannel)}`);
      await gone(first.agentChannel, 'the first agent leg gone');
      held.release();
      // Asterisk 22.10.1: 400 "Channel not found" (422 when the leg is still leaving), as bridging.ts expects.
      expect([400, 422]).toContain(await held.answered);
      const second = await waitFor(async () => {
        const call = await r.acd.store.getCall(first.id);
        return call?.state === 'connected' && call.agentChannel !== first.agentChannel ? call : undefined;
      }, 'connected on a new leg', 15_000);
      expect(second.agentId).toBe('g1');
      await r.waitBridged(second);
      const events = (await r.acd.store.readEvents('0', { count: 1000 })).map((stored) => stored.event).filter((ev) => 'callId' in ev && ev.callId === first.id);
      expect(events.filter((ev) => ev.type === 'AgentComplete')[0]).toMatchObject({ agentId: 'g1', reason: 'completeagent' });
      expect(events.filter((ev) => ev.type === 'CallControl')).toEqual([]);
    } finally {
      await r.close();
      await proxy.close();
    }
  });

});
