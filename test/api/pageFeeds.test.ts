/**
 * The two read endpoints the pages add: `GET /api/wallboard` (staff only: thresholds, EWT, agents
 * by state and reason) and `GET /api/directory` (any key: names and states for transfer pickers).
 * And the config key `wallboard` (queue thresholds) is checked like every other key.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfigFile } from '../../src/config.js';
import { keyedApiPerTest } from './apiHarness.js';
import { KEYS } from './httpClient.js';

describe('GET /api/wallboard', () => {
  const ctx = keyedApiPerTest();

  it('gives per queue thresholds (defaults from the SL threshold), EWT and agents by state and reason', async () => {
    await ctx.api.store.upsertQueue({ ...(await ctx.api.store.getQueue('support'))!, serviceLevelS: 30, wallboard: { waiting: { amber: 2, red: 5 } } });
    await ctx.http('POST', '/api/agents/1002/login', { key: KEYS.admin });
    await ctx.http('POST', '/api/agents/1002/not-ready', { key: KEYS.admin, body: { reason: 'lunch' } });
    await ctx.http('POST', '/api/agents/2001/login', { key: KEYS.admin, body: { ready: true } });

    const res = await ctx.http('GET', '/api/wallboard', { key: KEYS.supervisor });
    expect(res.status).toBe(200);
    const support = res.body.queues.find((q: { id: string }) => q.id === 'support');
    expect(support).toEqual({
      id: 'support',
      name: 'Queue support',
      serviceLevelS: 30,
      thresholds: { longestWaitS: { amber: 15, red: 30 }, serviceLevelPct: { amber: 80, red: 60 }, waiting: { amber: 2, red: 5 } },
      ewtMs: 0,
      ringing: 0,
      loggedOut: 0,
      notReadyByReason: { lunch: 1 },
    });
    const sales = res.body.queues.find((q: { id: string }) => q.id === 'sales');
    expect(sales).toMatchObject({ serviceLevelS: 20, thresholds: { longestWaitS: { amber: 10, red: 20 } }, loggedOut: 1, notReadyByReason: { lunch: 1 } });
    expect(sales.thresholds.waiting).toBeUndefined();
    expect(res.body.overall).toEqual({ ringing: 0, loggedOut: 1, notReadyByReason: { lunch: 1 } });
  });

  it('is refused to agent keys and without a key', async () => {
    expect((await ctx.http('GET', '/api/wallboard', { key: KEYS.agent1001 })).status).toBe(403);
    expect((await ctx.http('GET', '/api/wallboard')).status).toBe(401);
  });
});

describe('GET /api/directory', () => {
  const ctx = keyedApiPerTest();

  it('lists agents with their state and queues with wrap-up for any key, and nothing about calls', async () => {
    await ctx.http('POST', '/api/agents/2001/login', { key: KEYS.admin, body: { ready: true } });
    const res = await ctx.http('GET', '/api/directory', { key: KEYS.agent1001 });
    expect(res.status).toBe(200);
    expect(res.body.agents).toContainEqual({ id: '2001', name: expect.any(String), status: 'ready', queues: ['support'] });
    expect(res.body.agents).toContainEqual(expect.objectContaining({ id: '1001', status: 'logged_out' }));
    expect(res.body.queues.map((q: { id: string }) => q.id).sort()).toEqual(['sales', 'support']);
    expect(res.text).not.toContain('callId');
    expect((await ctx.http('GET', '/api/directory')).status).toBe(401);
  });
});

describe('config key wallboard', () => {
  it('is kept on the queue definition and a bad value names the key', () => {
    const ok = resolveConfigFile({ queues: [{ id: 'q', wallboard: { longestWaitS: { amber: 10, red: 20 } } }] });
    expect(ok.queues[0]?.wallboard).toEqual({ longestWaitS: { amber: 10, red: 20 } });
    expect(() => resolveConfigFile({ queues: [{ id: 'q', wallboard: { waiting: { amber: -1, red: 2 } } }] })).toThrow(ConfigError);
    expect(() => resolveConfigFile({ queues: [{ id: 'q', wallboard: { waiting: { amber: -1, red: 2 } } }] })).toThrow(/queues\[0\]\.wallboard\.waiting\.amber/);
    expect(() => resolveConfigFile({ queues: [{ id: 'q', wallboard: { colour: 1 } }] })).toThrow(/queues\[0\]\.wallboard/);
  });
});
