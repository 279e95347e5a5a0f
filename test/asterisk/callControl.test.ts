/**
 * Call control on a real Asterisk 22: hold, blind transfer (to an agent, to an extension), park and
 * retrieve, an agent's outbound call, consult (complete, conference), supervisor monitor, whisper
 * and barge, and a recording with its duration, through the engine's CallControl (what CTI and
 * REST call).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../src/config.js';
import { waitFor } from '../helpers/acdHarness.js';
import { startAsterisk, type Asterisk } from '../helpers/asterisk.js';
import { closeAcdAndAsterisk, startAcdOn, type AcdOnAsterisk } from '../helpers/asteriskAcd.js';

// Phones answer at once (RING 0) and stay on the line 60 s unless a test says otherwise.
const file: ConfigFile = {
  queues: [{ id: 'hq' }, { id: 'hc', continueOnAgentHangup: true }, { id: 'xq' }, { id: 'eq' }, { id: 'pq' }, { id: 'cq' }, { id: 'mq' }, { id: 'bq' }, { id: 'fq' }, { id: 'rq' }, { id: 'zq' }, { id: 'aq', record: { format: 'wav' } }],
  agents: [
    { id: 'h1', endpoint: 'Local/1101-0-60@agents', queues: ['hq'] },
    { id: 'h2', endpoint: 'Local/1102-0-60@agents', queues: ['hc'] },
    { id: 't1', endpoint: 'Local/1111-0-60@agents', queues: ['xq'] },
    { id: 't2', endpoint: 'Local/1112-0-60@agents' },
    { id: 'e1', endpoint: 'Local/1151-0-60@agents', queues: ['eq'] },
    { id: 'p1', endpoint: 'Local/1161-0-60@agents', queues: ['pq'] },
    { id: 'p2', endpoint: 'Local/1162-0-60@agents', queues: ['pq'] },
    { id: 'o1', endpoint: 'Local/1171-0-60@agents' },
    { id: 'c1', endpoint: 'Local/1121-0-60@agents', queues: ['cq'] },
    { id: 'c2', endpoint: 'Local/1122-0-60@agents' },
    { id: 'v1', endpoint: 'Local/1131-0-60@agents', queues: ['mq'] },
    { id: 'sv', endpoint: 'Local/1139-0-60@agents' },
    { id: 'v2', endpoint: 'Local/1132-0-60@agents', queues: ['bq'] },
    { id: 'sw', endpoint: 'Local/1138-0-60@agents' },
    { id: 'f1', endpoint: 'Local/1181-0-60@agents', queues: ['fq'] },
    { id: 'f2', endpoint: 'Local/1182-0-60@agents' },
    { id: 'r1', endpoint: 'Local/1141-0-2@agents', queues: ['rq'], wrapupS: 0 },
    { id: 'r2', endpoint: 'Local/1142-0-60@agents', queues: ['aq'] },
    { id: 'z1', endpoint: 'Local/1143-0-60@agents', queues: ['zq'] },
  ],
  // Extensions are the test dialplan's phones: 1NNN-RING-TALK answers after RING s.
  outbound: { dialPattern: 'Local/{dest}@agents' },
  park: { firstSlot: 701, lastSlot: 710, timeoutS: 120 },
};

let ast: Asterisk;
let e: AcdOnAsterisk;

beforeAll(async () => {
  ast = await startAsterisk('callControl');
  e = await startAcdOn(ast, file, 'callControl');
}, 120_000);

afterAll(() => closeAcdAndAsterisk(e, ast));

const by = 'test';
const login = (agentId: string) => e.acd.engine.agents.login(agentId, { ready: true, by });
const control = () => e.acd.engine.control;

/** A caller bridged with `agentId` on `queue`. */
async function talking(agentId: string, queue: string) {
  if ((await e.acd.store.getAgent(agentId))?.status === 'logged_out') await login(agentId);
  await e.waitAgent(agentId, 'ready');
  const caller = await ast.placeCaller(e.app, queue, { holdS: 60 });
  const call = await e.waitCall(caller.stasisId, 'connected');
  await e.waitBridged(call);
  return { caller, call };
}

/** Waits until the call is connected to `agentId` and both parties are in its bridge on Asterisk. */
async function connectedTo(callId: string, agentId: string, what: string): Promise<void> {
  const call = await waitFor(async () => {
    const c = await e.acd.store.getCall(callId);
    return c?.state === 'connected' && c.agentId === agentId ? c : undefined;
  }, what, 15_000);
  await e.waitBridged(call);
}

/** Runs `command` (complete, conference) as soon as the consult is answered: until then it is invalid_state. */
const onceConsultAnswered = (command: () => Promise<void>, what: string) =>
  waitFor(
    async () => {
      try {
        await command();
        return true;
      } catch (err) {
        if ((err as { code?: string }).code === 'invalid_state') return false; // not answered yet
        throw err;
      }
    },
    what,
    15_000,
  );

