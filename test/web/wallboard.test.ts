/**
 * The wallboard in Chromium against the whole engine: after a scripted traffic run its figures
 * are the live statistics API's, thresholds colour a figure, and a wrong key is refused in words.
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
  queues: [
    { id: 'sales', name: 'Sales', wrapupS: 0, serviceLevelS: 30 },
    { id: 'support', name: 'Support', wrapupS: 0, wallboard: { waiting: { amber: 1, red: 3 } } },
  ],
  agents: [
    { id: 'a1', name: 'Alice', endpoint: 'PJSIP/a1', queues: ['sales'] },
    { id: 'a2', name: 'Bob', endpoint: 'PJSIP/a2', queues: ['support'] },
    { id: 'a3', name: 'Carol', endpoint: 'PJSIP/a3', queues: ['sales', 'support'] },
  ],
  reasons: { notReady: [{ code: 'lunch', label: 'Lunch' }], logout: [] },
};

const pct = (r: number) => `${Math.round(r * 100)}%`;
const dur = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};
const cell = (queue: string, field: string) => page.locator(`[data-queue="${queue}"][data-field="${field}"]`);

interface Figures { TC: number; answered: number; abandoned: number; queueSize: number; ready: number; onC: number; wrapup: number; serviceLevel: number; serviceLevelWithAbandons: number; avgWaitMs: number; AHT: number }

async function liveCount(): Promise<{ overall: Figures; queues: Record<string, Figures> }> {
  const from = new Date();
  from.setHours(0, 0, 0, 0);
  const res = await fetch(`${sys.base}/api/stats/count`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ filter: { from: from.getTime() } }) });
  return ((await res.json()) as { data: { overall: Figures; queues: Record<string, Figures> } }).data;
}

it("shows the live statistics API's figures after a traffic run, coloured by the queue's thresholds", async () => {
  sys = await t.startEngine(config);
  const { h } = sys;
  // sales: two calls answered by Alice one after the other.
  h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100, talkMs: 300 });
  await h.engine.agents.login('a1', { by: 'test', ready: true });
  for (const n of ['5550001', '5550002']) {
    const caller = h.sim.placeCall({ queue: 'sales', callerNumber: n });
    await h.waitForCall(caller, 'connected');
    await waitFor(async () => !(await h.store.getCall(caller)) && (await h.store.getAgent('a1'))?.status === 'ready', 'call over');
  }
  // support: nobody ready; one caller gives up, two wait. Bob is at lunch.
  await h.engine.agents.login('a2', { by: 'test' });
  await h.engine.agents.notReady('a2', { by: 'test', reason: 'lunch' });
  const quitter = h.sim.placeCall({ queue: 'support', callerNumber: '5550003' });
  await h.waitForCall(quitter, 'waiting');
  h.sim.hangup(quitter, 16);
  await waitFor(async () => !(await h.store.getCall(quitter)), 'abandoned');
  for (const n of ['5550004', '5550005']) await h.waitForCall(h.sim.placeCall({ queue: 'support', callerNumber: n }), 'waiting');
  await h.engine.idle();
  await waitFor(async () => (await liveCount()).overall.abandoned === 1 && (await liveCount()).overall.answered === 2, 'statistics projected');

  page = await t.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.goto(`${sys.base}/wallboard`);
  const api = await liveCount();
  for (const [id, f] of [...Object.entries(api.queues), ['*', api.overall] as const]) {
    const expected: Record<string, string> = {
      waiting: String(f.queueSize),
      offered: String(f.TC),
      answered: String(f.answered),
      abandoned: String(f.abandoned),
      serviceLevel: f.answered ? pct(f.serviceLevel) : '–',
      serviceLevelWithAbandons: f.answered + f.abandoned ? pct(f.serviceLevelWithAbandons) : '–',
      avgWait: dur(f.avgWaitMs),
      handleTime: dur(f.AHT),
      ready: String(f.ready),
      onCall: String(f.onC),
      wrapup: String(f.wrapup),
    };
    for (const [field, text] of Object.entries(expected)) await poll(() => cell(id, field).textContent(), { message: `${id} ${field}` }).toBe(text);
  }
  expect(api.queues.sales).toMatchObject({ TC: 2, answered: 2, abandoned: 0 });
  expect(api.queues.support).toMatchObject({ TC: 3, answered: 0, abandoned: 1, queueSize: 2 });
  // The extras: not ready by reason, logged out, the threshold colour (support waiting 2 ≥ amber 1).
  await poll(() => cell('support', 'notReady').textContent()).toBe('1Lunch 1');
  await poll(() => cell('*', 'loggedOut').textContent()).toBe('1');
  await poll(() => cell('support', 'waiting').getAttribute('class')).toContain('amber');
  expect(await cell('sales', 'waiting').getAttribute('class')).not.toContain('amber');
  // Longest wait ticks without events.
  const first = await cell('support', 'longestWait').textContent();
  await poll(() => cell('support', 'longestWait').textContent(), { timeout: 3000 }).not.toBe(first);
  // Fits a 1920x1080 screen: nothing to scroll.
  expect(await page.evaluate('document.documentElement.scrollHeight <= innerHeight && document.documentElement.scrollWidth <= innerWidth')).toBe(true);
  await poll(() => page.locator('#connection').textContent()).toBe('live');
});

it('asks for a key and says so when the key is wrong, then works with a right one', async () => {
  sys = await t.startEngine(config, { mode: 'keys', apiKeys: [{ key: 'sup-key-0123456789', role: 'supervisor', name: 'sup' }] });
  page = await t.newPage();
  await page.goto(`${sys.base}/wallboard`);
  await page.getByLabel('API key').fill('not-the-key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await poll(() => page.getByRole('alert').first().textContent()).toContain('Sign-in refused');
  await page.getByLabel('API key').fill('sup-key-0123456789');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await poll(() => cell('sales', 'offered').textContent()).toBe('0');
  await poll(() => page.locator('#connection').textContent()).toBe('live');
});

it('shows "reconnecting" while the engine restarts, then goes on live without a reload', async () => {
  sys = await t.startEngine(config);
  page = await t.newPage();
  await page.goto(`${sys.base}/wallboard`);
  await poll(() => page.locator('#connection').textContent()).toBe('live');
  await page.evaluate('window.__same = true');

  const restarting = sys.restartApi();
  await poll(() => page.locator('#connection').textContent()).toContain('reconnecting');
  await restarting;
  await poll(() => page.locator('#connection').textContent(), { timeout: 10_000 }).toBe('live');
  // Events after the restart still reach the page.
  await sys.h.waitForCall(sys.h.sim.placeCall({ queue: 'support', callerNumber: '5550009' }), 'waiting');
  await poll(() => cell('support', 'waiting').textContent()).toBe('1');
  expect(await page.evaluate('window.__same')).toBe(true);
});
