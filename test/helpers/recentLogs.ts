/**
 * The engine's recent log lines, kept in memory by the harnesses and told by waitFor when a wait
 * times out: a test that fails only now and then on a CI box (the log level there is silent)
 * still says what the engine did last. TEST_LOG_LEVEL=<level> writes the whole log to stdout
 * instead, as before.
 */
import { pino, type Logger } from 'pino';

/** Lines kept (the last ones); a failing wait shows the last TOLD of them. */
const KEPT = 400;
const TOLD = 40;

const recent: string[] = [];

/** The time, level, message and the ids that say which call, agent, channel or bridge, on one line. */
function compact(line: string): string {
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const { time, level, msg, pid: _pid, hostname: _host, err, ...fields } = entry;
    const at = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
    const error = err && typeof err === 'object' ? ` err=${String((err as { message?: unknown }).message)}` : '';
    return `${at} ${String(level)} ${String(msg)} ${JSON.stringify(fields)}${error}`;
  } catch {
    return line.trimEnd();
  }
}

/** A logger for an engine under test: to stdout at TEST_LOG_LEVEL when set, else into the in-memory tail at info. */
export function testLogger(): Logger {
  const level = process.env.TEST_LOG_LEVEL;
  if (level) return pino({ level });
  return pino({ level: 'info' }, {
    write(line: string) {
      recent.push(line);
      if (recent.length > KEPT) recent.splice(0, recent.length - KEPT);
    },
  });
}

/** The last log lines of the engines of this test file, compacted, for a failure's message ('' when none). */
export function recentLogLines(): string {
  if (recent.length === 0) return '';
  return `\nthe engine's last ${Math.min(TOLD, recent.length)} log lines:\n${recent.slice(-TOLD).map(compact).join('\n')}`;
}
