/**
 * The engine's ARI socket cut (a network fault between the engine and a real Asterisk 22) while a
 * consulted agent's phone rings, and kept down until that phone answered: Asterisk keeps the
 * channels in Stasis and carries the dial through, the engine hears nothing of it; after the
 * reconnect the consult reads its leg (Up) and connects, and the transfer completes. Cut just
 * before the consult leg's StasisStart: Asterisk keeps the leg in Stasis, undialed, and the engine
 * dials it after the reconnect.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConfigFile } from '../../src/config.js';
import type { ConsultCall } from '../../src/domain/controlCall.js';
import { waitFor } from '../helpers/acdHarness.js';
import { startAriProxy, type AriProxy } from '../helpers/ariProxy.js';
import { startAsterisk, type Asterisk } from '../helpers/asterisk.js';
import { closeAcdAndAsterisk, startAcdOn, type AcdOnAsterisk } from '../helpers/asteriskAcd.js';

// c1 answers at once; c2, the consulted agent, rings 3 s before it answers.
const file: ConfigFile = {
  queues: [{ id: 'dq', wrapupS: 0 }],
  agents: [
    { id: 'c1', endpoint: 'Local/1151-0-60@agents', queues: ['dq'] },
    { id: 'c2', endpoint: 'Local/1152-3-60@agents' },
  ],
};

let ast: Asterisk;
let proxy: AriProxy;
let e: AcdOnAsterisk;

beforeAll(async () => {
  ast = await startAsterisk('socketDrop');
  proxy = await startAriProxy(ast.ariUrl);
  e = await startAcdOn(ast, file, 'socketDrop', undefined, { ARI_URL: proxy.url });
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await closeAcdAndAsterisk(e, ast);
});

const by = 'test';

/** c1 and c2 logged in and ready (a test before may have logged them in: ready again once its call ended, no wrap-up); c1 talks to a new caller. */
async function talkingCall() {
  for (const id of ['c1', 'c2']) {
    if ((await e.acd.store.getAgent(id))?.status === 'logged_out') await e.acd.engine.agents.login(id, { ready: true, by });
    else await e.waitAgent(id, 'ready');
  }
  const caller = await ast.placeCaller(e.app, 'dq', { holdS: 60 });
  const call = await e.waitCall(caller.stasisId, 'connected');
  await e.waitBridged(call);
  return { caller, call };
}

/** Once the consult is connected after the reconnect: complete hands the call to c2's leg; then the caller hangs up. */
async function completesAfterTheReconnect(consultId: string, leg: string, callId: string, callerPhone: string, timeoutMs: number) {
  await waitFor(async () => (await e.acd.store.getControlCall(consultId))?.state === 'connected', 'consult connected after the reconnect', timeoutMs);
  await e.acd.engine.control.completeTransfer({ agentId: 'c1', by });
  const moved = await e.waitCall(callId, 'connected');
  expect(moved).toMatchObject({ agentId: 'c2', agentChannel: leg });
  await e.waitBridged(moved);
  await ast.ari('DELETE', `/channels/${encodeURIComponent(callerPhone)}`, undefined, [404]);
  await e.waitCallGone(callId);
}

it('a consulted agent who answers while the socket is down is talking to the agent after the reconnect; complete hands the call over', async () => {
  const { caller, call } = await talkingCall();
  const { consultId } = await e.acd.engine.control.consult({ agentId: 'c1', by }, { agentId: 'c2' });
  const { leg } = (await e.acd.store.getControlCall(consultId)) as ConsultCall;
  const legState = async () => (await ast.ari<{ state: string }>('GET', `/channels/${encodeURIComponent(leg)}`, undefined, [404])).body?.state;
  await waitFor(async () => (await legState()) === 'Ringing', 'consulted phone ringing', 10_000);
  const cut = proxy.cutSockets();
  await waitFor(async () => (await legState()) === 'Up', 'consulted phone answered (the engine not listening)', 10_000);
  expect((await e.acd.store.getControlCall(consultId))?.state).toBe('dialing');
  cut.restore();
  await completesAfterTheReconnect(consultId, leg, call.id, caller.phoneId, 15_000);
});

it("a consult leg whose StasisStart the cut socket lost is dialed after the reconnect; complete hands the call over", async () => {
  const { caller, call } = await talkingCall();
  const cut = proxy.cutSocketsBefore(/"args":\s*\[\s*"consult"/);
  // Its answer may be lost with the socket too (REST over the WebSocket): it then settles after the reconnect.
  const started = e.acd.engine.control.consult({ agentId: 'c1', by }, { agentId: 'c2' });
  await cut.cut;
  const consultId = (await e.acd.store.getControl(call.id)).consult!;
  const { leg } = (await e.acd.store.getControlCall(consultId)) as ConsultCall;
  const legNow = async () => (await ast.ari<{ state: string; dialplan: { app_name: string } }>('GET', `/channels/${encodeURIComponent(leg)}`, undefined, [404])).body;
  await waitFor(async () => (await legNow())?.dialplan.app_name === 'Stasis', 'consult leg in Stasis (the engine not listening)', 10_000);
  expect((await legNow())?.state).toBe('Down');
  cut.restore();

  expect((await started).consultId).toBe(consultId);
  await completesAfterTheReconnect(consultId, leg, call.id, caller.phoneId, 20_000);
});
