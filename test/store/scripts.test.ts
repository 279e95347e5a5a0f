import { describe, expect, it } from 'vitest';
import { storeKeys, tenantPrefix } from '../../src/store/keys.js';
import { loadScriptSources, SCRIPT_NAMES } from '../../src/store/scripts.js';

describe('key layout', () => {
  it('puts every key of a tenant under one hash tag', () => {
    const keys = storeKeys('acme');
    const all = [
      keys.agent('1'),
      keys.agentQueues('1'),
      keys.queue('q'),
      keys.queueMembers('q'),
      keys.queueIdle('q'),
      keys.queueWaiting('q'),
      keys.call('c'),
      keys.seq,
      keys.chan,
      keys.calls,
      keys.queues,
      keys.agents,
      keys.events,
    ];
    // Cluster hashes only the first {...} of a key: it must be the tenant for every key.
    for (const key of all) expect(/\{([^}]*)\}/.exec(key)?.[1], key).toBe('acme');
    expect(keys.queueIdle('q')).toBe('acd:{acme}:queue:q:idle');
  });

  it('refuses tenant names that would break the hash tag or a SCAN pattern', () => {
    for (const bad of ['', 'a}b', 'a{b', 'a*', 'a b', 'x?']) expect(() => tenantPrefix(bad), bad).toThrow(/tenant/);
  });
});

describe('Lua scripts', () => {
  const sources = loadScriptSources();

  it('has one file per transition, each documenting its KEYS and ARGV', () => {
    expect([...sources.keys()].sort()).toEqual([...SCRIPT_NAMES].sort());
    for (const { name, numberOfKeys, lua } of sources.values()) {
      for (let k = 1; k <= numberOfKeys; k++) expect(lua, `${name} KEYS[${k}]`).toContain(`KEYS[${k}]`);
      expect(lua, name).not.toContain(`KEYS[${numberOfKeys + 1}]`);
      expect(lua, name).toMatch(/ARGV\[1\]/);
      expect(lua, name).toMatch(/Returns /);
    }
  });

  it('inlines each include once', () => {
    const reserveScript = sources.get('assignByQueue')!.lua;
    expect(reserveScript).not.toContain('@include');
    expect(reserveScript.match(/local function emit\(/g)).toHaveLength(1);
    expect(reserveScript.match(/local function setAgentStatus\(/g)).toHaveLength(1);
  });
});
