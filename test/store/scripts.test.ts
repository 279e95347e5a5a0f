import { describe, expect, it } from 'vitest';
import { storeKeys, tenantPrefix } from '../../src/store/keys.js';
import { deleteOtherLibraries, functionLibrary, loadScriptSources, SCRIPT_NAMES } from '../../src/store/scripts.js';
import { agentDef, by, queueDef, type TestStore, useTestStore } from '../helpers/store.js';

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
    for (const { name, numberOfKeys, body } of sources.values()) {
      for (let k = 1; k <= numberOfKeys; k++) expect(body, `${name} KEYS[${k}]`).toContain(`KEYS[${k}]`);
      expect(body, name).not.toContain(`KEYS[${numberOfKeys + 1}]`);
      expect(body, name).toMatch(/ARGV\[1\]/);
      expect(body, name).toMatch(/Returns /);
    }
  });

  it('makes one library that defines each include once, before the functions, and a function per script', () => {
    const { name, code } = functionLibrary();
    expect(code.startsWith(`#!lua name=${name}\n`)).toBe(true);
    expect(code).not.toContain('@include');
    expect(code.match(/local function emit\(/g)).toHaveLength(1);
    expect(code.match(/local function setAgentStatus\(/g)).toHaveLength(1);
    // An include's own includes come before it: pools (named by agentStatus) before setAgentStatus.
    expect(code.indexOf('local function enterPools(')).toBeLessThan(code.indexOf('local function setAgentStatus('));
    expect(code.indexOf('local function setAgentStatus(')).toBeLessThan(code.indexOf('redis.register_function('));
    for (const script of SCRIPT_NAMES) expect(code).toContain(`redis.register_function('${name}_${script}', function(fcallKeys, fcallArgs)`);
  });
});

describe('the function library in Redis', () => {
  let t: TestStore;
  useTestStore((store) => (t = store));

  it('is loaded again when Redis lost it (a restart without persistence, FUNCTION DELETE)', async () => {
    await t.store.upsertQueue(queueDef('q'));
    const { name } = functionLibrary();
    const libraries = async () => ((await t.redis.call('FUNCTION', 'LIST', 'LIBRARYNAME', name)) as unknown[]).length;
    expect(await libraries()).toBe(1);
    await t.redis.call('FUNCTION', 'DELETE', name);
    expect(await libraries()).toBe(0);
    // Other test files share the library: they get it back the same way.
    await t.store.upsertAgent(agentDef('a1', ['q']));
    expect((await t.store.login('a1', undefined, { ...by, ready: true })).status).toBe('ready');
    expect(await libraries()).toBe(1);
  });

  it("deletes other engine versions' libraries, and keeps its own and those of other programs", async () => {
    await t.store.upsertQueue(queueDef('q'));
    const { name } = functionLibrary();
    // An older engine's library (another hash) and a library that is not ours.
    const library = (lib: string) => `#!lua name=${lib}\nredis.register_function('${lib}_f', function() return 1 end)`;
    const old = name === 'acd_000000000000' ? 'acd_000000000001' : 'acd_000000000000';
    await t.redis.call('FUNCTION', 'LOAD', 'REPLACE', library(old));
    await t.redis.call('FUNCTION', 'LOAD', 'REPLACE', library('acd_reports'));
    const present = async (lib: string) => ((await t.redis.call('FUNCTION', 'LIST', 'LIBRARYNAME', lib)) as unknown[][]).some((fields) => fields[fields.indexOf('library_name') + 1] === lib);

    // An engine starting in another test file may delete `old` first: judged by what is left.
    expect(await deleteOtherLibraries(t.redis)).not.toContain(name);
    expect([await present(old), await present(name), await present('acd_reports')]).toEqual([false, true, true]);
    await t.redis.call('FUNCTION', 'DELETE', 'acd_reports');
  });
});
