import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, resolveConfigFile } from '../src/config.js';

const env = { ARI_URL: 'http://127.0.0.1:8088' };
const file = { queues: [{ id: 'sales' }], agents: [{ id: '1001', endpoint: 'PJSIP/1001', queues: ['sales'] }] };

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('fills defaults and resolves memberships', () => {
    const config = loadConfig(env, file);
    expect(config.ari).toEqual({ url: 'http://127.0.0.1:8088', username: 'asterisk', password: 'asterisk', app: 'acd', maxRestConnections: 48, restTransport: 'websocket' });
    expect(loadConfig({ ...env, ARI_MAX_CONNECTIONS: '32' }, file).ari.maxRestConnections).toBe(32);
    expect(loadConfig({ ...env, ARI_REST_TRANSPORT: 'http' }, file).ari.restTransport).toBe('http');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.queues[0]).toEqual({ id: 'sales', name: 'sales', strategy: 'longest-idle', ringTimeoutS: 15, wrapupS: 5, musicClass: 'default' });
    expect(config.agents[0]?.queues).toEqual([{ queue: 'sales', penalty: 0 }]);
    expect(config.reasons.notReady.map((r) => r.code)).toContain('rona');
  });

  it.each([
    [{ queues: [{ id: 'sales', ringTimeoutS: 0 }] }, 'queues[0].ringTimeoutS'],
    [{ queues: [{ id: 'sales', wrapupS: 'x' }] }, 'queues[0].wrapupS'],
    [{ queues: [{ id: 'sales', holdMediaDelayMs: -1 }] }, 'queues[0].holdMediaDelayMs'],
    [{ queues: [{ id: 'sales', holdMediaDelayMs: 10_001 }] }, 'queues[0].holdMediaDelayMs'],
    [{ queues: [{ id: 'sales' }, { id: 'sales' }] }, 'queues[1].id'],
    [{ queues: [{ id: 'sales' }], agents: [{ id: 'a', queues: ['nope'] }] }, 'agents[0].queues[0]'],
    [{ queues: [{ id: 'has space' }] }, 'queues[0].id'],
    [{ queues: [{ id: 'agent' }] }, 'queues[0].id'],
    [{ queues: [{ id: 'sales', colour: 'red' }] }, 'queues[0]'],
    [{ queues: [{ id: 'sales' }], agents: [{ id: 'a', manualAnswer: 'yes' }] }, 'agents[0].manualAnswer'],
    [{ queues: [{ id: 'sales' }], park: { firstSlot: 720, lastSlot: 701 } }, 'park.lastSlot'],
    [{ queues: [{ id: 'sales' }], park: { timeoutS: 0 } }, 'park.timeoutS'],
    [{ queues: [{ id: 'sales' }], outbound: { dialPattern: 'PJSIP/trunk' } }, 'outbound.dialPattern'],
    [{ queues: [{ id: 'sales' }], outbound: { ringTimeoutS: 0 } }, 'outbound.ringTimeoutS'],
    [{ queues: [{ id: 'sales' }], offerVariables: ['ACCOUNT', 'bad name'] }, 'offerVariables[1]'],
  ])('names the bad key in %j', (bad, key) => {
    expect(errorOf(() => resolveConfigFile(bad)).key).toBe(key);
  });

  it.each([
    [{ ARI_URL: 'not a url' }, 'ARI_URL'],
    [{}, 'ARI_URL'],
    [{ ...env, HTTP_PORT: '99999' }, 'HTTP_PORT'],
    [{ ...env, ARI_MAX_CONNECTIONS: '0' }, 'ARI_MAX_CONNECTIONS'],
    [{ ...env, ARI_MAX_CONNECTIONS: '91' }, 'ARI_MAX_CONNECTIONS'],
    [{ ...env, ARI_REST_TRANSPORT: 'auto' }, 'ARI_REST_TRANSPORT'],
    [{ ...env, LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ ...env, ACD_TENANT: 'a{b}' }, 'ACD_TENANT'],
    [{ ...env, LIVE_QUEUE_PREFIX: 'deepcall' }, 'LIVE_QUEUE_PREFIX'],
    [{ ...env, LIVE_QUEUE_PREFIX: '/deep call/' }, 'LIVE_QUEUE_PREFIX'],
  ])('rejects environment %j naming %s', (badEnv, key) => {
    const e = errorOf(() => loadConfig(badEnv, file));
    expect(e.key).toBe(key);
    expect(e.message).toContain(key);
  });

  it('reads the outbound dial pattern and the offered-call variables', () => {
    const config = loadConfig(env, { ...file, outbound: { dialPattern: 'PJSIP/{dest}@trunk', wrapupS: 2 }, offerVariables: ['ACCOUNT', 'LANGUAGE'] });
    expect(config.outbound).toEqual({ dialPattern: 'PJSIP/{dest}@trunk', wrapupS: 2 });
    expect(config.offerVariables).toEqual(['ACCOUNT', 'LANGUAGE']);
    expect(loadConfig(env, file).outbound).toBeUndefined();
  });

  it('reads the Live Queue API\'s second path from LIVE_QUEUE_PREFIX, /deepcall by default', () => {
    expect(loadConfig(env, file).liveQueuePrefix).toBe('/deepcall');
    expect(loadConfig({ ...env, LIVE_QUEUE_PREFIX: '/cc/v1' }, file).liveQueuePrefix).toBe('/cc/v1');
  });

  it('reads the CPU priority from CPU_NICE, none by default, and refuses a value out of -20..19', () => {
    expect(loadConfig(env, file).cpuNice).toBeUndefined();
    expect(loadConfig({ ...env, CPU_NICE: '-10' }, file).cpuNice).toBe(-10);
    for (const bad of ['-21', '20', 'high', '1.5']) {
      const err = errorOf(() => loadConfig({ ...env, CPU_NICE: bad }, file));
      expect(err.key).toBe('CPU_NICE');
      expect(err.message).toContain(`from -20 to 19, got '${bad}'`);
    }
  });

  it('names the node after the Asterisk and app it serves, so a restarted engine takes up its calls', () => {
    expect(loadConfig(env, file).nodeId).toBe('127.0.0.1-8088-acd');
    expect(loadConfig({ ...env, ARI_APP: 'acd2' }, file).nodeId).toBe('127.0.0.1-8088-acd2');
    expect(loadConfig({ ...env, NODE_ID: 'pbx-a' }, file).nodeId).toBe('pbx-a');
  });

  it('reads the example configuration file shipped in config/', () => {
    const config = loadConfig({ ...env, ACD_CONFIG: 'config/acd.yaml' });
    expect(config.queues.map((q) => q.id)).toEqual(['sales', 'support']);
    expect(config.agents.find((a) => a.id === '1002')?.wrapupS).toBe(5);
  });

  it('requires ACD_CONFIG when no file is given, and says when it cannot be read', () => {
    expect(errorOf(() => loadConfig(env)).key).toBe('ACD_CONFIG');
    expect(errorOf(() => loadConfig({ ...env, ACD_CONFIG: '/nonexistent.yaml' })).message).toContain('cannot read');
  });
});
