/**
 * The CTI command channel end to end: engine on the simulator, the HTTP API with its WebSocket
 * endpoint, a real WebSocket client. Responses, echoed failures, events to the agent and the
 * supervisor, (re)connect initialisation, and the same commands over REST.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AuthFile } from '../../src/auth/settings.js';
import { waitFor, type Harness } from '../helpers/acdHarness.js';
import { startCtiApi, type CtiApi } from './ctiApi.js';
import { CtiClient } from './ctiClient.js';
import type { OutboundCall } from '../../src/domain/controlCall.js';

const config = {
  queues: [{ id: 'sales', ringTimeoutS: 3, wrapupS: 1 }],
  agents: [
    { id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] },
    { id: 'a2', endpoint: 'PJSIP/a2', queues: ['sales'], wrapupS: 1 },
  ],
  reasons: { notReady: [{ code: 'break', label: 'Break' }], logout: [{ code: 'eod', label: 'End of day' }] },
  offerVariables: ['ACCOUNT', 'LANGUAGE'],
};

let h: Harness;
let api: CtiApi['api'];
let base: string;
let running: CtiApi | undefined;
const clients: CtiClient[] = [];

async function start(auth?: AuthFile) {
  running = await startCtiApi(config, auth);
  ({ h, api, base } = running);
}

async function open(path: string) {
  const c = await CtiClient.open(`${base}/api/cti/ws/${path}`);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await running?.close();
  running = undefined;
});

describe('WebSocket endpoints sharing the API server', () => {
  it('serves the CTI socket and a ticket event socket side by side, and 404 for other paths', async () => {
    await start();
    const c = await open('agents/a1');
    await c.event('session.initialized');
    const http = base.replace('ws', 'http');
    const { ticket } = (await (await fetch(`${http}/api/tickets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agents: ['a1'] }) })).json()) as { ticket: string };
    const events = new WebSocket(`${base}/api/tickets/${ticket}/websocket`);
    await new Promise((resolve, reject) => events.once('open', resolve).once('error', reject));
    const first = new Promise<{ type: string }>((resolve) => events.once('message', (m) => resolve(JSON.parse(String(m)) as { type: string })));
    await c.command('login', 'a1', { endpoint: 'PJSIP/a1' });
    expect(await first).toMatchObject({ type: 'AgentStatus' });
    events.close();
    const stray = new WebSocket(`${base}/nothing/here`);
    const status = await new Promise<number>((resolve) => stray.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(404);
  });
});

describe('CTI WebSocket, agent session', () => {
  it('initialises, runs session and call commands, and streams the agent its events', async () => {
    await start();
    const c = await open('agents/a1');
    expect(await c.event('agent.state')).toMatchObject({ target: 'a1', data: { status: 'logged_out' } });
    await c.event('session.initialized');

    expect(await c.command('notReadyReasons', 'a1')).toMatchObject({ result: 'success', data: expect.arrayContaining([{ code: 'break', label: 'Break' }]) });
    expect(await c.command('login', 'a1', { endpoint: 'PJSIP/a1' })).toMatchObject({ result: 'success', data: { id: 'a1', status: 'not_ready' } });
    await c.event('agent.state', (d) => d.status === 'not_ready');
    await c.command('notReady', 'a1', { reason: 'break' });
    expect(await c.event('agent.state', (d) => d.reason === 'break')).toMatchObject({ data: { label: 'Break', by: 'agent' } });

    const hold = await c.command('hold', 'a1');
    expect(hold).toMatchObject({ result: 'failure', data: { code: 'invalidState' }, request: { command: 'hold', target: 'a1' } });
    expect(await c.command('notReady', 'a1', { reason: 'nope' })).toMatchObject({ result: 'failure', data: { code: 'invalidParameter' } });

    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 200 });
    await c.command('ready', 'a1');
    const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '5550100', callerName: 'Ann' });
    expect(await c.event('call.offered')).toMatchObject({ data: { callId: caller, queue: 'sales', callerNumber: '5550100', callerName: 'Ann' } });
    const active = await c.event('dialog.state', (d) => d.state === 'active');
    expect(active.data).toMatchObject({ callId: caller, participants: [{ role: 'caller', state: 'active' }, { role: 'agent', id: 'a1', state: 'active' }] });
    await c.event('agent.state', (d) => d.status === 'busy');

    expect(await c.command('hold', `a1.${caller}`)).toMatchObject({ result: 'success' });
    expect((await c.event('dialog.state', (d) => d.state === 'held')).data).toMatchObject({ participants: [{ role: 'caller', state: 'held' }, {}] });
    await c.command('retrieve', 'a1');
    await c.event('dialog.state', (d) => d.state === 'active');
    await c.command('dtmf', 'a1', { digits: '42' });
    expect(await c.event('dtmf')).toMatchObject({ data: { callId: caller, digits: '42', direction: 'sent' } });
    h.sim.sendDtmf(caller, '7');
    expect(await c.event('dtmf')).toMatchObject({ data: { callId: caller, digits: '7', direction: 'received' } });
    expect(await c.command('hold', 'a1.other-call')).toMatchObject({ result: 'failure', data: { code: 'invalidState' } });

    await c.command('release', 'a1');
    expect(await c.event('dialog.state', (d) => d.state === 'dropped')).toMatchObject({ data: { callId: caller, reason: 'completeagent' } });
    await c.event('agent.state', (d) => d.status === 'after_call_work');
  });

  it('offers a call with its variables; an outbound call is held and gets DTMF like a queue call', async () => {
    await start({ destinationAllowList: ['5551234'] });
    const c = await open('agents/a1');
    await c.event('session.initialized');
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 50 });
    await c.command('login', 'a1', { endpoint: 'PJSIP/a1', ready: true });
    // Stasis options and the configured channel variables (inherited into the Stasis half like Set(__ACCOUNT=42); LANGUAGE unset: left out).
    const caller = h.sim.placeCall({ queue: 'sales', args: ['sales', 'lang=fr', 'priority=3'], variables: { __ACCOUNT: '42', __OTHER: 'x' } });
    const offered = await c.event('call.offered');
    expect(offered.data).toMatchObject({ callId: caller, priority: 3 });
    expect(offered.data?.variables).toEqual({ lang: 'fr', priority: '3', ACCOUNT: '42' });

    const d = await open('agents/a2');
    await d.event('session.initialized');
    h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 50 });
    h.sim.setEndpoint('PJSIP/5551234', { kind: 'answer', ringMs: 50 });
    await d.command('login', 'a2', { endpoint: 'PJSIP/a2' });
    const { data } = await d.command('dial', 'a2', { destination: '5551234' });
    const id = (data as { id: string }).id;
    await d.event('dialog.state', (x) => x.callId === id && x.state === 'active');
    expect(await d.command('hold', `a2.${id}`)).toMatchObject({ result: 'success' });
    expect((await d.event('dialog.state', (x) => x.state === 'held')).data).toMatchObject({ participants: [{ role: 'agent' }, { role: 'destination', state: 'held' }] });
    expect(await d.command('hold', 'a2')).toMatchObject({ result: 'failure', data: { code: 'invalidState' } });
    await d.command('retrieve', 'a2');
    await d.command('mute', 'a2');
    await d.event('dialog.state', (x) => x.muted === true);
    await d.command('dtmf', 'a2', { digits: '9' });
    expect(await d.event('dtmf')).toMatchObject({ data: { callId: id, digits: '9', direction: 'sent' } });
    h.sim.sendDtmf(((await h.store.getControlCall(id)) as OutboundCall).destLeg, '7');
    expect(await d.event('dtmf')).toMatchObject({ data: { callId: id, digits: '7', direction: 'received' } });
    await d.command('release', 'a2');
    await d.event('dialog.state', (x) => x.callId === id && x.state === 'dropped');
  });

  it('notReady during a call is accepted for its end, shown as pending, and restored on reconnect', async () => {
    await start();
    await h.connectedCall();
    const c = await open('agents/a1');
    await c.event('session.initialized');
    expect(await c.command('notReady', 'a1', { reason: 'break' })).toMatchObject({ result: 'success', data: { status: 'busy', pending: { status: 'not_ready', reason: 'break' } } });
    expect((await c.event('agent.state', (d) => d.pending !== undefined)).data).toMatchObject({ status: 'busy', pending: { status: 'not_ready', reason: 'break', label: 'Break' }, by: 'agent' });
    const again = await open('agents/a1');
    expect((await again.event('agent.state')).data).toMatchObject({ status: 'busy', pending: { status: 'not_ready', reason: 'break' } });
    await c.command('release', 'a1');
    expect((await c.event('agent.state', (d) => d.status !== 'busy')).data).toMatchObject({ status: 'not_ready', reason: 'break', label: 'Break' });
  });

  it('restores an agent already on a call when it (re)connects', async () => {
    await start();
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
    await h.engine.agents.login('a1', { by: 'test', ready: true });
    const caller = h.sim.placeCall({ queue: 'sales' });
    await h.waitForCall(caller, 'connected');
    await h.engine.control.hold({ agentId: 'a1', by: 'test' });
    const c = await open('agents/a1');
    expect(await c.event('agent.state')).toMatchObject({ data: { status: 'busy', callId: caller } });
    expect(await c.event('dialog.state')).toMatchObject({ data: { callId: caller, state: 'held' } });
    await c.event('session.initialized');
  });

  it('pushes an error event when an accepted dial or monitor fails later (busy phone)', async () => {
    await start({ destinationAllowList: ['5551234'] });
    const c = await open('agents/a1');
    await c.event('session.initialized');
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 50 });
    h.sim.setEndpoint('PJSIP/5551234', { kind: 'busy' });
    await c.command('login', 'a1', { endpoint: 'PJSIP/a1' });
    const dial = await c.command('dial', 'a1', { destination: '5551234' });
    expect(dial).toMatchObject({ result: 'success' });
    const id = (dial.data as { id: string }).id;
    expect((await c.event('error')).data).toMatchObject({ command: 'dial', callId: id, code: 'invalidState', dialStatus: 'BUSY' });
    await c.event('dialog.state', (x) => x.callId === id && x.state === 'dropped');

    await h.engine.agents.ready('a1', { by: 'test' }).catch(() => undefined);
    await waitFor(async () => (await h.store.getAgent('a1'))?.status === 'ready' || undefined, 'a1 ready after wrap-up');
    const caller = h.sim.placeCall({ queue: 'sales' });
    await h.waitForCall(caller, 'connected');
    h.sim.setEndpoint('PJSIP/sup', { kind: 'busy' });
    const s = await open('supervisors/s1');
    await s.event('session.initialized');
    expect(await s.command('monitor', 's1', { agentId: 'a1', endpoint: 'PJSIP/sup' })).toMatchObject({ result: 'success' });
    expect((await s.event('error')).data).toMatchObject({ command: 'monitor', callId: caller, code: 'invalidState', dialStatus: 'BUSY' });
    await s.event('supervisor.state', (x) => x.mode === 'ended');
    expect(h.engine.control.monitorOf('s1')).toBeUndefined();
  });

  it('refuses malformed requests, other sessions and supervisor commands, echoing the request', async () => {
    await start();
    const c = await open('agents/a1');
    await c.event('session.initialized');
    c.sendRaw('not json');
    expect(await c.next((m) => m.result === 'failure')).toMatchObject({ data: { code: 'invalidParameter' }, request: 'not json' });
    expect(await c.command('ready', 'a2')).toMatchObject({ result: 'failure', data: { code: 'forbidden' } });
    expect(await c.command('forceState', 'a1', { agentId: 'a2', state: 'ready' })).toMatchObject({ result: 'failure', data: { code: 'forbidden' } });
    expect(await c.command('fly', 'a1')).toMatchObject({ result: 'failure', data: { code: 'invalidParameter' } });
    await expect(CtiClient.open(`${base}/api/cti/ws/agents/nobody`)).rejects.toThrow(/404/);
  });
});

describe('CTI supervisor session and REST', () => {
  it('forces an agent state over the WebSocket and sees it attributed; monitor events reach the supervisor', async () => {
    await start();
    const s = await open('supervisors/s1');
    await s.event('session.initialized');
    await h.engine.agents.login('a1', { by: 'test' });
    expect(await s.command('forceState', 's1', { agentId: 'a1', state: 'ready' })).toMatchObject({ result: 'success', data: { status: 'ready' } });
    expect(await s.event('agent.state', (d) => d.agentId === 'a1' && d.status === 'ready')).toMatchObject({ data: { by: 'supervisor:s1' } });

    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
    h.sim.setEndpoint('PJSIP/sup', { kind: 'answer', ringMs: 100 });
    const caller = h.sim.placeCall({ queue: 'sales' });
    await h.waitForCall(caller, 'connected');
    expect(await s.command('whisper', 's1', { agentId: 'a1', endpoint: 'PJSIP/sup' })).toMatchObject({ result: 'success', data: { mode: 'whisper' } });
    expect(await s.event('supervisor.state')).toMatchObject({ data: { agentId: 'a1', callId: caller, mode: 'whisper' } });
    expect(await s.command('switchMode', 's1', { mode: 'barge' })).toMatchObject({ result: 'success', data: { mode: 'barge' } });
    await s.event('supervisor.state', (d) => d.mode === 'barge');
    await s.command('endMonitor', 's1');
    await s.event('supervisor.state', (d) => d.mode === 'ended');
  });

  it('serves the same commands over REST with the usual error bodies', async () => {
    await start();
    await h.engine.agents.login('a1', { by: 'test', ready: true });
    const hold = await api.inject({ method: 'POST', url: '/api/cti/agents/a1/hold' });
    expect(hold.statusCode).toBe(409);
    expect(hold.json()).toMatchObject({ status: 'error', code: 'invalid_state' });
    const nr = await api.inject({ method: 'POST', url: '/api/cti/agents/a1/notReady', payload: { data: { reason: 'break' } } });
    expect(nr.json()).toMatchObject({ result: 'success', data: { status: 'not_ready', reason: 'break' } });
    const state = await api.inject({ method: 'GET', url: '/api/cti/agents/a1' });
    expect(state.json()).toMatchObject({ agent: { id: 'a1', status: 'not_ready' }, dialog: null });
    const forced = await api.inject({ method: 'POST', url: '/api/cti/supervisors/s1/forceState', payload: { data: { agentId: 'a1', state: 'logged_out' } } });
    expect(forced.json()).toMatchObject({ result: 'success', data: { status: 'logged_out' } });
    expect((await api.inject({ method: 'POST', url: '/api/cti/agents/a1/fly' })).statusCode).toBe(400);
    await waitFor(async () => (await h.store.getAgent('a1'))?.status === 'logged_out', 'logged out');
  });

  it('login joins the queues asked for; notReady with reason acw enters after-call work, then ready', async () => {
    await start();
    const bad = await api.inject({ method: 'POST', url: '/api/cti/agents/a2/login', payload: { data: { queues: ['nope'] } } });
    expect(bad.statusCode).toBe(404);
    expect((await h.store.getAgent('a2'))?.status).toBe('logged_out');
    const login = await api.inject({ method: 'POST', url: '/api/cti/agents/a2/login', payload: { data: { queues: ['sales'], ready: true } } });
    expect(login.json()).toMatchObject({ result: 'success', data: { status: 'ready', queues: ['sales'] } });
    const acw = await api.inject({ method: 'POST', url: '/api/cti/agents/a2/notReady', payload: { data: { reason: 'acw' } } });
    expect(acw.json()).toMatchObject({ result: 'success', data: { status: 'after_call_work' } });
    await waitFor(async () => (await h.store.getAgent('a2'))?.status === 'ready', 'ready after wrap-up', 5_000);
    await h.engine.agents.logout('a2', { by: 'test' });
    expect((await api.inject({ method: 'POST', url: '/api/cti/agents/a2/notReady', payload: { data: { reason: 'acw' } } })).statusCode).toBe(409);
  });
});

const AGENT_KEY = 'agent-a1-key-0123456789';
const SUPERVISOR_KEY = 'supervisor-key-0123456789';
const KEYS: AuthFile = {
  apiKeys: [
    { key: AGENT_KEY, role: 'agent', agentId: 'a1' },
    { key: SUPERVISOR_KEY, role: 'supervisor' },
  ],
  destinationAllowList: ['_5XXX'],
};

/** a1 and a2 each connected with a caller from number 777: a target that names two calls. */
async function twoCallsFromOneNumber(): Promise<[string, string]> {
    await start(KEYS);
    for (const id of ['a1', 'a2']) {
      h.sim.setEndpoint(`PJSIP/${id}`, { kind: 'answer', ringMs: 100 });
      await h.engine.agents.login(id, { by: 'test', ready: true });
    }
    const c1 = h.sim.placeCall({ queue: 'sales', callerNumber: '777' });
    const c2 = h.sim.placeCall({ queue: 'sales', callerNumber: '777' });
    await h.waitForCall(c1, 'connected');
    await h.waitForCall(c2, 'connected');
  return [c1, c2];
}

