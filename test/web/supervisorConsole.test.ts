/**
 * The supervisor console in Chromium against the whole engine: it lists agents and waiting
 * callers live, monitors an agent's call from the supervisor's phone (then switches to whisper
 * and ends), forces a state, changes a caller's priority and withdraws it, pauses a member,
 * and lists and plays a call's recording.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { waitFor } from '../helpers/acdHarness.js';
import type { PageEngine } from './pageEngine.js';
import { pageTest } from './pageTest.js';
import { poll } from './poll.js';

const t = pageTest();
let page: Page;
let sys: PageEngine;

const config = {
  queues: [{ id: 'sales', name: 'Sales', wrapupS: 30 }, { id: 'support', name: 'Support' }],
  agents: [
    { id: 'a1', name: 'Alice', endpoint: 'PJSIP/a1', queues: ['sales'] },
    { id: 'a2', name: 'Bob', endpoint: 'PJSIP/a2', queues: ['sales', 'support'] },
  ],
  reasons: { notReady: [{ code: 'break', label: 'Break' }], logout: [] },
};
const SUP_KEY = 'supervisor-key-0123456789';
const AUTH = { mode: 'keys' as const, apiKeys: [{ key: SUP_KEY, role: 'supervisor' as const, name: 'sup' }] };

async function signIn(): Promise<void> {
  page = await t.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.goto(`${sys.base}/supervisor`);
  await page.getByLabel('Supervisor id').fill('sup1');
  await page.getByLabel('API key').fill(SUP_KEY);
  await page.getByLabel(/^Your phone/).fill('PJSIP/sup1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await poll(() => page.locator('#connection').textContent()).toBe('live');
}

const agentRow = (id: string) => page.locator(`tr[data-agent="${id}"]`);

it('monitors an agent call from the supervisor phone, switches to whisper and ends', async () => {
  sys = await t.startEngine(config, AUTH);
  const { h } = sys;
  h.sim.setEndpoint('PJSIP/sup1', { kind: 'answer', ringMs: 100 });
  await signIn();
  await poll(() => agentRow('a1').locator('.status').textContent()).toBe('logged out');
  await poll(() => page.getByRole('button', { name: 'Monitor Alice' }).isDisabled()).toBe(true);

  const call = await h.connectedCall('a1', 'sales', '5551111');
  await poll(() => agentRow('a1').locator('.status').textContent()).toBe('busy');
  await poll(() => agentRow('a1').locator('td').nth(4).textContent()).toBe('5551111 · sales');
  // The agent asks for a break after this call: shown beside its status, live.
  await h.engine.agents.notReady('a1', { reason: 'break', by: 'agent' });
  await poll(() => agentRow('a1').locator('.pending').textContent()).toBe(' then not ready (Break)');

  await page.getByRole('button', { name: 'Monitor Alice' }).click();
  await poll(() => page.locator('#monitor-state').textContent()).toBe('monitor Alice (call with 5551111) — your phone connected');
  expect(h.engine.control.monitorOf('sup1')).toMatchObject({ agentId: 'a1', callId: call.id, mode: 'monitor', connected: true });

  await page.getByLabel('Switch to').selectOption('whisper');
  await page.getByRole('button', { name: 'Switch mode' }).click();
  await poll(() => page.locator('#monitor-state').textContent()).toContain('whisper Alice');
  await page.getByRole('button', { name: 'End monitoring' }).click();
  await poll(() => page.locator('#monitor-state').textContent()).toBe('Not monitoring.');
  expect(h.engine.control.monitorOf('sup1')).toBeUndefined();
});

it('forces states, reorders and withdraws waiting callers, pauses a member, plays a recording', async () => {
  sys = await t.startEngine(config, AUTH);
  const { h } = sys;
  await signIn();

  // Forced state: Bob logged in and not ready (Break) from the console.
  await h.engine.agents.login('a2', { by: 'test', ready: true });
  await poll(() => agentRow('a2').locator('.status').textContent()).toBe('ready');
  await page.getByRole('button', { name: 'Force not ready Bob' }).click();
  await poll(() => agentRow('a2').locator('.status').textContent()).toBe('not ready');
  expect(await h.store.getAgent('a2')).toMatchObject({ status: 'not_ready', reason: 'break' });

  // Waiting callers (nobody ready in support): priority, then withdraw.
  const first = h.sim.placeCall({ queue: 'support', callerNumber: '5552001' });
  const second = h.sim.placeCall({ queue: 'support', callerNumber: '5552002' });
  await h.waitForCall(first, 'waiting');
  await h.waitForCall(second, 'waiting');
  await poll(() => page.locator('#waiting tr').count()).toBe(2);
  await page.getByLabel('Priority of 5552002', { exact: true }).fill('5');
  await page.getByRole('button', { name: 'Set priority of 5552002' }).click();
  await poll(async () => (await h.store.getCall(second))?.priority).toBe(5);
  await poll(() => page.locator('#waiting tr').first().textContent()).toContain('5552002');
  await page.getByRole('button', { name: 'Withdraw 5552001' }).click();
  await waitFor(async () => !(await h.store.getCall(first)), 'withdrawn');
  await poll(() => page.locator('#waiting tr').count()).toBe(1);

  // Membership: pause Bob in support only.
  await page.getByRole('button', { name: 'Pause Bob in Support' }).click();
  await poll(async () => (await sys.services.admin.members('support')).find((m) => m.agentId === 'a2')?.paused).toBe(true);
  await poll(() => page.getByRole('button', { name: 'Unpause Bob in Support' }).count()).toBe(1);

  // A recording of Alice's call, listed and played in the page.
  const call = await h.connectedCall('a1', 'sales', '5553000');
  const { name } = await h.engine.control.startRecording({ agentId: 'a1', callId: call.id, by: 'test' });
  await h.engine.control.stopRecording({ agentId: 'a1', callId: call.id, by: 'test' });
  await page.getByLabel('Call id (empty = all)').fill(call.id);
  await page.getByRole('button', { name: 'List recordings' }).click();
  await poll(() => page.locator('#recordings tr').first().textContent()).toContain(name);
  await page.getByRole('button', { name: `Play ${name}` }).click();
  await poll(() => page.locator('#player').getAttribute('data-playing')).toBe(name);
  expect(await page.locator('#message').textContent()).toBe('');
});

it('shows an agent on a talk whose record Redis lost, live, until the talk ends', async () => {
  sys = await t.startEngine(config, AUTH);
  const { h } = sys;
  await signIn();
  await h.engine.agents.login('a1', { by: 'test', ready: true });
  await poll(() => agentRow('a1').locator('.status').textContent()).toBe('ready');
  expect(await agentRow('a1').locator('.lost-talk').count()).toBe(0);
  // What src/acd/lostTalks.ts does when it keeps such a talk going (AgentLostTalk), then at its end.
  await h.store.setLostTalk('a1', 'node-a|acd-agent-1');
  await poll(() => agentRow('a1').locator('.lost-talk').textContent()).toBe(' on a call with no record');
  await h.store.setLostTalk('a1', '');
  await poll(() => agentRow('a1').locator('.lost-talk').count()).toBe(0);
});

it('refuses a wrong key in words and an agent key as not allowed', async () => {
  sys = await t.startEngine(config, { mode: 'keys', apiKeys: [...AUTH.apiKeys, { key: 'agent-key-0123456789', role: 'agent', agentId: 'a1', name: 'a1' }] });
  page = await t.newPage();
  await page.goto(`${sys.base}/supervisor`);
  await page.getByLabel('Supervisor id').fill('sup1');
  await page.getByLabel('API key').fill('wrong-key-0123456789');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await poll(() => page.locator('#login-error').textContent()).toMatch(/^Sign-in refused: .+\(unauthorized\)$/);
  await page.getByLabel('API key').fill('agent-key-0123456789');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await poll(() => page.locator('#login-error').textContent()).toMatch(/^Sign-in refused: .+\(forbidden\)$/);
  expect(await page.locator('#console').isHidden()).toBe(true);
});
