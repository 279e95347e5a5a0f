/**
 * The Lua twin of the key layout (lua/includes/keys.lua, generated from keys.ts and the id
 * prefixes): up to date, building exactly the keys keys.ts builds, and the only place the
 * scripts get a key or an id prefix from.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ID_PREFIXES } from '../../src/domain/idPrefixes.js';
import { storeKeys } from '../../src/store/keys.js';
import { LUA_KEYS_PATH, renderLuaKeys } from '../../src/store/luaKeys.js';
import { connectTestRedis } from '../helpers/redis.js';

const redis = connectTestRedis();
afterAll(async () => {
  await redis.quit();
});

const LUA_DIR = new URL('../../src/store/lua/', import.meta.url);

describe('lua/includes/keys.lua', () => {
  it('is up to date with keys.ts and the id prefixes (run `npm run lua:keys`)', () => {
    expect(readFileSync(LUA_KEYS_PATH, 'utf8')).toBe(renderLuaKeys());
  });

  it('builds in Lua the same keys and prefixes as the TypeScript', async () => {
    const keys = storeKeys('acme');
    const args = ['q1', '7', 'p.1'];
    const names = Object.keys(keys).filter((name) => name !== 'prefix');
    const expected = names.map((name) => {
      const value = keys[name as keyof typeof keys];
      return typeof value === 'string' ? value : (value as (...a: string[]) => string)(...args.slice(0, value.length));
    });
    const calls = names.map((name) => `keys.${name}(ARGV[1], ARGV[2], ARGV[3], ARGV[4])`);
    const prefixNames = Object.keys(ID_PREFIXES);
    const script = `${renderLuaKeys()}\nreturn { ${[...calls, ...prefixNames.map((p) => `idPrefix.${p}`)].join(', ')} }`;
    expect(await redis.eval(script, 0, keys.prefix, ...args)).toEqual([...expected, ...Object.values(ID_PREFIXES)]);
  });

  it('is where the scripts get keys and id prefixes: none spells one itself', () => {
    const spelled = new RegExp(
      [String.raw`(prefix|ARGV\[1\]) \.\. '`, ...Object.values(ID_PREFIXES).map((p) => `'${p.replace(/[.-]/g, '\\$&')}`)].join('|'),
    );
    const files = [...readdirSync(LUA_DIR).map((f) => `${f}`), ...readdirSync(new URL('includes/', LUA_DIR)).map((f) => `includes/${f}`)].filter(
      (f) => f.endsWith('.lua') && f !== 'includes/keys.lua',
    );
    const found = files.flatMap((f) =>
      readFileSync(new URL(f, LUA_DIR), 'utf8')
        .split('\n')
        .flatMap((line, i) => (!line.trimStart().startsWith('--') && spelled.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
  });
});
