/** Watching a Pbx's events in tests: everything is recorded, and waits see past and future events. */
import { pino } from 'pino';
import type { Pbx, PbxEvent } from '../../src/pbx/port.js';
import { createAriPbx, type AriPbxOptions } from '../../src/pbx/ari/index.js';

export const silentLogger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

export interface EventLog {
  readonly events: PbxEvent[];
  /** Resolves with the first recorded event (from `fromIndex`) matching, waiting up to `timeoutMs`. */
  waitFor<T extends PbxEvent['type']>(type: T, where?: (e: Extract<PbxEvent, { type: T }>) => boolean, timeoutMs?: number, fromIndex?: number): Promise<Extract<PbxEvent, { type: T }>>;
  types(): string[];
}

export function recordEvents(pbx: Pbx): EventLog {
  const events: PbxEvent[] = [];
  const waiters = new Set<() => void>();
  pbx.onEvent((event) => {
    events.push(event);
    for (const wake of waiters) wake();
  });
  return {
    events,
    types: () => events.map((e) => e.type),
    waitFor(type, where = () => true, timeoutMs = 5_000, fromIndex = 0) {
      type E = Extract<PbxEvent, { type: typeof type }>;
      const find = () => events.slice(fromIndex).find((e): e is E => e.type === type && where(e as E));
      return new Promise<E>((resolve, reject) => {
        const check = () => {
          const found = find();
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${type} event within ${timeoutMs} ms; got ${events.map((e) => e.type).join(', ')}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

export function testPbx(url: string, overrides: Partial<AriPbxOptions> = {}): Pbx {
  return createAriPbx({
    url,
    username: 'asterisk',
    password: 'secret',
    app: 'acd',
    logger: silentLogger,
    reconnect: { minDelayMs: 20, maxDelayMs: 200 },
    connectTimeoutMs: 2_000,
    requestTimeoutMs: 2_000,
    ...overrides,
  });
}
