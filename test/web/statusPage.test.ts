/**
 * The status page in a real browser against the whole engine: an agent logged in and made ready
 * from the page's buttons takes a simulated call, and the page follows it live (SSE).
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import type { PageEngine } from './pageEngine.js';
import { pageTest } from './pageTest.js';

const t = pageTest();
let page: Page;
let sys: PageEngine;

const agentRow = (name: string) => page.locator('#agents tr', { hasText: name });

it('drives an agent from the page and shows its call live', async () => {
  sys = await t.startEngine({ queues: [{ id: 'sales', name: 'Sales', wrapupS: 30 }], agents: [{ id: 'a1', name: 'Alice', endpoint: 'PJSIP/a1', queues: ['sales'] }] });
  sys.h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 300 });
  page = await t.newPage();
  await page.goto(`${sys.base}/`);

  await expect.poll(() => agentRow('Alice').locator('.status').textContent()).toBe('logged out');
  await agentRow('Alice').getByRole('button', { name: 'Log in' }).click();
  await expect.poll(() => agentRow('Alice').locator('.status').textContent()).toBe('not ready');
  await agentRow('Alice').getByRole('button', { name: 'Ready', exact: true }).click();
  await expect.poll(() => agentRow('Alice').locator('.status').textContent()).toBe('ready');
  expect((await sys.h.store.getAgent('a1'))?.status).toBe('ready');

  const caller = sys.h.sim.placeCall({ queue: 'sales', callerNumber: '5551234' });
  await expect.poll(() => agentRow('Alice').locator('.status').textContent(), { timeout: 8000 }).toBe('busy');
  await expect.poll(() => page.locator('#queues tr', { hasText: 'Sales' }).locator('td').nth(7).textContent()).toBe('1');
  await expect.poll(() => page.locator('#log').textContent()).toContain('AgentConnect');
  expect(await page.locator('#connection').textContent()).not.toContain('connecting');

  // A refused command (log out during a call) is shown to the person and changes nothing.
  await agentRow('Alice').getByRole('button', { name: 'Log out' }).click();
  await expect.poll(() => page.locator('#message').textContent()).toContain('invalid_state');
  expect((await sys.h.store.getAgent('a1'))?.status).toBe('busy');

  // The caller hangs up: the agent wraps up, visible without reloading.
  sys.h.sim.hangup(caller, 16);
  await expect.poll(() => agentRow('Alice').locator('.status').textContent(), { timeout: 8000 }).toBe('after call work');
  await expect.poll(() => page.locator('#log').textContent()).toContain('AgentComplete');
});

it('asks for a key with a form (no prompt), refuses a wrong one in words, then shows the page', async () => {
  sys = await t.startEngine(
    { queues: [{ id: 'sales', name: 'Sales' }], agents: [{ id: 'a1', name: 'Alice', endpoint: 'PJSIP/a1', queues: ['sales'] }] },
    { mode: 'keys', apiKeys: [{ key: 'sup-key-0123456789', role: 'supervisor', name: 'sup' }] },
  );
  page = await t.newPage();
  page.on('dialog', () => { throw new Error('the page must not use prompt()'); });
  await page.goto(`${sys.base}/`);
  await page.getByLabel(/API key/).fill('wrong-key-0123456789');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.locator('#login-error').textContent(), { timeout: 5000 }).toContain('Sign-in refused');
  await page.getByLabel(/API key/).fill('sup-key-0123456789');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => agentRow('Alice').locator('.status').textContent(), { timeout: 5000 }).toBe('logged out');
  await expect.poll(() => page.locator('#connection').textContent(), { timeout: 5000 }).toBe('live');
});
