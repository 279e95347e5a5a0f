/**
 * The agent desktop in Chromium against the whole engine: an agent logs in from the form, takes a
 * call, holds and retrieves it, transfers it to a colleague logged in on a second page, wraps up;
 * refusals are shown in words; a wrong key is refused at log-in; an engine restart shows
 * "reconnecting" and the page recovers its state without a reload.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import type { PageEngine } from './pageEngine.js';
import { pageTest } from './pageTest.js';
import { poll } from './poll.js';

const t = pageTest();
let sys: PageEngine;

const config = {
  queues: [{ id: 'sales', name: 'Sales', wrapupS: 60, ringTimeoutS: 5 }],
  agents: [
    { id: 'a1', name: 'Alice', endpoint: 'PJSIP/a1', queues: ['sales'] },
    { id: 'a2', name: 'Bob', endpoint: 'PJSIP/a2', queues: ['sales'] },
  ],
  reasons: { notReady: [{ code: 'break', label: 'Break' }, { code: 'lunch', label: 'Lunch' }], logout: [{ code: 'eod', label: 'End of day' }] },
};

const KEYS = { a1: 'agent-a1-key-0123456789', a2: 'agent-a2-key-0123456789' };
const AUTH = { mode: 'keys' as const, apiKeys: [{ key: KEYS.a1, role: 'agent' as const, agentId: 'a1', name: 'a1' }, { key: KEYS.a2, role: 'agent' as const, agentId: 'a2', name: 'a2' }] };

async function logIn(agentId: string, key: string, phone = ''): Promise<Page> {
  const page = await t.newPage();
  await page.goto(`${sys.base}/agent`);
  await page.getByLabel('Agent id').fill(agentId);
  await page.getByLabel('API key or password').fill(key);
  if (phone) await page.getByLabel(/^Phone/).fill(phone);
  await page.getByRole('button', { name: 'Log in' }).click();
  return page;
}

const stateOf = (page: Page) => page.locator('#state').textContent();
const status = async (id: string) => (await sys.h.store.getAgent(id))?.status;

it('logs in, takes a call, holds, transfers it to an agent on a second page, wraps up', async () => {
  sys = await t.startEngine(config, AUTH);
  const { h } = sys;
  h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
  h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 100 });
  const alice = await logIn('a1', KEYS.a1, 'PJSIP/a1');
  await poll(() => stateOf(alice)).toBe('not ready');
  expect((await h.store.getAgent('a1'))?.endpoint).toBe('PJSIP/a1');
  await alice.getByRole('button', { name: 'Ready', exact: true }).click();
  await poll(() => stateOf(alice)).toBe('ready');

  const bob = await logIn('a2', KEYS.a2);
  await poll(() => stateOf(bob)).toBe('not ready');

  const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '5551234', callerName: 'Carl Caller' });
  await poll(() => alice.locator('#call-info').textContent(), { timeout: 8000 }).toContain('5551234');
  await poll(() => alice.locator('#call-info').textContent()).toContain('connected');
  await poll(() => stateOf(alice)).toBe('busy');

  // Bob becomes free meanwhile on his own page.
  await bob.getByRole('button', { name: 'Ready', exact: true }).click();
  await poll(() => stateOf(bob)).toBe('ready');

  await alice.getByRole('button', { name: 'Hold', exact: true }).click();
  await poll(() => alice.locator('#call-info').textContent()).toContain('on hold');
  await alice.getByRole('button', { name: 'Retrieve' }).click();
  await poll(() => alice.locator('#call-info').textContent()).toContain('connected');

  // Bob is offered as a free transfer target in the live list.
  await poll(() => alice.getByLabel('Transfer or consult to').locator('option', { hasText: 'Bob' }).textContent()).toContain('free');
  await alice.getByLabel('Transfer or consult to').selectOption('agentId:a2');
  await alice.getByRole('button', { name: 'Blind transfer' }).click();

  await poll(() => bob.locator('#call-info').textContent(), { timeout: 8000 }).toContain('5551234');
  await poll(() => stateOf(bob)).toBe('busy');
  await poll(() => stateOf(alice)).toBe('after call work');
  await poll(() => alice.locator('#wrapup-left').textContent()).toMatch(/^(1:00|0:[0-5]\d) left$/);
  expect((await h.store.getCall(caller))?.agentId).toBe('a2');

  await alice.getByRole('button', { name: 'End wrap-up' }).click();
  await poll(() => stateOf(alice)).toBe('ready');
  expect(await status('a1')).toBe('ready');

  // Bob's caller hangs up: Bob wraps up.
  h.sim.hangup(caller, 16);
  await poll(() => stateOf(bob), { timeout: 8000 }).toBe('after call work');
  await poll(() => bob.locator('#call-info').textContent()).toBe('No call.');
});

it('shows refusals in the engine words; logs out and in again', async () => {
  sys = await t.startEngine(config, AUTH);
  const alice = await logIn('a1', KEYS.a1);
  await poll(() => stateOf(alice)).toBe('not ready');
  await alice.getByRole('button', { name: 'Ready', exact: true }).click();
  await poll(() => stateOf(alice)).toBe('ready');
  // Dialing is not allowed by the (empty) destination allow-list: the refusal says why.
  await alice.getByLabel('Number to dial').fill('5559999');
  await alice.getByRole('button', { name: 'Dial' }).click();
  await poll(() => alice.locator('#message').textContent()).toBe("Dial: destination '5559999' is not in the allow-list (forbidden)");
  expect(await status('a1')).toBe('ready');

  // Log out with a reason: back to the form, and the same tab logs in again.
  await alice.getByLabel('Logout reason').selectOption('eod');
  await alice.getByRole('button', { name: 'Log out' }).click();
  await poll(() => alice.locator('#login').isVisible()).toBe(true);
  expect(await sys.h.store.getAgent('a1')).toMatchObject({ status: 'logged_out', reason: 'eod' });
  await alice.getByLabel('Agent id').fill('a1');
  await alice.getByLabel('API key or password').fill(KEYS.a1);
  await alice.getByRole('button', { name: 'Log in' }).click();
  await poll(() => stateOf(alice)).toBe('not ready');
});

it('refuses a wrong key at log-in, in words', async () => {
  sys = await t.startEngine(config, AUTH);
  const page = await logIn('a1', 'wrong-key-0123456789');
  await poll(() => page.locator('#login-error').textContent()).toContain('Log-in refused');
  expect(await page.locator('#desk').isHidden()).toBe(true);
  // Another agent's key is refused too.
  await page.getByLabel('API key or password').fill(KEYS.a2);
  await page.getByRole('button', { name: 'Log in' }).click();
  await poll(() => page.locator('#login-error').textContent()).toContain('forbidden');
  expect(await status('a1')).toBe('logged_out');
});

it('shows "reconnecting" during an engine restart and recovers its state without a reload', async () => {
  sys = await t.startEngine(config, AUTH);
  sys.h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
  const alice = await logIn('a1', KEYS.a1);
  // Logged in first: a Ready clicked before the login went through is refused (logged out).
  await poll(() => stateOf(alice)).toBe('not ready');
  await alice.getByRole('button', { name: 'Ready', exact: true }).click();
  await poll(() => stateOf(alice)).toBe('ready');
  sys.h.sim.placeCall({ queue: 'sales', callerNumber: '5557777' });
  await poll(() => alice.locator('#call-info').textContent(), { timeout: 8000 }).toContain('connected');
  await alice.evaluate('window.__same = true');

  const restarting = sys.restartApi();
  await poll(() => alice.locator('#connection').textContent()).toContain('reconnecting');
  await restarting;
  await poll(() => alice.locator('#connection').textContent(), { timeout: 10_000 }).toBe('live');
  expect(await alice.evaluate('window.__same')).toBe(true); // no reload
  await poll(() => alice.locator('#call-info').textContent()).toContain('5557777');
  // Still driving the call after the reconnect.
  await alice.getByRole('button', { name: 'Hold', exact: true }).click();
  await poll(() => alice.locator('#call-info').textContent()).toContain('on hold');
});

it('answers manually, shows call variables, mutes, sends DTMF, consults a colleague and completes the transfer', async () => {
  const file = {
    ...config,
    agents: [{ ...config.agents[0], manualAnswer: true }, config.agents[1]],
    offerVariables: ['ACCOUNT'],
  };
  sys = await t.startEngine(file, AUTH);
  const { h } = sys;
  h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
  h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 100 });
  const alice = await logIn('a1', KEYS.a1);
  await poll(() => stateOf(alice)).toBe('not ready');
  await alice.getByRole('button', { name: 'Ready', exact: true }).click();
  await poll(() => stateOf(alice)).toBe('ready');
  const bob = await logIn('a2', KEYS.a2);
  await poll(() => stateOf(bob)).toBe('not ready');
  await bob.getByRole('button', { name: 'Ready', exact: true }).click();
  await poll(() => stateOf(bob)).toBe('ready');
  // Bob stays not ready until Alice has the call, so the offer goes to her.
  await bob.getByRole('button', { name: 'Not ready', exact: true }).click();
  await poll(() => stateOf(bob)).toBe('not ready');

  const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '5552468', variables: { __ACCOUNT: '42' } });
  await poll(() => alice.locator('#call-info').textContent(), { timeout: 8000 }).toContain('offered');
  await poll(() => alice.locator('#call-info').textContent()).toContain('ACCOUNT42');
  await alice.getByRole('button', { name: 'Answer' }).click();
  await poll(() => alice.locator('#call-info').textContent(), { timeout: 8000 }).toContain('connected');

  await alice.getByRole('button', { name: 'Mute', exact: true }).click();
  await poll(() => alice.locator('#call-info').textContent()).toContain('muted');
  await alice.getByRole('button', { name: 'Unmute' }).click();
  await poll(() => alice.locator('#call-info').textContent()).not.toContain('muted');
  await alice.getByRole('button', { name: 'DTMF 5' }).click();
  await poll(() => alice.locator('#log').textContent()).toContain('DTMF sent 5');

  await bob.getByRole('button', { name: 'Ready', exact: true }).click();
  await poll(() => stateOf(bob)).toBe('ready');
  await poll(() => alice.getByLabel('Transfer or consult to').locator('option', { hasText: 'Bob' }).textContent()).toContain('free');
  await alice.getByLabel('Transfer or consult to').selectOption('agentId:a2');
  await alice.getByRole('button', { name: 'Consult', exact: true }).click();
  await poll(() => alice.locator('#call-info').textContent()).toContain('consulting');
  await poll(() => stateOf(bob), { timeout: 8000 }).toBe('busy');
  await alice.getByRole('button', { name: 'Complete transfer' }).click();
  await poll(() => stateOf(alice), { timeout: 8000 }).toBe('after call work');
  await poll(async () => (await h.store.getCall(caller))?.agentId, { timeout: 8000 }).toBe('a2');
  await poll(() => bob.locator('#call-info').textContent()).toContain('5552468');
  expect(await alice.locator('#message').textContent()).toBe('');
});

it('dials out to an allowed number and releases the call', async () => {
  sys = await t.startEngine(config, { ...AUTH, destinationAllowList: ['_5XXX'] });
  sys.h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
  sys.h.sim.setEndpoint('PJSIP/5000', { kind: 'answer', ringMs: 100 });
  const alice = await logIn('a1', KEYS.a1);
  await poll(() => stateOf(alice)).toBe('not ready');
  await alice.getByLabel('Number to dial').fill('5000');
  await alice.getByRole('button', { name: 'Dial' }).click();
  await poll(() => alice.locator('#call-info').textContent(), { timeout: 8000 }).toContain('connected');
  expect(await alice.locator('#call-info').textContent()).toContain('5000');
  await alice.getByRole('button', { name: 'Release' }).click();
  await poll(() => alice.locator('#call-info').textContent(), { timeout: 8000 }).toBe('No call.');
  expect(await alice.locator('#message').textContent()).toBe('');
});
