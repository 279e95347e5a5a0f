/**
 * Loads `lua/<name>-<numkeys>.lua` (BullMQ style: the key count is in the file name), resolves
 * `--- @include "<name>"` lines from `lua/includes/` (each include once per script), and
 * registers every script on an ioredis client with `defineCommand` (EVALSHA, EVAL on NOSCRIPT).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

const LUA_DIR = new URL('./lua/', import.meta.url);
const INCLUDE_DIR = new URL('./lua/includes/', import.meta.url);
const FILE_PATTERN = /^(\w+)-(\d+)\.lua$/;
const INCLUDE_PATTERN = /^--- @include "(\w+)"\s*$/gm;
/** Command names get a prefix so they never shadow an ioredis method (`connect`!). */
const COMMAND_PREFIX = 'acd_';

export const SCRIPT_NAMES = [
  'upsertQueue',
  'upsertAgent',
  'login',
  'changeStatus',
  'endWrapup',
  'enqueue',
  'assignByQueue',
  'assignByAgent',
  'markRinging',
  'offerFailed',
  'connect',
  'endCall',
  'callOfChannel',
  'offerMore',
  'setPriority',
  'leaveQueue',
  'waitInfo',
  'callbackRequest',
  'callbackDial',
  'callbackAnswered',
  'callbackFailed',
  'callbackRequeue',
  'setMember',
  'removeMember',
  'pauseMember',
  'deleteQueue',
  'deleteAgent',
  'transferToQueue',
  'transferToAgent',
  'consultComplete',
  'transferToExtension',
  'park',
  'ctlUpdate',
  'controlCallStart',
  'controlCallSet',
  'controlCallEnd',
  'unpark',
  'setDeviceInUse',
  'queueLoad',
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

export interface ScriptSource {
  name: string;
  numberOfKeys: number;
  lua: string;
}

export type ScriptArg = string | number;
export type RunScript = (name: ScriptName, keys: string[], args: ScriptArg[]) => Promise<unknown>;

let cachedSources: Map<string, ScriptSource> | undefined;

export function loadScriptSources(): Map<string, ScriptSource> {
  if (cachedSources) return cachedSources;
  const sources = new Map<string, ScriptSource>();
  for (const file of readdirSync(LUA_DIR)) {
    const match = FILE_PATTERN.exec(file);
    if (!match) continue;
    const lua = resolveIncludes(readFileSync(new URL(file, LUA_DIR), 'utf8'), new Set());
    sources.set(match[1], { name: match[1], numberOfKeys: Number(match[2]), lua });
  }
  cachedSources = sources;
  return sources;
}

function resolveIncludes(lua: string, included: Set<string>): string {
  return lua.replace(INCLUDE_PATTERN, (_line, name: string) => {
    if (included.has(name)) return '';
    included.add(name);
    return resolveIncludes(readFileSync(new URL(`${name}.lua`, INCLUDE_DIR), 'utf8'), included);
  });
}

/** Defines every script on `redis` and returns a typed runner that checks the key count. */
export function registerScripts(redis: Redis): RunScript {
  const sources = loadScriptSources();
  for (const name of SCRIPT_NAMES) {
    const source = sources.get(name);
    if (!source) throw new Error(`missing Lua script ${name}-<numkeys>.lua in ${LUA_DIR.pathname}`);
    redis.defineCommand(COMMAND_PREFIX + name, { lua: source.lua, numberOfKeys: source.numberOfKeys });
  }
  // defineCommand adds methods ioredis cannot type; this is the one place that reaches them.
  const commands = redis as unknown as Record<string, (...args: ScriptArg[]) => Promise<unknown>>;
  return (name, keys, args) => {
    const expected = sources.get(name)!.numberOfKeys;
    if (keys.length !== expected) throw new Error(`script ${name} takes ${expected} keys, got ${keys.length}`);
    return commands[COMMAND_PREFIX + name](...keys, ...args);
  };
}
