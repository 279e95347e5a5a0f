/**
 * A throwaway PostgreSQL cluster for tests: Debian's binaries, a temp data dir, a free loopback
 * port, trust auth. initdb refuses root, so as root it runs as the `postgres` user.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freeLoopbackPort } from '../../src/infra/redisServer.js';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

export interface TestPostgres {
  url: string;
  stop(): Promise<void>;
}

/** Why no cluster can be started here, or undefined when it can. */
export function postgresMissing(): string | undefined {
  return existsSync(path.join(BIN, 'initdb')) ? undefined : `${BIN}/initdb not found (Debian package postgresql)`;
}

export async function startPostgres(): Promise<TestPostgres> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'acd-pg-'));
  const asRoot = process.getuid?.() === 0;
  const as = async (cmd: string, args: string[]) => {
    if (asRoot) await run('runuser', ['-u', 'postgres', '--', path.join(BIN, cmd), ...args]);
    else await run(path.join(BIN, cmd), args);
  };
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = path.join(dir, 'data');
  const port = await freeLoopbackPort();
  await as('initdb', ['-D', data, '-A', 'trust', '-U', 'acd', '--no-sync']);
  await as('pg_ctl', ['-D', data, '-w', '-l', path.join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  return {
    url: `postgres://acd@127.0.0.1:${port}/postgres`,
    async stop() {
      await as('pg_ctl', ['-D', data, '-w', '-m', 'fast', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