async function hangUpCaller(phoneId: string, callId: string): Promise<void> {
  await ast.ari('DELETE', `/channels/${encodeURIComponent(phoneId)}`, undefined, [404]);
  await e.waitCallGone(callId);
}

interface AriChannel {
  id: string;
  state: string;
}

interface AriBridge {
  id: string;
  channels: string[];
}

describe('call control on a real Asterisk', () => {
  it('hold and retrieve: the caller is muted towards the agent and hears music, then comes back', async () => {
    const { caller, call } = await talking('h1', 'hq');
    await control().hold({ agentId: 'h1', by });
    expect((await e.acd.store.getControl(call.id)).held).toBe('1');
    await control().retrieve({ agentId: 'h1', by });
    expect((await e.acd.store.getControl(call.id)).held ?? '').toBe('');
    await e.waitBridged(call); // still bridged with the agent
    await hangUpCaller(caller.phoneId, call.id);
  });

  it('a caller on hold whose agent hangs up goes on in the dialplan without the music (continueOnAgentHangup)', async () => {
    await login('h2');
    await e.waitAgent('h2', 'ready');
    const caller = await ast.placeCaller(e.app, 'hc', { holdS: 60, afterWaitS: 30 });
    const call = await e.waitCall(caller.stasisId, 'connected');
    await e.waitBridged(call);
    await control().hold({ agentId: 'h2', by });
    await ast.ari('DELETE', `/channels/${encodeURIComponent(call.agentChannel)}`);
    // Sent on: after Stasis() the test dialplan waits AFTERWAIT seconds.
    const name = await waitFor(async () => (await ast.channels()).find((c) => c.id === caller.stasisId && c.dialplan?.app_name === 'Wait')?.name, 'caller in the dialplan after Stasis', 15_000);
    const status = await ast.ari<{ value: string }>('GET', `/channels/${encodeURIComponent(caller.stasisId)}/variable?variable=QUEUESTATUS`);
    expect(status.body.value).toBe('CONTINUE');
    // Asterisk keeps music started through ARI past Stasis; it shows only in the channel's write
    // path: the music class's gsm files (the caller's phone speaks ulaw).
    expect(await ast.cli(`core show channel ${name}`)).toMatch(/WriteFormat: ulaw/);
    await ast.ari('DELETE', `/channels/${encodeURIComponent(caller.phoneId)}`, undefined, [404]);
  });

  it('blind transfer to another agent: the caller ends up bridged with that agent', async () => {
    await login('t2');
    const { caller, call } = await talking('t1', 'xq');
    await control().transfer({ agentId: 't1', by }, { agentId: 't2' });
    await connectedTo(call.id, 't2', 'call connected to t2');
    await waitFor(async () => !(await ast.hasChannel(call.agentChannel)), "first agent's leg hung up", 10_000);
    await hangUpCaller(caller.phoneId, call.id);
  });

  it('blind transfer to an extension: the caller ends up bridged with that phone, the agent wraps up', async () => {
    const { caller, call } = await talking('e1', 'eq');
    await control().transfer({ agentId: 'e1', by }, { extension: '1152-0-60' });
    // Until the transfer's PBX steps are done the caller may still be bridged with the agent's phone (1151).
    const other = await waitFor(async () => {
      const bridges = (await ast.ari<AriBridge[]>('GET', '/bridges')).body;
      const partner = bridges.find((b) => b.channels.includes(caller.stasisId) && b.channels.length === 2)?.channels.find((c) => c !== caller.stasisId);
      const name = partner === undefined ? undefined : (await ast.channels()).find((c) => c.id === partner)?.name;
      return name?.startsWith('Local/1152-0-60@agents-') ? partner : undefined;
    }, 'caller bridged with the extension', 15_000);
    await waitFor(async () => !(await ast.hasChannel(call.agentChannel)), "agent's leg hung up", 10_000);
    expect((await e.acd.store.getAgent('e1'))?.status).toBe('after_call_work');
    await ast.ari('DELETE', `/channels/${encodeURIComponent(caller.phoneId)}`, undefined, [404]);
    await waitFor(async () => !(await ast.hasChannel(other)), 'the extension hung up with the caller', 10_000);
  });

  it('park: the slot is announced to the agent, whose leg then goes; another agent retrieves the caller', async () => {
    const { caller, call } = await talking('p1', 'pq');
    const { slot } = await control().park({ agentId: 'p1', by });
    expect(slot).toBeGreaterThanOrEqual(701);
    // The announcement plays on the agent's leg, which is hung up when it finished.
    await waitFor(async () => !(await ast.hasChannel(call.agentChannel)), "parking agent's leg hung up after the announcement", 15_000);
    const parked = (await ast.ari<AriBridge[]>('GET', '/bridges')).body.find((b) => b.channels.includes(caller.stasisId));
    expect(parked?.channels).toEqual([caller.stasisId]);
    await login('p2');
    await e.waitAgent('p2', 'ready');
    await control().retrieveParked({ agentId: 'p2', slot, by });
    await connectedTo(call.id, 'p2', 'parked caller connected to p2');
    await hangUpCaller(caller.phoneId, call.id);
  });

  it("an agent's outbound call: the agent's phone, then the destination; both bridged, then hung up together", async () => {
    await login('o1');
    await e.waitAgent('o1', 'ready');
    const { id } = await control().dial({ agentId: 'o1', destination: '1172-0-60', by });
    const connected = await waitFor(async () => {
      const r = await e.acd.store.getControlCall(id);
      return r?.kind === 'outbound' && r.state === 'connected' ? r : undefined;
    }, 'outbound call connected', 15_000);
    await waitFor(async () => {
      const res = await ast.ari<AriBridge>('GET', `/bridges/${encodeURIComponent(connected.bridgeId)}`, undefined, [404]);
      return res.status === 200 && res.body.channels.includes(connected.agentLeg) && res.body.channels.includes(connected.destLeg);
    }, 'agent and destination bridged', 10_000);
    expect((await e.acd.store.getAgent('o1'))?.status).toBe('busy');
    await ast.ari('DELETE', `/channels/${encodeURIComponent(connected.destLeg)}`);
    await waitFor(async () => !(await ast.hasChannel(connected.agentLeg)), "the agent's leg hung up with the destination", 10_000);
    await waitFor(async () => ((await e.acd.store.getControlCall(id)) ? undefined : true), 'outbound call ended');
  });

  it('consult another agent, then complete: the caller talks to the consulted agent', async () => {
    await login('c2');
    const { caller, call } = await talking('c1', 'cq');
    await control().consult({ agentId: 'c1', by }, { agentId: 'c2' });
    // The consulted phone answers at once: wait until the consult is talking, then complete.
    await waitFor(async () => (await e.acd.store.getAgent('c2'))?.status === 'busy', 'consulted agent busy', 15_000);
    await onceConsultAnswered(() => control().completeTransfer({ agentId: 'c1', by }), 'consult completed');
    await connectedTo(call.id, 'c2', 'call connected to c2');
    await hangUpCaller(caller.phoneId, call.id);
  });

  it("monitor: the supervisor's phone is rung and listens through a snoop on the agent", async () => {
    const { caller, call } = await talking('v1', 'mq');
    const view = await control().monitor({ supervisorId: 'sv', agentId: 'v1', endpoint: 'Local/1139-0-60@agents', mode: 'monitor' });
    expect(view.callId).toBe(call.id);
    await waitFor(() => control().monitorOf('sv')?.connected === true, 'supervisor connected', 15_000);
    const supervisorChannel = control().monitorOf('sv')?.supervisorChannel ?? '';
    const channels = (await ast.ari<AriChannel[]>('GET', '/channels')).body;
    expect(channels.find((c) => c.id === supervisorChannel)?.state).toBe('Up');
    await control().endMonitor('sv');
    await waitFor(async () => !(await ast.hasChannel(supervisorChannel)), 'supervisor phone hung up', 10_000);
    await hangUpCaller(caller.phoneId, call.id);
  });

  it('whisper, then barge: the supervisor speaks to the agent through a snoop, then joins the call bridge', async () => {
    const { caller, call } = await talking('v2', 'bq');
    await control().monitor({ supervisorId: 'sw', agentId: 'v2', endpoint: 'Local/1138-0-60@agents', mode: 'whisper' });
    const supervisorChannel = await waitFor(() => (control().monitorOf('sw')?.connected ? control().monitorOf('sw')?.supervisorChannel : undefined), 'supervisor phone answered', 15_000);
    // The supervisor's phone is bridged with a snoop on the agent's channel (Asterisk names it Snoop/…).
    const snoop = await waitFor(async () => {
      const [bridges, channels] = await Promise.all([ast.ari<AriBridge[]>('GET', '/bridges'), ast.channels()]);
      const monitor = bridges.body.find((b) => b.channels.includes(supervisorChannel) && b.channels.length === 2);
      const other = monitor?.channels.find((c) => c !== supervisorChannel);
      return channels.find((c) => c.id === other && c.name.startsWith('Snoop/'))?.id;
    }, 'the supervisor bridged with a snoop on the agent', 10_000);
    await control().monitor({ supervisorId: 'sw', agentId: 'v2', endpoint: 'Local/1138-0-60@agents', mode: 'barge' });
    await waitFor(async () => {
      const res = await ast.ari<AriBridge>('GET', `/bridges/${encodeURIComponent(call.bridgeId)}`);
      return [call.callerChannel, call.agentChannel, supervisorChannel].every((c) => res.body.channels.includes(c));
    }, 'caller, agent and supervisor in the call bridge', 10_000);
    await waitFor(async () => !(await ast.hasChannel(snoop)), 'the snoop hung up', 10_000);
    await control().endMonitor('sw');
    await waitFor(async () => !(await ast.hasChannel(supervisorChannel)), 'supervisor phone hung up', 10_000);
    await e.waitBridged(call); // the call goes on without the supervisor
    await hangUpCaller(caller.phoneId, call.id);
  });

  it('consult, then conference: caller, agent and the consulted agent in one bridge', async () => {
    await login('f2');
    const { caller, call } = await talking('f1', 'fq');
    await control().consult({ agentId: 'f1', by }, { agentId: 'f2' });
    await onceConsultAnswered(() => control().conference({ agentId: 'f1', by }), 'conference');
    const f2Leg = await waitFor(async () => (await e.acd.store.getAgent('f2'))?.callId, "f2's consult");
    const consult = await e.acd.store.getControlCall(f2Leg);
    expect(consult?.kind).toBe('consult');
    await waitFor(async () => {
      const res = await ast.ari<AriBridge>('GET', `/bridges/${encodeURIComponent(call.bridgeId)}`);
      return res.body.channels.length === 3 && [call.callerChannel, call.agentChannel].every((c) => res.body.channels.includes(c)) && consult?.kind === 'consult' && res.body.channels.includes(consult.leg);
    }, 'all three in the call bridge', 10_000);
    await hangUpCaller(caller.phoneId, call.id);
  });

  it("a queue's automatic recording is listed with its duration after the caller hung up", async () => {
    await login('r2');
    // Long enough that the recording has started before the caller leaves, even on a loaded machine.
    const caller = await ast.placeCaller(e.app, 'aq', { holdS: 4 });
    const call = await e.waitCall(caller.stasisId, 'connected');
    await e.waitCallGone(call.id);
    const listed = await waitFor(
      async () => {
        const res = await fetch(`${e.acd.httpUrl}/api/recordings?callId=${encodeURIComponent(call.id)}`);
        const list = (await res.json()) as { name: string; durationS?: number }[];
        return list.find((r) => r.durationS !== undefined);
      },
      'recording listed with a duration',
      10_000,
    );
    expect(listed.durationS).toBeGreaterThanOrEqual(1);
  });

  it('a recording paused for 3 s is listed without the pause', async () => {
    const { caller, call } = await talking('z1', 'zq');
    const startedAt = Date.now();
    const { name } = await control().startRecording({ agentId: 'z1', by });
    const live = () => ast.ari<{ state: string }>('GET', `/recordings/live/${encodeURIComponent(name)}`, undefined, [404]);
    await waitFor(async () => (await live()).body.state === 'recording' || undefined, 'recording');
    // The pause is the scenario, not a synchronisation: 1 s recorded, 3 s paused, 1 s recorded.
    const pass = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await pass(1_000);
    await control().pauseRecording({ agentId: 'z1', by });
    await waitFor(async () => (await live()).body.state === 'paused' || undefined, 'paused');
    await pass(3_000);
    await control().resumeRecording({ agentId: 'z1', by });
    await pass(1_000);
    await control().stopRecording({ agentId: 'z1', by });
    const elapsedS = (Date.now() - startedAt) / 1000;
    const listed = await waitFor(async () => {
      const res = await fetch(`${e.acd.httpUrl}/api/recordings?callId=${encodeURIComponent(call.id)}`);
      return ((await res.json()) as { name: string; durationS?: number }[]).find((r) => r.name === name && r.durationS !== undefined);
    }, 'recording listed with a duration', 10_000);
    expect(listed.durationS).toBeGreaterThanOrEqual(1);
    expect(listed.durationS).toBeLessThanOrEqual(elapsedS - 2);
    await hangUpCaller(caller.phoneId, call.id);
  });

  // Asterisk loses RecordingFinished when the bridge goes first: a race, so three calls in a row.
  it.each([1, 2, 3])('a recording of the call is listed with its duration once the call ended (%i)', async () => {
    const { call } = await talking('r1', 'rq');
    const { name } = await control().startRecording({ agentId: 'r1', by });
    // The agent's phone hangs up after 2 s of talk: the bridge and its recording end with the call.
    await e.waitCallGone(call.id);
    const listed = await waitFor(
      async () => {
        const res = await fetch(`${e.acd.httpUrl}/api/recordings?callId=${encodeURIComponent(call.id)}`);
        const list = (await res.json()) as { name: string; durationS?: number }[];
        return list.find((r) => r.name === name && r.durationS !== undefined);
      },
      'recording listed with a duration',
      5_000,
    );
    expect(listed.durationS).toBeGreaterThanOrEqual(1);
  });
});
