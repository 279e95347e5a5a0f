/**
 * The root pino logger. Credentials never reach the logs: the paths below are redacted.
 * A person at a terminal reads pino-pretty lines; anything else (a pipe, a file, a container
 * log collector) gets one JSON object per line. LOG_FORMAT=json|pretty overrides the choice.
 */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export const REDACT_PATHS = ['password', '*.password', 'ari.password', 'headers.authorization', 'req.headers.authorization', 'req.headers["x-api-key"]'];

export type LogFormat = 'json' | 'pretty';

export function logFormat(env: NodeJS.ProcessEnv = process.env, isTty = process.stdout.isTTY === true): LogFormat {
  if (env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty') return env.LOG_FORMAT;
  return isTty ? 'pretty' : 'json';
}

export function createLogger(level: string, format: LogFormat = logFormat()): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  if (format === 'json') return pino(options);
  // Synchronous stream on the main thread: lines are not lost when the process exits on a signal.
  return pino(options, pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
}
