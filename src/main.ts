#!/usr/bin/env node
/**
 * `npm start` / `acd`: the engine against a real Asterisk. Configuration comes from the
 * environment (ARI_URL, ARI_USERNAME, ARI_PASSWORD, ARI_APP, REDIS_URL, HTTP_HOST, HTTP_PORT,
 * ACD_CONFIG, ACD_TENANT, NODE_ID, CPU_NICE, LOG_LEVEL, LOG_FORMAT, QUEUE_LOG_FILE, QUEUE_LOG_DB_URL; ACD_ADMIN_KEY / ACD_SUPERVISOR_KEY add API keys). Redis is REDIS_URL, or `--embedded-redis <dir>`: a
 * redis-server with its data (AOF) in `<dir>`, run and stopped by the engine.
 * `acd --check-config FILE` validates a queues/agents file and exits.
 */
import { parseArgs } from 'node:util';
import { startAcd, type RunningAcd } from './app.js';
import { ConfigError, loadConfig, readConfigFile, resolveConfigFile } from './config.js';
import { applyCpuNice } from './infra/cpuPriority.js';
import { startEmbeddedRedis } from './infra/embeddedRedis.js';
import { withEnvApiKeys } from './infra/envKeys.js';
import { checkDurability } from './infra/redisDurability.js';
import type { RedisHandle } from './infra/redisServer.js';
import { createLogger } from './logger.js';

const USAGE = `usage: acd [--embedded-redis DIR]      run the engine (REDIS_URL or --embedded-redis required)
       acd --check-config FILE             validate a queues/agents file (YAML or JSON) and exit`;

/** Whatever state start-up is in, a signal stops everything started so far within this time. */
const SHUTDOWN_DEADLINE_MS = 8_000;

function parseCommandLine(): { embeddedRedis?: string; checkConfig?: string } {
  try {
    const { values } = parseArgs({ options: { 'embedded-redis': { type: 'string' }, 'check-config': { type: 'string' }, help: { type: 'boolean' } } });
    if (values.help) exit(0, USAGE);
    return { embeddedRedis: values['embedded-redis'], checkConfig: values['check-config'] };
  } catch (err) {
    return exit(2, `${(err as Error).message}\n${USAGE}`);
  }
}

function exit(code: number, message: string): never {
  (code === 0 ? console.log : console.error)(message);
  process.exit(code);
}

function checkConfigFile(file: string): never {
  try {
    const config = resolveConfigFile(readConfigFile(file));
    exit(0, `${file}: ok (${config.queues.length} queues, ${config.agents.length} agents, auth ${config.auth.mode})`);
  } catch (err) {
    if (err instanceof ConfigError) exit(2, `${file}: ${err.message}`);
    throw err;
  }
}

async function main(): Promise<void> {
  const args = parseCommandLine();
  if (args.checkConfig !== undefined) checkConfigFile(args.checkConfig);
  let config;
  try {
    config = loadConfig(process.env, process.env.ACD_CONFIG ? withEnvApiKeys(readConfigFile(process.env.ACD_CONFIG), process.env) : undefined);
  } catch (err) {
    if (err instanceof ConfigError) exit(2, err.message);
    throw err;
  }
  if (!config.redisUrl && args.embeddedRedis === undefined) {
    exit(2, `config error: REDIS_URL: is required, or run with --embedded-redis DIR (a redis-server keeping its data in DIR)\n${USAGE}`);
  }
  const logger = createLogger(config.logLevel);
  // Before the embedded redis-server is spawned: it inherits the priority.
  if (config.cpuNice !== undefined) applyCpuNice(config.cpuNice, logger);

  // Filled as start-up goes: a signal stops whatever is running by then.
  const running: { redis?: RedisHandle; acd?: RunningAcd } = {};
  let stopping = false;
  const shutdown = async (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    await running.acd?.close();
    await running.redis?.stop();
    process.exit(code);
  };
  // Before anything starts: a signal during start-up stops what is already running.
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  const redis = config.redisUrl ? { url: config.redisUrl, started: false, stop: async () => {} } : await startEmbeddedRedis(args.embeddedRedis!, logger);
  running.redis = redis;
  if (stopping) return;
  if (config.redisUrl) void checkDurability(config.redisUrl, logger);
  const acd = await startAcd({ ...config, redisUrl: redis.url, queueLog: { file: process.env.QUEUE_LOG_FILE || undefined, databaseUrl: process.env.QUEUE_LOG_DB_URL || undefined } }, logger);
  running.acd = acd;
  if (stopping) return;
  // A lost lease stopped the engine for good in this process (a stall past LEASE_TTL_MS, or
  // another engine took the node): exit non-zero, so a supervisor starts it again and the new
  // process takes the node back (or stands by) and reconciles.
  void acd.leaseLost.then(() => shutdown('lease lost', 1));
  // Running = serving calls: ARI connected and reconciled (the HTTP API answers from the start).
  // A shutdown before that ends `ready` with an error: nothing to report then.
  acd.ready.then(
    () => stopping || logger.info({ http: acd.httpUrl, ari: config.ari.url, app: config.ari.app }, 'ACD engine running'),
    () => undefined,
  );
}

main().catch((err) => exit(1, err instanceof Error ? err.message : String(err)));
