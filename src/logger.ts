/** The root pino logger. Credentials never reach the logs: the paths below are redacted. */
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = ['password', '*.password', 'ari.password', 'headers.authorization', 'req.headers.authorization', 'req.headers["x-api-key"]'];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}
