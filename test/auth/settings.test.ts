import { describe, expect, it } from 'vitest';
import { hashKey, resolveAuthSettings } from '../../src/auth/settings.js';
import { loadConfig } from '../../src/config.js';

const env = { ARI_URL: 'http://127.0.0.1:8088' };
const file = (auth?: unknown) => ({ queues: [{ id: 'sales' }], ...(auth === undefined ? {} : { auth }) });

describe('auth settings', () => {
  it('keeps only hashes of keys, and takes hashes as given', () => {
    const settings = resolveAuthSettings({ apiKeys: [{ key: 'a-long-enough-key-123', role: 'admin' }, { keyHash: hashKey('other-key-0123456789').toUpperCase(), role: 'supervisor', name: 'wall' }] });
    expect(settings.mode).toBe('keys');
    expect(settings.apiKeys).toEqual([
      { keyHash: hashKey('a-long-enough-key-123'), role: 'admin', agentId: undefined, name: expect.stringMatching(/^key-[0-9a-f]{8}$/) },
      { keyHash: hashKey('other-key-0123456789'), role: 'supervisor', agentId: undefined, name: 'wall' },
    ]);
    expect(JSON.stringify(settings)).not.toContain('a-long-enough-key-123');
  });

  it('names the bad key in config errors', () => {
    expect(() => loadConfig(env, file({ apiKeys: [{ role: 'admin' }] }))).toThrow('config error: auth.apiKeys[0]: give exactly one of key or keyHash');
    expect(() => loadConfig(env, file({ apiKeys: [{ key: 'a-long-enough-key-123', role: 'agent' }] }))).toThrow('config error: auth.apiKeys[0].agentId: is required for role agent');
    expect(() => loadConfig(env, file({ apiKeys: [{ key: 'short', role: 'admin' }] }))).toThrow(/auth\.apiKeys\[0\]\.key/);
    expect(() => loadConfig(env, file({ ticketTtlS: 1 }))).toThrow(/auth\.ticketTtlS/);
  });

  it('is open without keys on loopback only', () => {
    expect(loadConfig(env, file()).auth.mode).toBe('open');
    expect(() => loadConfig({ ...env, HTTP_HOST: '0.0.0.0' }, file())).toThrow(/config error: auth\.apiKeys: no API keys configured/);
    const keyed = loadConfig({ ...env, HTTP_HOST: '0.0.0.0' }, file({ apiKeys: [{ key: 'a-long-enough-key-123', role: 'admin' }] }));
    expect(keyed.auth.mode).toBe('keys');
  });
});
