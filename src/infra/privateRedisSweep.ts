/**
 * A private redis-server (demo, tests) lives in a temp dir `acd-redis-*` with `owner.json`
 * naming the process that started it. A process killed with SIGKILL cannot stop its server; the
 * next start stops servers whose owner is gone and removes their directories.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { isAlive, runsProgram, terminate } from './processes.js';

export const PRIVATE_DIR_PREFIX = 'acd-redis-';
const OWNER_FILE = 'owner.json';

interface Owner {
  owner: number;
  redis: number;
}

export async function recordOwner(dir: string, redisPid: number): Promise<void> {
  await writeFile(path.join(dir, OWNER_FILE), JSON.stringify({ owner: process.pid, redis: redisPid } satisfies Owner));
}

export async function sweepOrphans(logger?: Logger, tmp = os.tmpdir()): Promise<void> {
  const entries = await readdir(tmp).catch(() => [] as string[]);
  for (const entry of entries.filter((e) => e.startsWith(PRIVATE_DIR_PREFIX))) {
    const dir = path.join(tmp, entry);
    let owner: Owner;
    try {
      owner = JSON.parse(await readFile(path.join(dir, OWNER_FILE), 'utf8')) as Owner;
    } catch {
      continue; // being set up, or not ours
    }
    if (isAlive(owner.owner)) continue;
    if (isAlive(owner.redis) && runsProgram(owner.redis, 'redis-server')) {
      logger?.warn({ pid: owner.redis, dir }, 'stopping a private redis-server whose engine is gone');
      await terminate(owner.redis);
    }
    await rm(dir, { recursive: true, force: true });
  }
}
