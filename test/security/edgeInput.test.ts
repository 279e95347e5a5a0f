/**
 * Issue 8 item 8: a JSON `null` body is refused, framework errors (bad percent-encoding, too
 * long a URL parameter) answer in our error shape, the loopback check compares addresses, and
 * credentials in the query count only under their exact names and are redacted from logs in any
 * spelling. (`__proto__` as an id: see ids.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/auth/settings.js';
import { redactUrl } from '../../src/api/logging.js';
import { loadConfig } from '../../src/config.js';
import { keyedApiPerTest } from '../api/apiHarness.js';
import { KEYS } from '../api/httpClient.js';

const ctx = keyedApiPerTest();

describe('request edges', () => {
  it('refuses a JSON null body with 400 and runs nothing', async () => {
    const res = await ctx.http('POST', '/api/agents/1001/login', { key: KEYS.admin, body: null as unknown as object, headers: { 'content-type': 'application/json' } });
    expect(res).toMatchObject({ status: 400, body: { status: 'error', code: 'validation' } });
    expect((await ctx.api.store.getAgent('1001'))?.status).toBe('logged_out');
  });

  it('answers bad percent-encoding and over-long parameters in our error shape', async () => {
    const bad = await ctx.http('GET', '/api/agents/%E0%A4%A', { key: KEYS.admin });
    expect(bad).toMatchObject({ status: 400, body: { status: 'error', code: 'validation', message: expect.any(String) } });
    const long = await ctx.http('GET', `/api/agents/${'a'.repeat(500)}`, { key: KEYS.admin });
    expect(long).toMatchObject({ status: 414, body: { status: 'error', code: 'validation' } });
  });
});

describe('loopback check', () => {
  it('compares addresses, not prefixes', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['127.evil.example', '127.0.0.1.nip.io', '1270.0.0.1', '0.0.0.0', '::', '10.0.0.1', 'localhost.evil.example']) expect(isLoopback(host), host).toBe(false);
    expect(() => loadConfig({ ARI_URL: 'http://127.0.0.1:8088', HTTP_HOST: '127.evil.example' }, { queues: [] })).toThrow(/open mode/);
  });
});

describe('credentials in the query', () => {
  it('recognises ssid / token only under their exact names', async () => {
    expect((await ctx.http('POST', `/api/v2/liveQueue/count?ssid=${KEYS.supervisor}`)).status).toBe(200);
    expect((await ctx.http('POST', `/api/v2/liveQueue/count?%73sid=${KEYS.supervisor}`)).status).toBe(401);
    expect((await ctx.http('POST', `/api/v2/liveQueue/count?userId=sup&%74oken=${KEYS.supervisor}`)).status).toBe(401);
  });

  it('redacts them from logged URLs in any spelling', async () => {
    for (const url of [`/x?%74oken=${KEYS.supervisor}`, `/x?a=1&TOKEN=${KEYS.supervisor}`, `/x?s%73id=${KEYS.supervisor}&b=2`, `/x?apikey=${KEYS.supervisor}`]) {
      expect(redactUrl(url), url).not.toContain(KEYS.supervisor);
    }
    await ctx.http('POST', `/api/v2/liveQueue/count?%74oken=${KEYS.supervisor}&userId=sup`);
    expect(JSON.stringify(ctx.api.logs)).not.toContain(KEYS.supervisor);
  });
});
