/**
 * An engine that starts deletes the Lua function libraries of other engine versions from Redis
 * (each upgrade loads its own; Redis would keep the old ones for good).
 */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, expect, inject, it } from 'vitest';
import { startAcd, type RunningAcd } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { functionLibrary } from '../../src/store/scripts.js';
import { freshPrefix } from '../helpers/redis.js';
import { waitUntil } from '../api/waitUntil.js';

let sim: Simulator | undefined;
let acd: RunningAcd | undefined;
const redis = new Redis(inject('redisUrl'));
afterAll(async () => {
  await acd?.close();
  await sim?.close();
  redis.disconnect();
});

const libraryNames = async () => ((await redis.call('FUNCTION', 'LIST', 'LIBRARYNAME', 'acd_*')) as unknown[][]).map((fields) => String(fields[fields.indexOf('library_name') + 1]));

it("an engine's start deletes the libraries of other engine versions", async () => {
  const current = functionLibrary().name;
  const old = current === 'acd_00000000000a' ? 'acd_00000000000b' : 'acd_00000000000a';
  await redis.call('FUNCTION', 'LOAD', 'REPLACE', `#!lua name=${old}\nredis.register_function('${old}_f', function() return 1 end)`);
  expect(await libraryNames()).toContain(old);
  sim = await startSimulator({ port: 0 });
  const config = loadConfig({ ARI_URL: sim.url, HTTP_PORT: '0', ACD_TENANT: freshPrefix() }, { queues: [{ id: 'sales' }], agents: [] });
  acd = await startAcd({ ...config, redisUrl: inject('redisUrl') }, pino({ level: 'silent' }));
  await acd.ready;
  await waitUntil(async () => !(await libraryNames()).includes(old), `library ${old} deleted`);
});
