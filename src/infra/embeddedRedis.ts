/**
 * `npm start --embedded-redis <dir>`: a redis-server owned by the engine, with its data kept in
 * `<dir>` (append-only file, fsync every second), so a restart of the engine keeps every agent's
 * state and every waiting call. `<dir>/acd-redis.json` names the running server: a server left
 * behind by a killed engine is stopped (it flushes its AOF) before a new one starts on the data.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { isAlive, runsProgram, terminate } from './processes.js';
import { freeLoopbackPort, launchRedisServer, type RedisHandle } from './redisServer.js';

const STATE_FILE = 'acd-redis.json';

interface ServerState {
  pid: number;
  port: number;
}

export async function startEmbeddedRedis(dir: string, logger: Logger): Promise<RedisHandle> {
  const absolute = path.resolve(dir);
  await mkdir(absolute, { recursive: true });
  const stateFile = path.join(absolute, STATE_FILE);
  await stopLeftover(stateFile, logger);
  const server = await launchRedisServer({ port: await freeLoopbackPort(), dir: absolute, persistence: 'aof' });
  await writeFile(stateFile, JSON.stringify({ pid: server.pid, port: Number(new URL(server.url).port) } satisfies ServerState));
  logger.info({ url: server.url, pid: server.pid, dir: absolute }, 'embedded redis-server started (AOF everysec)');
  return {
    url: server.url,
    started: true,
    async stop() {
      await server.stop();
      await rm(stateFile, { force: true });
      logger.info({ dir: absolute }, 'embedded redis-server stopped');
    },
  };
}

async function stopLeftover(stateFile: string, logger: Logger): Promise<void> {
  let state: ServerState;
  try {
    state = JSON.parse(await readFile(stateFile, 'utf8')) as ServerState;
  } catch {
    return;
  }
  if (Number.isInteger(state.pid) && isAlive(state.pid) && runsProgram(state.pid, 'redis-server')) {
    logger.warn({ pid: state.pid, port: state.port }, 'a redis-server of a previous run still serves this data directory (engine killed?); stopping it, its data is kept');
    await terminate(state.pid);
  }
  await rm(stateFile, { force: true });
}
