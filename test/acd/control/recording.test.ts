/**
 * Call recording through the whole engine (simulator over ARI + real Redis) and the HTTP API:
 * pause / resume per call (ARI requests, control state, invalid_state), the duration reported by
 * the PBX (paused time excluded), automatic per-queue recording around a queue call, and the
 * audio download route (bytes, headers, auth, 404).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEventHub, type EventHub } from '../../../src/api/eventHub.js';
import { buildApi } from '../../../src/api/server.js';
import { createApiServices } from '../../../src/api/services.js';
import { resolveAuthSettings } from '../../../src/auth/settings.js';
import { resolveConfigFile, type ConfigFile } from '../../../src/config.js';
import { HANDLED_ARI_EVENT_TYPES } from '../../../src/pbx/ari/normalize-event.js';
import { RECORDING_ESTIMATE_GRACE_MS } from '../../../src/store/controlOps.js';
import { sleep, startHarness, waitFor, type Harness } from '../../helpers/acdHarness.js';
import { httpClient, type HttpClient } from '../../api/httpClient.js';
import { engineApiDeps } from '../../helpers/engineApi.js';

const config: ConfigFile = {
  queues: [
    { id: 'sales', ringTimeoutS: 3, wrapupS: 0 },
    { id: 'recorded', ringTimeoutS: 3, wrapupS: 0, record: { format: 'wav', nameTemplate: '{queue}-{agentId}-{callId}-{ts}' } },
  ],
  agents: [
    { id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] },
    { id: 'a2', endpoint: 'PJSIP/a2', queues: ['recorded'] },
  ],
};

const KEYS = { admin: 'admin-key-0123456789', a1: 'agent-a1-key-0123456789', a2: 'agent-a2-key-0123456789' };
const AUTH = {
  mode: 'keys' as const,
  apiKeys: [
    { key: KEYS.admin, role: 'admin' as const, name: 'admin' },
    { key: KEYS.a1, role: 'agent' as const, agentId: 'a1', name: 'agent-a1' },
    { key: KEYS.a2, role: 'agent' as const, agentId: 'a2', name: 'agent-a2' },
  ],
};

let h: Harness;
let hub: EventHub | undefined;
let api: Awaited<ReturnType<typeof buildApi>> | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await api?.close();
  await hub?.stop();
  await h?.close();
  api = hub = undefined;
});

const by = 'agent';

async function startApi(): Promise<{ http: HttpClient; base: string }> {
  hub = createEventHub(h.store, h.logger, { blockMs: 50, retryMs: 20 });
  await hub.start();
  const services = createApiServices({ redis: h.redis, tenant: h.tenant, store: h.store, hub, logger: h.logger, auth: resolveAuthSettings(AUTH), stats: { groups: {} } });
  api = await buildApi(engineApiDeps(h, hub, services, resolveConfigFile(config).reasons));
  const base = `${await api.listen({ host: '127.0.0.1', port: 0 })}/api`;
  return { http: httpClient(base), base };
}


const finished = (name: string) =>
  waitFor(async () => {
    const [r] = (await h.store.listRecordings()).filter((x) => x.name === name);
    return r?.durationS !== undefined ? r : undefined;
  }, `recording ${name} finished`);

describe('pause and resume', () => {
  it('pauses and resumes the running recording; invalid_state without one or twice in a row; paused time is not in the duration', async () => {
    h = await startHarness(config);
    const call = await h.connectedCall('a1', 'sales');
    await expect(h.engine.control.pauseRecording({ agentId: 'a1', by })).rejects.toMatchObject({ code: 'invalid_state' });
    await expect(h.engine.control.resumeRecording({ agentId: 'a1', by })).rejects.toMatchObject({ code: 'invalid_state' });

    const startedAt = Date.now();
    const { name } = await h.engine.control.startRecording({ agentId: 'a1', by });
    await expect(h.engine.control.resumeRecording({ agentId: 'a1', by })).rejects.toMatchObject({ code: 'invalid_state' });
    await h.engine.control.pauseRecording({ agentId: 'a1', by });
    const pausedAt = Date.now();
    expect(h.sim.requests.filter((r) => r.path === `/recordings/live/${name}/pause`).map((r) => `${r.method} ${r.status}`)).toEqual(['POST 204']);
    expect(await h.store.getControl(call.id)).toMatchObject({ recording: name, recordingPaused: '1' });
    await expect(h.engine.control.pauseRecording({ agentId: 'a1', by })).rejects.toMatchObject({ code: 'invalid_state' });
    // Kept: the paused stretch under test (600 ms real = 6 simulated seconds), not a wait for something.
    await sleep(600);
    const resumedAt = Date.now();
    await h.engine.control.resumeRecording({ agentId: 'a1', by });
    expect(h.sim.requests.filter((r) => r.path === `/recordings/live/${name}/pause`).map((r) => `${r.method} ${r.status}`)).toEqual(['POST 204', 'DELETE 204']);
    expect((await h.store.getControl(call.id)).recordingPaused).toBeUndefined();
    const details = (await h.events()).flatMap((e) => (e.type === 'CallControl' && e.action === 'recording' ? [`${e.step} ${e.name}`] : []));
    expect(details).toEqual([`started ${name}`, `paused ${name}`, `resumed ${name}`]);

    await h.engine.control.stopRecording({ agentId: 'a1', by });
    const stoppedAt = Date.now();
    expect(await h.store.getControl(call.id)).toEqual({});
    const info = await finished(name);
    // At most the time it was not paused (100 ms real per simulated second; +1 for rounding),
    // however slow the machine; counting the pause would add 6.
    expect(info.durationS).toBeLessThanOrEqual(Math.ceil((stoppedAt - startedAt - (resumedAt - pausedAt)) / 100) + 1);
    expect((await h.store.getAgent('a1'))?.status).toBe('busy');
  });
});

describe('automatic recording per queue', () => {
  it('records a call of a `record` queue from connect to its end and lists it with queue, agent, call, start and duration', async () => {
    h = await startHarness(config);
    const before = Date.now();
    const call = await h.connectedCall('a2', 'recorded');
    // The engine writes the store right after the PBX accepted the recording.
    await waitFor(async () => (await h.store.getControl(call.id)).recording, 'recording in the call control');
    const rec = h.sim.requests.find((r) => r.path === `/bridges/${call.bridgeId}/record`)!;
    expect(rec).toMatchObject({ method: 'POST', status: 201, query: { format: 'wav' } });
    const name = rec.query.name!;
    expect(name).toMatch(new RegExp(`^recorded-a2-${call.id.replace(/[^A-Za-z0-9_-]/g, '_')}-\\d+$`));
    expect(await h.store.getControl(call.id)).toMatchObject({ recording: name });
    const [listed] = await h.store.listRecordings({ callId: call.id });
    expect(listed).toMatchObject({ name, format: 'wav', queue: 'recorded', agentId: 'a2', callId: call.id, by: 'queue' });
    expect(listed!.startedAt).toBeGreaterThanOrEqual(before);
    expect(listed!.durationS).toBeUndefined();

    await sleep(300); // kept: the recording's length under test (3 simulated seconds), not a wait for something
    h.sim.hangup(call.callerChannel);
    const info = await finished(name);
    expect(info.durationS).toBeGreaterThanOrEqual(2);
    expect(await h.store.getCall(call.id)).toBeUndefined();
    await waitFor(async () => (await h.store.getAgent('a2'))?.status === 'ready', 'a2 ready again');
    // A queue without `record` records nothing by itself.
    await h.connectedCall('a1', 'sales');
    expect(h.sim.requests.filter((r) => r.path.endsWith('/record'))).toHaveLength(1);
  });

  it('refuses a name template without {callId} and {ts} or with an unknown placeholder', () => {
    const withTemplate = (nameTemplate: string) => ({ ...config, queues: [{ id: 'q', record: { format: 'wav' as const, nameTemplate } }] });
    expect(() => resolveConfigFile(withTemplate('{queue}-{ts}'))).toThrow(/record\.nameTemplate.*\{callId\}/);
    expect(() => resolveConfigFile(withTemplate('{callId}-{ts}-{who}'))).toThrow(/unknown placeholder \{who\}/);
    expect(() => resolveConfigFile({ ...config, queues: [{ id: 'q', record: { format: 'mp4' } }] } as unknown as ConfigFile)).toThrow(/record/);
  });
});

describe('recordings over the API', () => {
  it('pauses / resumes through the CTI command table and downloads the audio with its content type', async () => {
    h = await startHarness(config);
    const { http, base } = await startApi();
    const call = await h.connectedCall('a1', 'sales');
    const cmd = (command: string, key = KEYS.a1) => http('POST', `/cti/agents/a1/${command}`, { key, body: {} });
    expect(await cmd('pauseRecording')).toMatchObject({ status: 409, body: { code: 'invalid_state' } });
    const started = await cmd('startRecording');
    const name = started.body.data.name as string;
    expect(await cmd('pauseRecording')).toMatchObject({ status: 200, body: { result: 'success', data: { name } } });
    expect(await cmd('resumeRecording')).toMatchObject({ status: 200, body: { data: { name } } });
    expect(await cmd('resumeRecording')).toMatchObject({ status: 409, body: { code: 'invalid_state' } });
    await sleep(200); // kept: the recording's length under test, not a wait for something
    h.sim.hangup(call.callerChannel);
    const info = await finished(name);

    const list = await http('GET', '/recordings?agentId=a1', { key: KEYS.a1 });
    expect(list.body).toEqual([expect.objectContaining({ name, callId: call.id, agentId: 'a1', queue: 'sales', durationS: info.durationS })]);

    const res = await fetch(`${base}/recordings/${name}/file?agentId=a1`, { headers: { 'x-api-key': KEYS.a1 } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${name}.wav"`);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect(bytes.length).toBe(44 + info.durationS! * 16_000);
    expect(h.sim.requests.find((r) => r.path === `/recordings/stored/${name}/file`)).toMatchObject({ method: 'GET', status: 200 });

    // Auth like the list: an agent key names itself and gets only its own recordings.
    expect((await http('GET', `/recordings/${name}/file`, { key: KEYS.a1 })).status).toBe(403);
    expect((await http('GET', `/recordings/${name}/file?agentId=a2`, { key: KEYS.a2 })).status).toBe(404);
    expect((await http('GET', `/recordings/${name}/file`)).status).toBe(401);
    expect((await http('GET', `/recordings/${name}/file`, { key: KEYS.admin })).status).toBe(200);
    expect(await http('GET', '/recordings/no-such-recording/file', { key: KEYS.admin })).toMatchObject({ status: 404, body: { code: 'not_found' } });
  });
});

describe('a RecordingFinished that never comes', () => {
  it("lists the engine's own duration, paused time excluded, once the PBX has not reported it for the grace period", async () => {
    // Only Date is faked (and still runs): the recording's clock is moved on instead of waited for.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    h = await startHarness(config);
    // What the real Asterisk does now and then when the recording ends with its bridge: no RecordingFinished.
    const sim = (path: string, init?: RequestInit) => fetch(`${h.sim.url}/ari/applications/acd${path}`, { ...init, headers: { authorization: `Basic ${Buffer.from('asterisk:asterisk').toString('base64')}`, 'content-type': 'application/json' } });
    await waitFor(async () => ((await (await sim('')).json()) as { events_allowed: unknown[] }).events_allowed.length > 0, 'engine event filter');
    const allowed = HANDLED_ARI_EVENT_TYPES.filter((t) => t !== 'RecordingFinished').map((type) => ({ type }));
    expect((await sim('/eventFilter', { method: 'PUT', body: JSON.stringify({ allowed }) })).status).toBe(200);

    const call = await h.connectedCall('a1', 'sales');
    const { name } = await h.engine.control.startRecording({ agentId: 'a1', by });
    vi.setSystemTime(Date.now() + 4_000);
    await h.engine.control.pauseRecording({ agentId: 'a1', by });
    vi.setSystemTime(Date.now() + 60_000);
    await h.engine.control.resumeRecording({ agentId: 'a1', by });
    vi.setSystemTime(Date.now() + 3_000);
    h.sim.hangup(call.callerChannel);
    await waitFor(async () => (await h.store.getCall(call.id)) === undefined, 'call ended');
    // The store ends the call before the end step stops the recording and notes its figure.
    await h.engine.settled();
    // Within the grace the PBX's figure may still come: nothing is listed yet.
    expect((await h.store.getRecording(name))?.durationS).toBeUndefined();
    vi.setSystemTime(Date.now() + RECORDING_ESTIMATE_GRACE_MS);
    expect((await h.store.getRecording(name))?.durationS).toBe(7);
    expect((await h.store.listRecordings({ callId: call.id })).map((r) => r.durationS)).toEqual([7]);
  });
});
