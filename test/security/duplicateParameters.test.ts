/**
 * Issue 8 item 1: a parameter sent both in the query and in the body with different values is a
 * 400, so the value the authorizer checks is the value the handler uses (an agent key named
 * itself in the query and another agent in the body, and acted on the other agent).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyedApiPerTest } from '../api/apiHarness.js';
import { KEYS, TEST_AUTH } from '../api/httpClient.js';
import { type SecureEngine, startSecureEngine } from './secureEngine.js';

const refused = { status: 400, body: { status: 'error', code: 'validation', message: expect.stringContaining('agent') } };

describe('query and body naming different agents (plain routes)', () => {
  const ctx = keyedApiPerTest();
  const members = async (queue: string) => (await ctx.api.services.admin.members(queue)).map((m) => m.agentId).sort();

  it('refuses /queue/add, /queue/remove and /queue/pause with 400 and changes nothing', async () => {
    expect(await ctx.http('POST', '/queue/add?agent=1001', { key: KEYS.agent1001, body: { agent: '2001', queue: 'sales' } })).toMatchObject(refused);
    expect(await members('sales')).toEqual(['1001', '1002']);
    expect(await ctx.http('POST', '/queue/remove?agent=1001', { key: KEYS.agent1001, body: { agent: '1002', queue: 'sales' } })).toMatchObject(refused);
    expect(await members('sales')).toEqual(['1001', '1002']);
    expect(await ctx.http('POST', '/queue/pause?agent=1001', { key: KEYS.agent1001, body: { agent: '1002', queue: 'sales' } })).toMatchObject(refused);
    expect((await ctx.api.services.admin.members('sales')).find((m) => m.agentId === '1002')?.paused).toBe(false);
  });

  it('refuses the clash for every key, admin included, and accepts the same value twice', async () => {
    expect(await ctx.http('POST', '/queue/pause?agent=1001', { key: KEYS.admin, body: { agent: '1002', queue: 'sales' } })).toMatchObject(refused);
    expect((await ctx.http('POST', '/queue/pause?agent=1001&queue=sales', { key: KEYS.agent1001, body: { agent: '1001', queue: 'sales' } })).status).toBe(200);
    expect((await ctx.api.services.admin.members('sales')).find((m) => m.agentId === '1001')?.paused).toBe(true);
  });

  it('answers 401 before judging the input of a caller without a key', async () => {
    expect((await ctx.http('POST', '/queue/add?agent=1001', { body: { agent: '2001', queue: 'sales' } })).status).toBe(401);
  });

  it('refuses a path parameter contradicted by the body', async () => {
    expect(await ctx.http('POST', '/api/agents/1001/login', { key: KEYS.agent1001, body: { agentId: '1002' } })).toMatchObject({ status: 400 });
    expect((await ctx.api.store.getAgent('1001'))?.status).toBe('logged_out');
  });
});

describe('query and body naming different targets (call routes)', () => {
  let e: SecureEngine;
  beforeEach(async () => {
    e = await startSecureEngine({ ...TEST_AUTH, destinationAllowList: ['_1XXX'] });
  });
  afterEach(async () => {
    await e.close();
  });

  it("refuses /redirect-to and /park-and-announce and leaves the other agent's call alone", async () => {
    const call = await e.h.connectedCall('1002');
    expect(await e.http('POST', '/redirect-to/1003?target=1001', { key: KEYS.agent1001, body: { target: '1002' } })).toMatchObject({ status: 400, body: { code: 'validation' } });
    expect(await e.http('POST', '/park-and-announce?target=1001', { key: KEYS.agent1001, body: { target: '1002' } })).toMatchObject({ status: 400, body: { code: 'validation' } });
    await e.h.engine.idle();
    expect((await e.h.store.getCall(call.id))?.state).toBe('connected');
    expect((await e.h.store.getCall(call.id))?.agentId).toBe('1002');
  });
});
