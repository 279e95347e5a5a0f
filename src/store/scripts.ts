/**
 * Loads `lua/<name>-<numkeys>.lua` (BullMQ style: the key count is in the file name) and the
 * `--- @include "<name>"` lines they start with (from `lua/includes/`), and makes them one Redis
 * function library (FUNCTION LOAD, then FCALL; Redis 7): the includes are defined once, when the
 * library loads, not at every call of every script as EVAL scripts must (issue 12).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

const LUA_DIR = new URL('./lua/', import.meta.url);
const INCLUDE_DIR = new URL('./lua/includes/', import.meta.url);
const FILE_PATTERN = /^(\w+)-(\d+)\.lua$/;
const INCLUDE_PATTERN = /^--- @include "(\w+)"\s*$/gm;

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
  'setLostTalk',
  'queueLoad',
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

export interface ScriptSource {
  name: string;
  numberOfKeys: number;
  /** The file's text, its `@include` lines left out. */
  body: string;
  /** The includes the file names, in its order. */
  includes: string[];
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
    const text = readFileSync(new URL(file, LUA_DIR), 'utf8');
    const includes = [...text.matchAll(INCLUDE_PATTERN)].map((m) => m[1]!);
    sources.set(match[1], { name: match[1], numberOfKeys: Number(match[2]), body: text.replace(INCLUDE_PATTERN, ''), includes });
  }
  for (const name of SCRIPT_NAMES) if (!sources.has(name)) throw new Error(`missing Lua script ${name}-<numkeys>.lua in ${LUA_DIR.pathname}`);
  cachedSources = sources;
  return sources;
}

/** The text of `names` and of the includes they name in turn, each once, each after those it names. */
function includeTexts(names: string[], included: Set<string>): string {
  let text = '';
  for (const name of names) {
    if (included.has(name)) continue;
    included.add(name);
    const include = readFileSync(new URL(`${name}.lua`, INCLUDE_DIR), 'utf8');
    text += includeTexts([...include.matchAll(INCLUDE_PATTERN)].map((m) => m[1]!), included) + include.replace(INCLUDE_PATTERN, '');
  }
  return text;
}

export interface FunctionLibrary {
  /** `acd_` + a hash of the code: engines of two versions on one Redis each call their own. */
  name: string;
  code: string;
}

let cachedLibrary: FunctionLibrary | undefined;

/**
 * Every script as a function of one library: the includes first (their functions and constants
 * made once per load), then per script a function that sets the KEYS and ARGV the script's code
 * reads (library locals, as EVAL's globals were) and starts the call without a time (nowMs.lua
 * keeps the script's one instant in a library local), then runs the script's body.
 */
export function functionLibrary(): FunctionLibrary {
  if (cachedLibrary) return cachedLibrary;
  const sources = loadScriptSources();
  const includes = includeTexts(SCRIPT_NAMES.flatMap((name) => sources.get(name)!.includes), new Set());
  const functions = SCRIPT_NAMES.map(
    (script) => `redis.register_function('NAME_${script}', function(fcallKeys, fcallArgs)\nKEYS, ARGV = fcallKeys, fcallArgs\nresetNowMs()\n${sources.get(script)!.body}\nend)\n`,
  );
  const code = `#!lua name=NAME\nlocal KEYS, ARGV\n${includes}\n${functions.join('')}`;
  // The whole text is hashed, so any change to it (the wrapper too) makes another library.
  const name = `acd_${createHash('sha1').update(code).digest('hex').slice(0, 12)}`;
  cachedLibrary = { name, code: code.replace(/^#!lua name=NAME\n/, `#!lua name=${name}\n`).replaceAll("redis.register_function('NAME_", `redis.register_function('${name}_`) };
  return cachedLibrary;
}

/** Redis that restarted without persistence, or a FUNCTION FLUSH, lost the library (or never had it). */
const FUNCTION_NOT_FOUND = /Function not found/i;
/** Its name is a hash of its text: a library of that name is this one. */
const ALREADY_LOADED = /already exists/i;
const UNKNOWN_COMMAND = /unknown command/i;

const needsRedis7 = (err: unknown) =>
  err instanceof Error && UNKNOWN_COMMAND.test(err.message) ? new Error(`Redis 7.0 or newer is needed (FUNCTION LOAD / FCALL: ${err.message})`) : err;

/** A library of some engine version: `acd_` and the 12 hex digits of its hash (functionLibrary). */
const ENGINE_LIBRARY = /^acd_[0-9a-f]{12}$/;

/**
 * Deletes the libraries of other engine versions from Redis and returns their names. Each version
 * loads its own, and Redis keeps the old ones for good (they are saved with the data): one per
 * upgrade. An engine of another version still running on this Redis loses nothing: its next call
 * finds its library gone and loads it again (registerScripts).
 */
export async function deleteOtherLibraries(redis: Redis): Promise<string[]> {
  const current = functionLibrary().name;
  // FUNCTION LIST answers one flat [field, value, ...] array per library.
  const listed = (await redis.call('FUNCTION', 'LIST', 'LIBRARYNAME', 'acd_*')) as unknown[][];
  const names = listed.map((fields) => String(fields[fields.indexOf('library_name') + 1])).filter((name) => ENGINE_LIBRARY.test(name) && name !== current);
  for (const name of names) {
    await redis.call('FUNCTION', 'DELETE', name).catch((err: unknown) => {
      // Another engine starting at the same time deleted it first.
      if (!(err instanceof Error && /library not found/i.test(err.message))) throw err;
    });
  }
  return names;
}

/**
 * A typed runner that checks the key count and calls the script's function. The library is
 * loaded when Redis does not have it (first use on this Redis, or after Redis lost it), then the
 * call is made again: nothing is sent ahead of calls while Redis has it (a load is 137 KB and
 * ~5 ms of Redis).
 */
export function registerScripts(redis: Redis): RunScript {
  const sources = loadScriptSources();
  const library = functionLibrary();
  let loading: Promise<void> | undefined;
  const load = () =>
    (loading ??= redis
      .call('FUNCTION', 'LOAD', library.code)
      .then(
        () => undefined,
        (err: unknown) => {
          if (!(err instanceof Error && ALREADY_LOADED.test(err.message))) throw needsRedis7(err);
        },
      )
      .finally(() => (loading = undefined)));
  return async (name, keys, args) => {
    const expected = sources.get(name)!.numberOfKeys;
    if (keys.length !== expected) throw new Error(`script ${name} takes ${expected} keys, got ${keys.length}`);
    const fcall = () => redis.fcall(`${library.name}_${name}`, keys.length, ...keys, ...args);
    try {
      return await fcall();
    } catch (err) {
      if (!(err instanceof Error) || !FUNCTION_NOT_FOUND.test(err.message)) throw needsRedis7(err);
      await load();
      return fcall();
    }
  };
}
