/**
 * Issue 8 item 4: a ticket is bound to the key that asked for it and dies (no use, no renewal)
 * once that key is gone from the configuration.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { KEYS, TEST_AUTH } from '../api/httpClient.js';
import { type SecureEngine, startSecureEngine } from './secureEngine.js';

let e: SecureEngine;
beforeEach(async () => {
  e = await startSecureEngine();
});
afterEach(async () => {
  await e.close();
});

const ticketOf = async (key: string) => {
  const res = await e.http('POST', '/api/tickets', { key, body: { agents: ['1001'] } });
  expect(res.status).toBe(200);
  return res.body.ticket as string;
};
const wsStatus = (url: string) =>
  new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => (ws.close(), resolve(101)));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });

describe('tickets and their keys', () => {
  it('refuses a ticket on every transport once its key is removed, and keeps the others', async () => {
    const agentTicket = await ticketOf(KEYS.agent1001);
    const supTicket = await ticketOf(KEYS.supervisor);
    expect((await e.http('GET', `/api/tickets/${agentTicket}/long-poll?timeoutMs=0`)).status).toBe(200);

    await e.restartApi({ ...TEST_AUTH, apiKeys: TEST_AUTH.apiKeys.filter((k) => k.name !== 'agent-1001') });
    expect(await e.http('GET', `/api/tickets/${agentTicket}/long-poll?timeoutMs=0`)).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    expect(await wsStatus(`${e.wsBase}/api/tickets/${agentTicket}/websocket`)).toBe(401);
    expect((await e.http('GET', `/api/tickets/${supTicket}/long-poll?timeoutMs=0`)).status).toBe(200);
    expect(await wsStatus(`${e.wsBase}/api/tickets/${supTicket}/websocket`)).toBe(101);
  });

  it('refuses a ticket whose key now has another role or agent', async () => {
    const agentTicket = await ticketOf(KEYS.agent1001);
    await e.restartApi({ ...TEST_AUTH, apiKeys: TEST_AUTH.apiKeys.map((k) => (k.name === 'agent-1001' ? { ...k, agentId: '1002' } : k)) });
    expect((await e.http('GET', `/api/tickets/${agentTicket}/long-poll?timeoutMs=0`)).status).toBe(401);
  });
});
