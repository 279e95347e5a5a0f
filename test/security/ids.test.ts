/**
 * Issue 8 item 5 (and the `__proto__` part of item 8): ids in URLs and bodies follow the
 * configuration's id pattern (no `:` reaching other Redis keys, no prototype names), and the
 * store itself refuses such ids.
 */
import { describe, expect, it } from 'vitest';
import { keyedApiPerTest } from '../api/apiHarness.js';
import { KEYS } from '../api/httpClient.js';
import { resolveConfigFile } from '../../src/config.js';

const ctx = keyedApiPerTest();

const invalid = { status: 400, body: { status: 'error', code: 'validation', message: expect.any(String) } };
const members = async (queue: string) => (await ctx.api.services.admin.members(queue)).map((m) => m.agentId).sort();
const queueIds = async () => (await ctx.api.store.listQueues()).map((q) => q.id).sort();

describe('ids with a colon', () => {
  it('refuses them in URLs with 400 and touches no other key', async () => {
    expect(await ctx.http('DELETE', '/api/queues/sales:members', { key: KEYS.admin })).toMatchObject(invalid);
    expect(await ctx.http('DELETE', '/api/queues/support:pools', { key: KEYS.admin })).toMatchObject(invalid);
    expect(await ctx.http('POST', '/api/queues/sales:members/members', { key: KEYS.admin, body: { agentId: '1001' } })).toMatchObject(invalid);
    expect(await ctx.http('GET', '/api/agents/1001:queues', { key: KEYS.admin })).toMatchObject(invalid);
    expect(await ctx.http('DELETE', '/api/queues/sales/members/1001:queues', { key: KEYS.admin })).toMatchObject(invalid);
    expect(await members('sales')).toEqual(['1001', '1002']);
    expect(await queueIds()).toEqual(['sales', 'support']);
  });

  it('refuses them in bodies and queries, naming the field', async () => {
    expect(await ctx.http('POST', '/queue/add', { key: KEYS.admin, body: { agent: '1001', queue: 'sales:members' } })).toMatchObject({ ...invalid, body: { message: expect.stringContaining('queue') } });
    expect(await ctx.http('POST', '/queue/remove?agent=1001:queues&queue=sales', { key: KEYS.admin })).toMatchObject(invalid);
    expect(await ctx.http('POST', '/ticket', { key: KEYS.admin, body: { queues: ['sales:waiting'] } })).toMatchObject(invalid);
    expect(await queueIds()).toEqual(['sales', 'support']);
  });

  it('is refused by the store itself', async () => {
    // Lookups find nothing (a channel name may be looked up as an agent); writes refuse.
    expect(await ctx.api.store.getAgent('1001:queues')).toBeUndefined();
    expect(await ctx.api.store.getQueue('sales:members')).toBeUndefined();
    await expect(ctx.api.services.admin.removeMember('sales:x', '1001')).rejects.toMatchObject({ code: 'validation' });
    await expect(ctx.api.services.admin.deleteQueue('sales:members')).rejects.toMatchObject({ code: 'validation' });
    expect(await members('sales')).toEqual(['1001', '1002']);
  });
});

describe('prototype names as ids', () => {
  it('refuses __proto__ and friends as queue and agent ids, over HTTP and in the file', async () => {
    for (const id of ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString']) {
      expect(await ctx.http('POST', '/api/queues', { key: KEYS.admin, body: { id } }), id).toMatchObject(invalid);
      expect(await ctx.http('POST', '/api/agents', { key: KEYS.admin, body: { id } }), id).toMatchObject(invalid);
      expect(() => resolveConfigFile({ queues: [{ id }] }), id).toThrow(/queues\[0\]\.id/);
    }
    expect(await queueIds()).toEqual(['sales', 'support']);
  });
});