describe('CTI access and PBXIS call routes', () => {
  it('lets an agent key open and command only its own session; supervisor commands need a supervisor key', async () => {
    await start(KEYS);
    const own = await CtiClient.open(`${base}/api/cti/ws/agents/a1`, { 'x-api-key': AGENT_KEY });
    clients.push(own);
    await own.event('session.initialized');
    await expect(CtiClient.open(`${base}/api/cti/ws/agents/a2`, { 'x-api-key': AGENT_KEY })).rejects.toThrow(/403/);
    await expect(CtiClient.open(`${base}/api/cti/ws/agents/a1`)).rejects.toThrow(/401/);
    await expect(CtiClient.open(`${base}/api/cti/ws/supervisors/s1`, { 'x-api-key': AGENT_KEY })).rejects.toThrow(/403/);
    const rest = await api.inject({ method: 'POST', url: '/api/cti/agents/a2/ready', headers: { 'x-api-key': AGENT_KEY } });
    expect(rest.statusCode).toBe(403);
    const forced = await api.inject({ method: 'POST', url: '/api/cti/supervisors/s1/forceState', headers: { 'x-api-key': SUPERVISOR_KEY }, payload: { data: { agentId: 'a2', state: 'logged_out' } } });
    expect(forced.statusCode).toBe(409); // a2 is already logged out: invalid_state, after auth passed
  });

  it('originate rings the agent then the allowed destination and returns an action id; others are refused', async () => {
    await start(KEYS);
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
    h.sim.setEndpoint('PJSIP/5123', { kind: 'answer', ringMs: 100 });
    await h.engine.agents.login('a1', { by: 'test' });
    const denied = await api.inject({ method: 'POST', url: '/originate/a1/0900123', headers: { 'x-api-key': AGENT_KEY } });
    expect(denied.statusCode).toBe(403);
    const other = await api.inject({ method: 'POST', url: '/originate/a2/5123', headers: { 'x-api-key': AGENT_KEY } });
    expect(other.statusCode).toBe(403);
    const res = await api.inject({ method: 'POST', url: '/originate/a1/5123', headers: { 'x-api-key': AGENT_KEY }, payload: { callerId: '"Shop" <200>', variables: { ORDER: '42' } } });
    expect(res.statusCode).toBe(200);
    const actionId = res.json<string>();
    expect((await h.store.getAgent('a1'))?.callId).toBe(actionId);
    await waitFor(() => h.sim.bridges().find((b) => b.channelIds.length === 2), 'agent and destination bridged');
    const dest = h.sim.requests.find((r) => r.path === '/channels/create' && r.query.endpoint === 'PJSIP/5123');
    expect(dest).toBeDefined();
  });

  it('redirect-to transfers the call of an agent, and lists candidates when the target is ambiguous', async () => {
    const [c1, c2] = await twoCallsFromOneNumber();
    const headers = { 'x-api-key': SUPERVISOR_KEY };
    const ambiguous = await api.inject({ method: 'POST', url: '/redirect-to/5000', headers, payload: { 'agent-or-channel': '777' } });
    expect(ambiguous.json<{ candidates: unknown[] }>().candidates).toHaveLength(2);
    h.sim.setEndpoint('PJSIP/5000', { kind: 'answer', ringMs: 100 });
    const agentOfC1 = (await h.store.getCall(c1))!.agentId;
    const res = await api.inject({ method: 'POST', url: '/redirect-to/5000', headers, payload: { 'agent-or-channel': agentOfC1 } });
    expect(res.json()).toEqual({ status: 'ok' });
    await waitFor(() => h.sim.bridges().find((b) => b.channelIds.includes(c1) && b.channelIds.some((id) => h.sim.channel(id)?.args[0] === 'transfer')), 'caller with 5000');
    expect((await api.inject({ method: 'POST', url: '/redirect-to/9999', headers, payload: { 'agent-or-channel': c2 } })).statusCode).toBe(403);
  });
});

