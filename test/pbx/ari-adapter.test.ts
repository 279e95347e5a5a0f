/**
 * The ari-client adapter against the simulator over real HTTP and WebSocket: the same code path
 * as against Asterisk (ari-client loads the simulator's api-docs at connect).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { AriPbxOptions } from '../../src/pbx/ari/index.js';
import { isPbxError, type Pbx } from '../../src/pbx/port.js';
import { startSimulator } from '../../src/sim/index.js';
import { countingProxy as proxyOf, recordEvents, testPbx, type EventLog } from './pbx-harness.js';

type Sim = Awaited<ReturnType<typeof startSimulator>>;

/** Simulated durations run 20 times faster. */
const TIME_SCALE = 0.05;
const CALLER = { queue: 'sales', callerNumber: '5551234', callerName: 'Customer', holdMs: 3_600_000 };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function simulator(port = 0): Promise<Sim> {
  const sim = await startSimulator({ port, username: 'asterisk', password: 'secret', timeScale: TIME_SCALE });
  cleanups.push(() => sim.close());
  return sim;
}

const countingProxy = async (target: string) => {
  const proxy = await proxyOf(target);
  cleanups.push(proxy.close);
  return proxy;
};

async function connectedPbx(sim: Pick<Sim, 'url'>, overrides: Partial<AriPbxOptions> = {}): Promise<{ pbx: Pbx; log: EventLog }> {
  const pbx = testPbx(sim.url, overrides);
  cleanups.push(() => pbx.stop());
  const log = recordEvents(pbx);
  await pbx.start();
  return { pbx, log };
}

