/**
 * Issue 8 item 3: an agent joins only the queues allowed for it (its memberships in the
 * configuration, or `auth.agentQueues`), on /queue/add and CTI login alike; staff keys are not
 * limited (they administer memberships).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEYS, TEST_AUTH } from '../api/httpClient.js';
import { SECURE_CONFIG, type SecureEngine, startSecureEngine } from './secureEngine.js';

let e: SecureEngine;
beforeEach(async () => {
  e = await startSecureEngine({ ...TEST_AUTH, agentQueues: { '1001': ['vip'] } }, { ...SECURE_CONFIG, queues: [...SECURE_CONFIG.queues, { id: 'vip' }, { id: 'billing' }] });
});
afterEach(async () => {
  await e.close();
});
const queuesOf = async (agentId: string) => (await e.admin.agentDef(agentId))?.queues.map((m) => m.queue).sort();

describe('agent keys joining queues', () => {
  it('refuses /queue/add to a queue neither configured nor allowed with 403 and changes nothing', async () => {
    for (const queue of ['support', 'billing']) {
      expect(await e.http('POST', '/queue/add', { key: KEYS.agent1001, body: { agent: '1001', queue } }), queue).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    }
    expect(await queuesOf('1001')).toEqual(['sales']);
  });

  it('accepts the allow-list, and a configured queue again after leaving it', async () => {
    expect((await e.http('POST', '/queue/add', { key: KEYS.agent1001, body: { agent: '1001', queue: 'vip' } })).status).toBe(200);
    expect((await e.http('POST', '/queue/remove', { key: KEYS.agent1001, body: { agent: '1001', queue: 'sales' } })).status).toBe(200);
    expect(await queuesOf('1001')).toEqual(['vip']);
    expect((await e.http('POST', '/queue/add', { key: KEYS.agent1001, body: { agent: '1001', queue: 'sales' } })).status).toBe(200);
    expect(await queuesOf('1001')).toEqual(['sales', 'vip']);
  });

  it('refuses CTI login queues outside the allowed ones, before logging in', async () => {
    const login = (queues: string[]) => e.http('POST', '/api/cti/agents/1001/login', { key: KEYS.agent1001, body: { data: { queues } } });
    expect(await login(['sales', 'billing'])).toMatchObject({ status: 403 });
    expect(await queuesOf('1001')).toEqual(['sales']);
    expect((await e.h.store.getAgent('1001'))?.status).toBe('logged_out');
    // All or none: an allowed queue listed before a refused one is not joined either.
    expect(await login(['vip', 'billing'])).toMatchObject({ status: 403 });
    expect(await queuesOf('1001')).toEqual(['sales']);
    expect((await login(['vip'])).status).toBe(200);
    expect(await queuesOf('1001')).toEqual(['sales', 'vip']);
  });

  it('then gives no ticket for the events of a queue it could not join', async () => {
    await e.http('POST', '/queue/add', { key: KEYS.agent1001, body: { agent: '1001', queue: 'support' } });
    expect((await e.http('POST', '/ticket', { key: KEYS.agent1001, body: { queues: ['support'] } })).status).toBe(403);
  });

  it('leaves staff keys free to add any member', async () => {
    expect((await e.http('POST', '/queue/add', { key: KEYS.supervisor, body: { agent: '1001', queue: 'billing' } })).status).toBe(200);
    expect(await queuesOf('1001')).toEqual(['billing', 'sales']);
  });
});
