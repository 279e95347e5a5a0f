/**
 * Issue 8 item 2 (toll fraud): an agent logs in only on an endpoint allowed for it (its
 * configured one or `auth.agentEndpoints`), every endpoint must have a configured form
 * (`auth.endpointPatterns`; default: PJSIP/SIP/IAX2/<name>, Local/<ext>@<context>, no `&`, no
 * options), and a supervisor's phone likewise (`auth.supervisorEndpoints`).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfigFile } from '../../src/config.js';
import { KEYS, TEST_AUTH } from '../api/httpClient.js';
import { type SecureEngine, startSecureEngine } from './secureEngine.js';

const BAD_FORMS = ['PJSIP/0900123456@trunk', 'PJSIP/1001&PJSIP/0900123456', 'Local/1001@agents/n', 'PJSIP/1001,20,tT', 'DAHDI/g1/0900123456', 'SIP/trunk/0900'];

let e: SecureEngine;
beforeEach(async () => {
  e = await startSecureEngine({ ...TEST_AUTH, agentEndpoints: { '1001': ['Local/1001@agents', '_SIP/10XX'] }, supervisorEndpoints: ['PJSIP/sup1'] });
});
afterEach(async () => {
  await e.close();
});
const status = async (id: string) => (await e.h.store.getAgent(id))?.status;

describe('agent login endpoints', () => {
  it('refuses a dial string of no configured form with 400, on REST and CTI, and leaves the agent logged out', async () => {
    for (const endpoint of BAD_FORMS) {
      const rest = await e.http('POST', '/api/agents/1001/login', { key: KEYS.agent1001, body: { endpoint } });
      expect(rest, endpoint).toMatchObject({ status: 400, body: { code: 'validation', message: expect.stringContaining('endpoint') } });
      const cti = await e.http('POST', '/api/cti/agents/1001/login', { key: KEYS.agent1001, body: { data: { endpoint } } });
      expect(cti.status, endpoint).toBe(400);
    }
    expect(await status('1001')).toBe('logged_out');
  });

  it("refuses a well-formed endpoint that is not the agent's with 403", async () => {
    expect(await e.http('POST', '/api/agents/1001/login', { key: KEYS.agent1001, body: { endpoint: 'PJSIP/2001' } })).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(await e.http('POST', '/api/agents/1001/login', { key: KEYS.admin, body: { endpoint: 'SIP/2001' } })).toMatchObject({ status: 403 });
    expect(await status('1001')).toBe('logged_out');
  });

  it('accepts the configured endpoint and the allow-list (exact or pattern)', async () => {
    for (const endpoint of [undefined, 'PJSIP/1001', 'Local/1001@agents', 'SIP/1042']) {
      const res = await e.http('POST', '/api/agents/1001/login', { key: KEYS.agent1001, body: endpoint === undefined ? {} : { endpoint } });
      expect(res.status, String(endpoint)).toBe(200);
      expect((await e.h.store.getAgent('1001'))?.endpoint).toBe(endpoint ?? 'PJSIP/1001');
      expect((await e.http('POST', '/api/agents/1001/logout', { key: KEYS.agent1001 })).status).toBe(200);
    }
  });
});

describe('defined endpoints', () => {
  it('refuses bad forms in admin create and change', async () => {
    for (const endpoint of BAD_FORMS) {
      expect(await e.http('POST', '/api/agents', { key: KEYS.admin, body: { id: '3001', endpoint } }), endpoint).toMatchObject({ status: 400, body: { code: 'validation' } });
      expect(await e.http('PATCH', '/api/agents/1002', { key: KEYS.admin, body: { endpoint } }), endpoint).toMatchObject({ status: 400 });
    }
    expect(await e.h.store.getAgent('3001')).toBeUndefined();
    expect((await e.admin.agentDef('1002'))?.endpoint).toBe('PJSIP/1002');
  });

  it('refuses bad forms in the configuration file, naming the key', () => {
    expect(() => resolveConfigFile({ queues: [], agents: [{ id: '1', endpoint: 'PJSIP/1&PJSIP/2' }] })).toThrow(/agents\[0\]\.endpoint/);
    expect(() => resolveConfigFile({ queues: [], agents: [{ id: '1', endpoint: 'SIP/x' }], auth: { endpointPatterns: ['^PJSIP/\\w+$'] } })).toThrow(/agents\[0\]\.endpoint/);
    expect(resolveConfigFile({ queues: [], agents: [{ id: '1', endpoint: 'DAHDI/1' }], auth: { endpointPatterns: ['^DAHDI/\\d+$'] } }).agents[0]?.endpoint).toBe('DAHDI/1');
    expect(() => resolveConfigFile({ queues: [], auth: { endpointPatterns: ['('] } })).toThrow(/auth\.endpointPatterns\[0\]/);
  });
});

describe("supervisor's phone", () => {
  it('refuses a bad form with 400 and an endpoint outside supervisorEndpoints with 403', async () => {
    await e.h.connectedCall('1002');
    const monitor = (endpoint: string) => e.http('POST', '/api/cti/supervisors/sup1/monitor', { key: KEYS.supervisor, body: { data: { agentId: '1002', endpoint } } });
    expect(await monitor('PJSIP/0900123456@trunk')).toMatchObject({ status: 400 });
    expect(await monitor('PJSIP/sup1&PJSIP/0900')).toMatchObject({ status: 400 });
    expect(await monitor('PJSIP/2001')).toMatchObject({ status: 403 });
    expect(e.h.sim.channels().some((c) => c.name.includes('0900') || c.name.includes('2001'))).toBe(false);
    e.h.sim.setEndpoint('PJSIP/sup1', { kind: 'answer', ringMs: 100 });
    const ok = await monitor('PJSIP/sup1');
    expect(ok.body, JSON.stringify(ok.body)).toMatchObject({ result: 'success' });
  });
});