/** Places a caller into queue `sales` and returns its Stasis channel id (`...;2`), seen after event `fromIndex`. */
async function placeCaller(sim: Sim, log: EventLog, fromIndex = log.events.length): Promise<string> {
  await sim.placeCall(CALLER);
  const entered = await log.waitFor('channelEnteredApp', (e) => e.args[0] === CALLER.queue, 5_000, fromIndex);
  return entered.channel.id;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('ARI adapter against the simulator', () => {
  it('connects and reports a placed call entering the app', async () => {
    const sim = await simulator();
    const { pbx, log } = await connectedPbx(sim);
    expect(pbx.connected).toBe(true);
    expect(log.events[0]).toEqual({ type: 'connected', reconnect: false });

    const callerId = await placeCaller(sim, log);
    const entered = await log.waitFor('channelEnteredApp', (e) => e.channel.id === callerId);
    expect(entered.args).toEqual(['sales']);
    expect(entered.channel).toMatchObject({ callerNumber: '5551234', callerName: 'Customer', appName: 'Stasis', appData: 'acd,sales' });
    expect(entered.channel.createdAt).toBeGreaterThan(0);

    expect(await pbx.appChannelIds()).toContain(callerId);
    expect((await pbx.listChannels()).map((c) => c.id)).toContain(callerId);
    expect(await pbx.getChannel(callerId)).toMatchObject({ id: callerId, appName: 'Stasis' });
  });

  it('answers, plays MOH, creates and dials an agent leg, and bridges the call', async () => {
    const sim = await simulator();
    const { pbx, log } = await connectedPbx(sim);
    const callerId = await placeCaller(sim, log);

    await pbx.answer(callerId);
    expect((await pbx.getChannel(callerId))?.state).toBe('Up');
    await pbx.startMoh(callerId, 'default');

    await sim.setEndpoint('PJSIP/1001', { kind: 'answer', ringMs: 200 });
    const agent = await pbx.createChannel({
      endpoint: 'PJSIP/1001',
      channelId: 'agent-1',
      appArgs: ['agent', '1001', callerId],
      originator: callerId,
      variables: { __TALK: '60' },
    });
    expect(agent.id).toBe('agent-1');
    // Lesson 1 of the traces: dial only after the new channel's StasisStart.
    const agentEntered = await log.waitFor('channelEnteredApp', (e) => e.channel.id === 'agent-1');
    expect(agentEntered.args).toEqual(['agent', '1001', callerId]);

    await pbx.dial('agent-1', { callerChannelId: callerId, timeoutS: 10 });
    await log.waitFor('dialProgress', (e) => e.peerChannelId === 'agent-1' && e.status === 'ANSWER');

    expect(await pbx.createBridge({ bridgeId: 'bridge-1', name: `call-${callerId}` })).toEqual({ id: 'bridge-1', name: `call-${callerId}`, channelIds: [] });
    // A second create with the same id (a restart mid-bridging): Asterisk's 409 becomes adoption.
    expect((await pbx.createBridge({ bridgeId: 'bridge-1', name: 'again' })).id).toBe('bridge-1');
    await pbx.stopMoh(callerId);
    await pbx.addToBridge('bridge-1', [callerId, 'agent-1']);
    await log.waitFor('channelEnteredBridge', (e) => e.bridgeId === 'bridge-1' && e.channelId === callerId);
    await log.waitFor('channelEnteredBridge', (e) => e.bridgeId === 'bridge-1' && e.channelId === 'agent-1');
    const bridge = (await pbx.listBridges()).find((b) => b.id === 'bridge-1');
    expect(bridge?.channelIds.sort()).toEqual([callerId, 'agent-1'].sort());

    await pbx.hangup('agent-1', 'normal');
    await log.waitFor('channelLeftApp', (e) => e.channelId === 'agent-1');
    await pbx.destroyBridge('bridge-1');
    expect((await pbx.listBridges()).map((b) => b.id)).not.toContain('bridge-1');
    expect(await pbx.getChannel('agent-1')).toBeUndefined();
  });

  it('drives media, variables, snoop, recording and dialplan exit through the port', async () => {
    const sim = await simulator();
    const { pbx, log } = await connectedPbx(sim);
    const callerId = await placeCaller(sim, log);
    await pbx.answer(callerId);

    await pbx.ring(callerId);
    await pbx.ringStop(callerId);
    await pbx.hold(callerId);
    await pbx.unhold(callerId);
    await pbx.mute(callerId, 'in');
    expect(sim.channel(callerId)?.muted).toBe('in');
    await pbx.unmute(callerId, 'in');
    await pbx.sendDtmf(callerId, '1');

    await pbx.setVariable(callerId, 'ACD_QUEUE', 'sales');
    expect(await pbx.getVariable(callerId, 'ACD_QUEUE')).toBe('sales');
    expect(await pbx.getVariable(callerId, 'NEVER_SET')).toBeUndefined();
    await expect(pbx.getVariable('no-such-channel', 'X')).rejects.toMatchObject({ kind: 'not_found' });

    const playbackId = await pbx.play(callerId, ['sound:queue-thereare', 'number:3'], 'pb-1', 'en');
    expect(playbackId).toBe('pb-1');
    await log.waitFor('playbackStarted', (e) => e.playbackId === 'pb-1' && e.channelId === callerId && e.mediaUri === 'sound:queue-thereare');
    await log.waitFor('playbackFinished', (e) => e.playbackId === 'pb-1' && !e.failed);
    // Long enough (400 items of 15 ms real) that the stop below reaches it playing, on a loaded machine too.
    const generatedId = await pbx.play(callerId, Array<string>(400).fill('sound:queue-periodic-announce'));
    await log.waitFor('playbackStarted', (e) => e.playbackId === generatedId);
    await pbx.stopPlayback(generatedId);
    await log.waitFor('playbackFinished', (e) => e.playbackId === generatedId);

    sim.sendDtmf(callerId, '5');
    await log.waitFor('dtmfReceived', (e) => e.channelId === callerId && e.digit === '5');

    const snoop = await pbx.snoop(callerId, { snoopId: 'snoop-1', spy: 'both', whisper: 'none', appArgs: ['snoop', callerId] });
    expect(snoop.id).toBe('snoop-1');
    await log.waitFor('channelEnteredApp', (e) => e.channel.id === 'snoop-1' && e.args.join() === `snoop,${callerId}`);

    const bridge = await pbx.createBridge({ name: 'held' });
    expect(bridge.id).not.toBe('');
    await pbx.addToBridge(bridge.id, [callerId]);
    await pbx.recordBridge(bridge.id, { name: 'rec-1', format: 'wav' });
    await log.waitFor('recordingStarted', (e) => e.name === 'rec-1' && e.target === `bridge:${bridge.id}`);
    await pbx.stopRecording('rec-1');
    await log.waitFor('recordingFinished', (e) => e.name === 'rec-1' && !e.failed);
    await pbx.removeFromBridge(bridge.id, [callerId]);
    expect((await pbx.listBridges()).find((b) => b.id === bridge.id)?.channelIds).not.toContain(callerId);

    await pbx.continueInDialplan(callerId);
    await log.waitFor('channelLeftApp', (e) => e.channelId === callerId);
    expect(await pbx.appChannelIds()).not.toContain(callerId);
  });

  it('pauses and unpauses a bridge recording (paused time left out) and downloads its audio', async () => {
    const sim = await simulator();
    const { pbx, log } = await connectedPbx(sim);
    const callerId = await placeCaller(sim, log);
    const bridge = await pbx.createBridge({ name: 'rec' });
    await pbx.addToBridge(bridge.id, [callerId]);
    const liveState = async () => {
      const res = await fetch(`${sim.url}/ari/recordings/live/rec-p`, { headers: { authorization: `Basic ${Buffer.from('asterisk:secret').toString('base64')}` } });
      return ((await res.json()) as { state: string }).state;
    };
    const startedAt = Date.now();
    await pbx.recordBridge(bridge.id, { name: 'rec-p', format: 'wav' });
    await log.waitFor('recordingStarted', (e) => e.name === 'rec-p');
    await pbx.pauseRecording('rec-p');
    const pausedAt = Date.now();
    await pbx.pauseRecording('rec-p'); // idempotent, as in Asterisk
    expect(await liveState()).toBe('paused');
    // Kept: the lengths under test, not waits for something. 400 ms paused = 8 simulated seconds that must not count.
    await new Promise((r) => setTimeout(r, 400));
    const resumedAt = Date.now();
    await pbx.unpauseRecording('rec-p');
    expect(await liveState()).toBe('recording');
    await new Promise((r) => setTimeout(r, 60));
    await pbx.stopRecording('rec-p');
    const stoppedAt = Date.now();
    const finished = await log.waitFor('recordingFinished', (e) => e.name === 'rec-p');
    expect(finished.durationS).toBeGreaterThanOrEqual(1);
    // At most the time it was not paused (+1 for rounding), however slow the machine; the pause would add 8.
    expect(finished.durationS).toBeLessThanOrEqual(Math.ceil((stoppedAt - startedAt - (resumedAt - pausedAt)) / (1000 * TIME_SCALE)) + 1);
    expect(sim.requests.filter((r) => r.path === '/recordings/live/rec-p/pause').map((r) => `${r.method} ${r.status}`)).toEqual(['POST 204', 'POST 204', 'DELETE 204']);
    // No event for pause / unpause, as Asterisk.
    expect(log.events.filter((e) => e.type === 'recordingStarted' || e.type === 'recordingFinished').length).toBe(2);
    await expect(pbx.pauseRecording('rec-p')).rejects.toMatchObject({ kind: 'not_found' });

    const file = await pbx.getRecordingFile('rec-p');
    expect(file.contentType).toBe('audio/wav');
    expect(file.data.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect(file.data.subarray(8, 12).toString('ascii')).toBe('WAVE');
    // 8 kHz, 16-bit mono: the data chunk holds exactly the reported duration.
    expect(file.data.readUInt32LE(40)).toBe(finished.durationS * 16_000);
    expect(file.data.length).toBe(44 + finished.durationS * 16_000);
    await expect(pbx.getRecordingFile('no-such-recording')).rejects.toMatchObject({ kind: 'not_found', status: 404 });
  });

  it('surfaces 404, 409 not-in-Stasis, 400 and 500 allocation failures as PbxError kinds', async () => {
    const sim = await simulator();
    const { pbx, log } = await connectedPbx(sim);
    const callerId = await placeCaller(sim, log);
    const agentLeg = { channelId: 'agent-x', appArgs: ['agent', '1001'] };

    await expect(pbx.answer('no-such-channel')).rejects.toMatchObject({ name: 'PbxError', kind: 'not_found', status: 404, operation: 'channels.answer' });
    await expect(pbx.destroyBridge('no-such-bridge')).rejects.toMatchObject({ kind: 'not_found', status: 404 });
    // The caller's phone (the ;1 half of the Local channel) runs dialplan, not Stasis.
    await expect(pbx.answer(callerId.replace(/;2$/, ''))).rejects.toMatchObject({ kind: 'not_in_stasis', status: 409 });
    await expect(pbx.createChannel({ ...agentLeg, endpoint: 'Nonsense' })).rejects.toMatchObject({ kind: 'invalid', status: 400 });
    await sim.setEndpoint('PJSIP/1002', { kind: 'unavailable' });
    await expect(pbx.createChannel({ ...agentLeg, endpoint: 'PJSIP/1002' })).rejects.toMatchObject({
      kind: 'allocation_failed',
      status: 500,
      message: 'Allocation failed',
      operation: 'channels.create',
    });
    expect(await pbx.getChannel('no-such-channel')).toBeUndefined();
  });

  it('after the socket drops, reports disconnected then connected{reconnect} and events flow again', async () => {
    const sim = await simulator();
    const { pbx, log } = await connectedPbx(sim);
    const firstCaller = await placeCaller(sim, log);

    const mark = log.events.length;
    await sim.dropConnections();
    await log.waitFor('disconnected', undefined, 5_000, mark);
    await log.waitFor('connected', (e) => e.reconnect, 5_000, mark);
    expect(log.types().slice(mark)).toEqual(['disconnected', 'connected']);
    expect(pbx.connected).toBe(true);

    // Channels stay in Stasis while no socket is connected (lesson 7), and new calls arrive.
    expect(await pbx.appChannelIds()).toContain(firstCaller);
    const secondCaller = await placeCaller(sim, log);
    expect(secondCaller).not.toBe(firstCaller);
  });

  it('a second adapter for the same app makes the first one get appReplaced', async () => {
    const sim = await simulator();
    const first = await connectedPbx(sim, { appReplacedDelayMs: 60_000 });
    const second = await connectedPbx(sim);

    await first.log.waitFor('appReplaced');
    expect(first.log.types()).toEqual(['connected', 'appReplaced', 'disconnected']);
    expect(first.pbx.connected).toBe(false);

    const callerId = await placeCaller(sim, second.log);
    expect(first.log.events.some((e) => e.type === 'channelEnteredApp' && e.channel.id === callerId)).toBe(false);
  });

  it('opens at most maxRestConnections (ARI_MAX_CONNECTIONS) REST connections, 48 by default', async () => {
    const sim = await simulator();
    const restConnections = (sent: string[]) => sent.filter((bytes) => bytes.includes('POST /ari/channels/busy-')).length;
    const burst = (pbx: Pbx, n: number) => Promise.all(Array.from({ length: n }, (_, i) => pbx.answer(`busy-${i}`).catch(() => undefined)));

    const three = await countingProxy(sim.url);
    const { pbx: bounded } = await connectedPbx(three, { maxRestConnections: 3 });
    await burst(bounded, 30);
    expect(restConnections(three.sent)).toBe(3);

    const byDefault = await countingProxy(sim.url);
    const { pbx: unbounded } = await connectedPbx(byDefault);
    await burst(unbounded, 60);
    expect(restConnections(byDefault.sent)).toBe(48);
  });

  it('start() keeps trying until the PBX is up, and REST fails as unavailable meanwhile', async () => {
    const port = await freePort();
    const pbx = testPbx(`http://127.0.0.1:${port}`);
    cleanups.push(() => pbx.stop());
    const started = pbx.start();
    // Kept: a stretch with nothing listening (no event marks a failed attempt), not a wait for something.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(pbx.connected).toBe(false);
    await expect(pbx.listChannels()).rejects.toSatisfy((e) => isPbxError(e, 'unavailable'));

    await simulator(port);
    await started;
    expect(pbx.connected).toBe(true);
    expect(await pbx.listChannels()).toEqual([]);
  });

  it('stop() leaves nothing running: a process using the adapter exits on its own', async () => {
    const script = fileURLToPath(new URL('./exit-after-stop.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, output }).toEqual({ code: 0, output: 'call answered; stopped\n' });
  });
});
