/** Watching a Pbx's events in tests: everything is recorded, and waits see past and future events. */
import { connect, createServer, type Socket } from 'node:net';
import { pino } from 'pino';
import type { Pbx, PbxEvent } from '../../src/pbx/port.js';
import { createAriPbx, type AriPbx, type AriPbxOptions } from '../../src/pbx/ari/index.js';

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

export function testPbx(url: string, overrides: Partial<AriPbxOptions> = {}): AriPbx {
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

/**
 * A TCP proxy in front of an ARI server that keeps what each connection sent, so a test can count
 * the connections the adapter's REST pool used, or see which requests went over HTTP at all.
 */
export async function countingProxy(target: string): Promise<{ url: string; sent: string[]; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sent: string[] = [];
  const open = new Set<Socket>();
  const server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    const at = sent.push('') - 1;
    const upstream = connect(Number(port), hostname);
    client.on('data', (chunk: Buffer) => (sent[at] += chunk.toString('latin1')));
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    sent,
    // Kept-alive connections would hold close() until they idle out.
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}

/**
 * The requests a countingProxy saw, as `METHOD /ari/path` without the query. A request sent right
 * after a JSON body on the same kept-alive connection starts mid-line, after the body's `}` or `]`.
 */
export const httpRequestsIn = (sent: string[]): string[] =>
  sent.flatMap((bytes) => [...bytes.matchAll(/(?<=^|[}\]])(GET|POST|PUT|DELETE) (\/ari\/[^?\s]+)/gm)].map((m) => `${m[1]} ${m[2]}`));
