/**
 * `npm start`: the engine against a real Asterisk. Configuration comes from the environment
 * (ARI_URL, ARI_USERNAME, ARI_PASSWORD, ARI_APP, REDIS_URL, HTTP_HOST, HTTP_PORT, ACD_CONFIG,
 * ACD_TENANT, NODE_ID, LOG_LEVEL); without REDIS_URL a private redis-server is started.
 */
import { startAcd } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { ensureRedis } from './infra/redisServer.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const redis = await ensureRedis({ logger });
  const acd = await startAcd({ ...config, redisUrl: redis.url }, logger);
  logger.info({ http: acd.httpUrl, ari: config.ari.url, app: config.ari.app }, 'ACD engine running');

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await acd.close();
    await redis.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