describe('CTI park and announce, PBXIS park-and-announce', () => {
  it('park over the WebSocket: the slot is returned and shown, another agent retrieves it over REST', async () => {
    await start();
    const c = await open('agents/a1');
    await c.event('session.initialized');
    expect(await c.command('park', 'a1')).toMatchObject({ result: 'failure', data: { code: 'invalidState' } });
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
    await c.command('login', 'a1', { endpoint: 'PJSIP/a1', ready: true });
    const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '5550100' });
    await c.event('dialog.state', (d) => d.state === 'active');
    expect(await c.command('park', `a1.${caller}`)).toMatchObject({ result: 'success', data: { slot: 701, callId: caller } });
    expect(await c.event('dialog.state', (d) => d.state === 'dropped')).toMatchObject({ data: { callId: caller, reason: 'park' } });
    expect(await c.event('call.parked')).toMatchObject({ data: { callId: caller, slot: 701, queue: 'sales' } });

    // a1 answers on its phone, and has no offered call anyway.
    expect((await api.inject({ method: 'POST', url: '/api/cti/agents/a1/answer' })).statusCode).toBe(409);
    const busy = await api.inject({ method: 'POST', url: '/api/cti/agents/a2/retrieveParked', payload: { data: { slot: 701 } } });
    expect(busy.statusCode).toBe(409);
    expect((await api.inject({ method: 'POST', url: '/api/cti/agents/a2/retrieveParked', payload: { data: { slot: 'x' } } })).statusCode).toBe(400);
    expect((await api.inject({ method: 'POST', url: '/api/cti/agents/a2/retrieveParked', payload: { data: { slot: 702 } } })).statusCode).toBe(404);
    h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 100 });
    await h.engine.agents.login('a2', { by: 'test', ready: true });
    const res = await api.inject({ method: 'POST', url: '/api/cti/agents/a2/retrieveParked', payload: { data: { slot: 701 } } });
    expect(res.json()).toMatchObject({ result: 'success', data: { callId: caller } });
    expect(await c.event('call.unparked')).toMatchObject({ data: { callId: caller, slot: 701, reason: 'retrieved', by: 'a2' } });
    expect(await h.waitForCall(caller, 'connected')).toMatchObject({ agentId: 'a2' });
  });

  it('park-and-announce parks the call of an agent, and lists candidates when the target is ambiguous', async () => {
    const [c1, c2] = await twoCallsFromOneNumber();
    const headers = { 'x-api-key': SUPERVISOR_KEY };
    const ambiguous = await api.inject({ method: 'POST', url: '/park-and-announce', headers, payload: { 'agent-or-channel': '777' } });
    expect(ambiguous.json<{ candidates: { bridgedChannel: string }[] }>().candidates.map((x) => x.bridgedChannel).sort()).toEqual([c1, c2].sort());
    const res = await api.inject({ method: 'POST', url: '/park-and-announce', headers, payload: { 'agent-or-channel': c2 } });
    expect(res.json()).toEqual({ status: 'ok', slot: 701 });
    expect((await api.inject({ method: 'POST', url: '/park-and-announce', headers, payload: { 'agent-or-channel': c2 } })).statusCode).toBe(404);
    expect(await h.store.parkedIn(701)).toBe(`pk-${c2}`);
  });
});
