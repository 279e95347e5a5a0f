/**
 * The browser CTI library (GET /sdk/cti.js) in Debian's Chromium against the engine on the
 * simulator: commands are the document's `{action, parameter}` objects with a
 * clientCallbackFunction, events are checked by the document's names (agentInfo, dialogState,
 * newInboundCall, outboundDialing, consultCall, DTMF, xmppEvent, Error types).
 */
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { startCtiApi, type CtiApi } from '../../cti/ctiApi.js';
import { useBrowser } from '../../helpers/browser.js';
import { waitFor } from '../../helpers/acdHarness.js';

const config = {
  queues: [
    { id: 'sales', ringTimeoutS: 2, wrapupS: 0 },
    { id: 'support', ringTimeoutS: 5, wrapupS: 0 },
  ],
  agents: [
    { id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] },
    { id: 'a2', endpoint: 'PJSIP/a2', queues: ['support'] },
  ],
  reasons: { notReady: [{ code: 'break', label: 'Break' }], logout: [] },
  offerVariables: ['ACCOUNT'],
};

interface CtiEvent {
  event: string;
  response: Record<string, unknown> & { dialog?: Record<string, unknown> & { participants?: { state: string }[] }; type?: string; description?: string };
}

let t: CtiApi | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});
const browser = useBrowser();

const http = () => t!.base.replace('ws', 'http');

