/**
 * The PBXIS sample pages in Debian's Chromium against the engine on the simulator: the client
 * page receives events over each transport, the wallboard shows counts, the agent page signs
 * the agent in to its configured queues, and a wrong key is shown as a sign-in error.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, TEST_AUTH } from '../../api/httpClient.js';
import { launchBrowser } from '../../helpers/browser.js';
import { pbxisClient } from '../../compat/pbxis/pbxisClient.js';
import { type PbxisEngine, startPbxisEngine } from '../../compat/pbxis/pbxisHarness.js';

let browser: Browser;
let engine: PbxisEngine | undefined;
let page: Page | undefined;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await page?.close();
  page = undefined;
  await engine?.close();
  engine = undefined;
});

/** The engine on a loaded machine: give live updates time. */
const SLOW = { timeout: 10_000 };
const text = (p: Page, id: string) => () => p.locator(`#${id}`).textContent();

async function signIn(p: Page, key = ''): Promise<void> {
  await p.getByLabel('API key').fill(key);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

describe('PBXIS pages', () => {
  for (const tech of ['long-poll', 'sse', 'websocket'] as const) {
    it(`/client/${tech}/<agents>/<queues> shows the statuses and counts live`, async () => {
      engine = await startPbxisEngine();
      page = await browser.newPage();
      await page.goto(`${engine.base}/client/${tech}/147,149/q1,q2`);
      await signIn(page);
      await expect.poll(text(page, 'count-q1'), SLOW).toBe('0');
      await expect.poll(text(page, 'member-147-q1'), SLOW).toBe('unavailable');
      // Nobody logged on: a caller of q2 waits, and the page counts it.
      engine.h.sim.placeCall({ queue: 'q2', callerNumber: '5550002' });
      await expect.poll(text(page, 'count-q2'), SLOW).toBe('1');
      // 147 logs on (in q1; it serves q2 too): it takes that caller, who leaves the count once connected.
      engine.h.sim.setEndpoint('PJSIP/147', { kind: 'answer', ringMs: 100 });
      expect((await pbxisClient(engine.base).request('POST', '/queue/add?queue=q1&agent=147')).status).toBe(200);
      await expect.poll(text(page, 'ext-147'), SLOW).toBe('inuse');
      await expect.poll(text(page, 'member-147-q1'), SLOW).toBe('inuse');
      await expect.poll(text(page, 'count-q2'), SLOW).toBe('0');
    });
  }

  it('/wallboard/<tech>/<queues> shows callers waiting and agents free per queue', async () => {
    engine = await startPbxisEngine();
    page = await browser.newPage();
    await page.goto(`${engine.base}/wallboard/sse/q1,q2`);
    await signIn(page);
    await expect.poll(text(page, 'count-q2'), SLOW).toBe('0');
    await engine.h.engine.agents.login('bob', { by: 'test', ready: true });
    await expect.poll(text(page, 'free-q1'), SLOW).toBe('1');
    engine.h.sim.placeCall({ queue: 'q2', callerNumber: '5550002' });
    await expect.poll(text(page, 'count-q2'), SLOW).toBe('1');
  });

  it('/agentpage asks for login and local number and signs the agent in to its configured queues', async () => {
    engine = await startPbxisEngine();
    page = await browser.newPage();
    await page.goto(`${engine.base}/agentpage`);
    await page.getByLabel('Login (extension)').fill('147');
    await page.getByLabel('Local number').fill('150');
    await signIn(page);
    await expect.poll(text(page, 'status'), SLOW).toBe('signed in to q1, q2');
    expect(await engine.h.store.getAgent('alice')).toMatchObject({ status: 'ready', endpoint: 'PJSIP/150', queues: ['q1', 'q2'] });
    await expect.poll(text(page, 'member-q2'), SLOW).toBe('not_inuse');
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(text(page, 'member-q1'), SLOW).toBe('not_inuse (paused)');
  });

  it('shows a wrong key as a sign-in error, and works with the right one', async () => {
    engine = await startPbxisEngine(TEST_AUTH);
    page = await browser.newPage();
    await page.goto(`${engine.base}/client/websocket/147/q1`);
    await signIn(page, 'not-a-valid-key-0123456789');
    await expect.poll(() => page!.getByRole('alert').textContent(), SLOW).toContain('Sign-in failed: unknown API key');
    await signIn(page, KEYS.supervisor);
    await expect.poll(text(page, 'count-q1'), SLOW).toBe('0');
  });
});