/** A page of the engine's origin that imports the served module and keeps every event it gets. */
async function desktop(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${http()}/healthz`);
  await page.addScriptTag({ type: 'module', content: "import * as cti from '/sdk/cti.js'; window.events = []; window.callback = (e) => window.events.push(e); window.cti = cti;" });
  await page.waitForFunction(() => (globalThis as unknown as { cti?: unknown }).cti !== undefined);
  return page;
}

/** executeCommands({action, parameter}) in the page; the callback is the page's event sink. */
const run = (page: Page, action: string, parameter: Record<string, unknown> = {}) =>
  page.evaluate(
    ([a, p]) => {
      const w = globalThis as unknown as { cti: { executeCommands(c: unknown): void }; callback: (e: unknown) => void };
      w.cti.executeCommands({ action: a, parameter: { ...p, clientCallbackFunction: w.callback } });
    },
    [action, parameter] as const,
  );

const eventsOf = (page: Page) => page.evaluate(() => (globalThis as unknown as { events: CtiEvent[] }).events);

/** The first event (from index `from`) matching, waiting for it. */
async function event(page: Page, match: (e: CtiEvent) => boolean, what: string, from = 0): Promise<CtiEvent> {
  return waitFor(async () => (await eventsOf(page)).slice(from).find(match), what, 8_000);
}

const dialog = (state: string, callType?: string) => (e: CtiEvent) => e.event === 'dialogState' && e.response.dialog?.state === state && (!callType || e.response.dialog?.callType === callType);

async function loggedIn(agent: string): Promise<Page> {
  const page = await desktop();
  await run(page, 'login', { loginId: agent, password: '', extension: agent });
  await event(page, (e) => e.event === 'agentInfo', 'agentInfo');
  return page;
}

/** a1 (page a) talking to a caller of sales, a2 (page b) ready in support. */
async function agentTalkingAndAnotherReady(): Promise<{ a: Page; b: Page; caller: string }> {
  t = await startCtiApi(config);
  const a = await loggedIn('a1');
  const b = await loggedIn('a2');
  t.h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
  t.h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 100 });
  await run(a, 'makeReady');
  await run(b, 'makeReady');
  await event(b, (e) => e.event === 'agentState' && e.response.state === 'READY', 'b ready');
  const caller = t.h.sim.placeCall({ queue: 'sales' });
  await event(a, dialog('ACTIVE', 'OTHER_IN'), 'a talking');
  return { a, b, caller };
}

describe('browser CTI library', () => {
  it('logs in, takes an inbound call with its variables, holds, mutes, sends DTMF and releases it', async () => {
    t = await startCtiApi(config);
    const page = await desktop();
    await run(page, 'login', { loginId: 'a1', password: '1234', extension: 'a1' });
    expect(await event(page, (e) => e.event === 'agentInfo', 'agentInfo')).toEqual({ event: 'agentInfo', response: { loginId: 'a1', extension: 'a1', state: 'LOGIN' } });
    expect((await event(page, (e) => e.event === 'xmppEvent', 'xmppEvent')).response).toMatchObject({ type: 'IN_SERVICE' });
    expect(await t.h.store.getAgent('a1')).toMatchObject({ status: 'not_ready', endpoint: 'PJSIP/a1' });

    t.h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 300 });
    await run(page, 'makeReady');
    await event(page, (e) => e.event === 'agentState' && e.response.state === 'READY', 'READY');
    const caller = t.h.sim.placeCall({ queue: 'sales', callerNumber: '5550100', variables: { __ACCOUNT: '42' } });
    const inbound = await event(page, (e) => e.event === 'newInboundCall', 'newInboundCall');
    expect(inbound.response.dialog).toMatchObject({ id: caller, callType: 'OTHER_IN', state: 'ALERTING', fromAddress: '5550100', callVariables: { CallVariable: [{ name: 'ACCOUNT', value: '42' }] } });
    const active = await event(page, dialog('ACTIVE', 'OTHER_IN'), 'ACTIVE dialog');
    expect(active.response.dialog?.participants?.map((p) => p.state)).toEqual(['ACTIVE', 'ACTIVE']);

    await run(page, 'answerCall', { dialogId: caller, answerCalltype: 'audio' });
    let n = (await eventsOf(page)).length;
    await run(page, 'holdCall', { dialogId: caller });
    expect((await event(page, (e) => e.event === 'dialogState' && e.response.dialog?.participants?.[0]?.state === 'HELD', 'HELD', n)).response.dialog?.state).toBe('ACTIVE');
    n = (await eventsOf(page)).length;
    await run(page, 'retrieveCall', { dialogId: caller });
    await event(page, (e) => e.event === 'dialogState' && e.response.dialog?.participants?.[0]?.state === 'ACTIVE', 'retrieved', n);
    await run(page, 'mute', { dialogId: caller });
    await event(page, (e) => e.event === 'dialogState' && e.response.dialog?.isMuted === true, 'muted');
    await run(page, 'unmute', { dialogId: caller });
    await run(page, 'SendDtmf', { dialogId: caller, message: '5' });
    expect((await event(page, (e) => e.event === 'DTMF', 'DTMF')).response).toMatchObject({ type: 1, digits: '5', dialogId: caller });

    await run(page, 'releaseCall', { dialogId: caller });
    expect((await event(page, dialog('DROPPED'), 'DROPPED')).response.dialog).toMatchObject({ id: caller, endCallReason: 'completeagent' });
  });

  it('answers errors: invalidState, video not supported, subscriptionFailed for an unknown agent', async () => {
    t = await startCtiApi(config);
    const page = await loggedIn('a1');
    await run(page, 'holdCall', {});
    expect((await event(page, (e) => e.event === 'Error', 'Error')).response).toMatchObject({ type: 'invalidState' });
    await run(page, 'ConvertCall', { dialogId: 'x', streamStatus: 'on' });
    expect((await event(page, (e) => e.event === 'Error' && e.response.type === 'generalError', 'generalError')).response.description).toContain('not supported');
    const n = (await eventsOf(page)).length;
    await run(page, 'makeCall', { calledNumber: '5551234', callType: 'video' });
    expect((await event(page, (e) => e.event === 'Error', 'video makeCall', n)).response.description).toContain('not supported');

    const stranger = await desktop();
    await run(stranger, 'login', { loginId: 'nobody', password: 'x', extension: '1' });
    expect((await event(stranger, (e) => e.event === 'Error', 'subscriptionFailed')).response).toMatchObject({ type: 'subscriptionFailed' });
  });

  it('with API keys: the password is the agent\'s key; a wrong one is subscriptionFailed', async () => {
    t = await startCtiApi(config, { apiKeys: [{ key: 'agent-a1-key-0123456789', role: 'agent', agentId: 'a1' }] });
    const wrong = await desktop();
    await run(wrong, 'login', { loginId: 'a1', password: 'not-the-key', extension: 'a1' });
    expect((await event(wrong, (e) => e.event === 'Error', 'subscriptionFailed')).response).toMatchObject({ type: 'subscriptionFailed' });
    const other = await desktop();
    await run(other, 'login', { loginId: 'a2', password: 'agent-a1-key-0123456789', extension: 'a2' });
    expect((await event(other, (e) => e.event === 'Error', 'another agent')).response).toMatchObject({ type: 'subscriptionFailed' });
    expect((await t.h.store.getAgent('a2'))?.status).toBe('logged_out');
    const right = await desktop();
    await run(right, 'login', { loginId: 'a1', password: 'agent-a1-key-0123456789', extension: 'a1' });
    await event(right, (e) => e.event === 'agentInfo', 'agentInfo');
    expect((await t.h.store.getAgent('a1'))?.status).toBe('not_ready');
  });

  it('RONA: the offered dialog ends with endCallReason Canceled', async () => {
    t = await startCtiApi(config);
    const page = await loggedIn('a1');
    t.h.sim.setEndpoint('PJSIP/a1', { kind: 'noanswer' });
    await run(page, 'makeReady');
    t.h.sim.placeCall({ queue: 'sales' });
    await event(page, (e) => e.event === 'newInboundCall', 'newInboundCall');
    expect((await event(page, dialog('DROPPED'), 'Canceled')).response.dialog).toMatchObject({ callType: 'OTHER_IN', endCallReason: 'Canceled' });
  });

  it('makes an outbound call (outboundDialing, callType OUT), also by click to call through postMessage', async () => {
    t = await startCtiApi(config, { destinationAllowList: ['5551234'] });
    const page = await loggedIn('a1');
    t.h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
    t.h.sim.setEndpoint('PJSIP/5551234', { kind: 'answer', ringMs: 100 });
    await run(page, 'makeOBCall', { calledNumber: '5551234', callType: 'audio' });
    expect((await event(page, (e) => e.event === 'outboundDialing', 'outboundDialing')).response.dialog).toMatchObject({ callType: 'OUT', toAddress: '5551234' });
    const active = await event(page, dialog('ACTIVE', 'OUT'), 'OUT active');
    await run(page, 'releaseCall', { dialogId: active.response.dialog?.id });
    await event(page, dialog('DROPPED', 'OUT'), 'OUT dropped');

    const n = (await eventsOf(page)).length;
    await page.evaluate(() => (globalThis as unknown as { postMessage(m: unknown, o: string): void }).postMessage({ action: 'makeCall', parameter: { calledNumber: '5551234', callType: 'audio' }, SourceType: 'clickToCall' }, '*'));
    await event(page, dialog('ACTIVE', 'OUT'), 'click to call', n);
  });

  it('consults another agent and transfers the call to it (CONSULT, CONSULT_TRANSFER); blind transfer to a queue', async () => {
    const { a, b, caller } = await agentTalkingAndAnotherReady();

    await run(a, 'ConsultCall', { dialogId: caller, numberToConsult: 'a2' });
    await event(a, (e) => e.event === 'consultCall' && e.response.dialog?.state === 'ACTIVE', 'a consult answered');
    expect((await event(b, (e) => e.event === 'consultCall', 'b consultCall')).response.dialog).toMatchObject({ callType: 'CONSULT' });
    await run(a, 'consultTransfer', { dialogId: caller });
    await event(a, dialog('DROPPED'), 'a dropped');
    expect((await event(b, dialog('ACTIVE', 'CONSULT_TRANSFER'), 'b has the caller')).response.dialog).toMatchObject({ id: caller });

    await run(b, 'SST_Queue', { dialogId: caller, queue: 'support' });
    await event(b, dialog('DROPPED'), 'b dropped after SST_Queue');
    await waitFor(async () => (await t!.h.store.getCall(caller))?.queue === 'support' || undefined, 'caller in support');
  });

  it('consults through a queue (ConsultCall_Queue), transfers, then blind-transfers to an agent (SST)', async () => {
    const { a, b, caller } = await agentTalkingAndAnotherReady();

    await run(a, 'ConsultCall_Queue', { dialogId: caller, queue: 'support' });
    expect((await event(b, (e) => e.event === 'consultCall' && e.response.dialog?.state === 'ACTIVE', 'b consulted')).response.dialog).toMatchObject({ callType: 'CONSULT', queueName: 'support' });
    await event(a, (e) => e.event === 'consultCall' && e.response.dialog?.state === 'ACTIVE', 'a consult answered');
    await run(a, 'consultTransfer', { dialogId: caller });
    await event(b, dialog('ACTIVE', 'CONSULT_TRANSFER'), 'b has the caller');
    await event(a, (e) => e.event === 'agentState' && e.response.state === 'READY', 'a free again');

    const n = (await eventsOf(a)).length;
    await run(b, 'SST', { dialogId: caller, numberToTransfer: 'a1' });
    expect((await event(a, (e) => e.event === 'newInboundCall', 'a offered the caller again', n)).response.dialog).toMatchObject({ id: caller });
  });

  it('silent monitor: a logged-in page listens to another agent\'s call from its own phone', async () => {
    t = await startCtiApi(config);
    await t.h.connectedCall('a1');
    const sup = await loggedIn('a2');
    t.h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 100 });
    await run(sup, 'silentMonitor', { agentId: 'a1', extension: 'a2' });
    expect((await event(sup, (e) => e.event === 'silentMonitor', 'silentMonitor')).response).toMatchObject({ agentId: 'a1', mode: 'monitor' });
  });

  it('reports OUT_OF_SERVICE while the server is gone and reconnects by itself (IN_SERVICE), state restored', async () => {
    t = await startCtiApi(config);
    const page = await loggedIn('a1');
    await event(page, (e) => e.event === 'xmppEvent' && e.response.type === 'IN_SERVICE', 'IN_SERVICE');
    await t.restartApi();
    await event(page, (e) => e.event === 'xmppEvent' && e.response.type === 'OUT_OF_SERVICE', 'OUT_OF_SERVICE');
    const n = (await eventsOf(page)).length;
    await event(page, (e) => e.event === 'xmppEvent' && e.response.type === 'IN_SERVICE', 'IN_SERVICE again', n);
    await run(page, 'makeReady');
    await waitFor(async () => (await t!.h.store.getAgent('a1'))?.status === 'ready' || undefined, 'ready after reconnect');
    expect((await eventsOf(page)).filter((e) => e.event === 'agentInfo')).toHaveLength(1);
  });

  it('is imported by a desktop on another origin, configured with the engine\'s URL', async () => {
    t = await startCtiApi(config);
    const page = await browser.newPage();
    const engine = http();
    await page.goto(`${engine.replace('127.0.0.1', 'localhost')}/healthz`); // another origin than the engine's
    await page.addScriptTag({
      type: 'module',
      content: `import * as cti from '${engine}/sdk/cti.js'; cti.configure({ url: '${engine}' }); window.events = []; cti.executeCommands({ action: 'login', parameter: { loginId: 'a1', password: '', extension: 'a1', clientCallbackFunction: (e) => window.events.push(e) } });`,
    });
    await page.waitForFunction(() => (globalThis as unknown as { events?: unknown }).events !== undefined);
    await event(page, (e) => e.event === 'agentInfo', 'agentInfo');
  });

  it('works as a classic script: window.executeCommands', async () => {
    t = await startCtiApi(config);
    const page = await browser.newPage();
    await page.goto(`${http()}/healthz`);
    await page.addScriptTag({ url: '/sdk/cti.global.js' });
    await page.evaluate(() => {
      const w = globalThis as unknown as { events: unknown[]; executeCommands(c: unknown): void };
      w.events = [];
      w.executeCommands({ action: 'login', parameter: { loginId: 'a1', password: '1234', extension: 'a1', clientCallbackFunction: (e: unknown) => w.events.push(e) } });
    });
    await event(page, (e) => e.event === 'agentInfo', 'agentInfo');
    await page.evaluate(() => (globalThis as unknown as { FreeswitchCti: { executeCommands(c: unknown): void } }).FreeswitchCti.executeCommands({ action: 'logout', parameter: {} }));
    await waitFor(async () => (await t!.h.store.getAgent('a1'))?.status === 'logged_out' || undefined, 'logged out');
  });
});
