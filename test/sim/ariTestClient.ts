/** A bare ARI client for tests: REST over fetch and the events WebSocket, collecting what arrives. */
import { afterEach } from 'vitest';
import WebSocket from 'ws';
import { startSimulator, type AriEvent, type Simulator, type SimulatorOptions } from '../../src/sim/index.js';

export interface RestResult {
  status: number;
  body: unknown;
}

export class AriTestClient {
  readonly events: AriEvent[] = [];
  private socket?: WebSocket;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly baseUrl: string,
    private readonly credentials = 'asterisk:asterisk',
  ) {}

  async rest(method: string, path: string, query: Record<string, unknown> = {}, body: unknown = null): Promise<RestResult> {
    const q = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
    const qs = q.toString();
    const res = await fetch(`${this.baseUrl}/ari${path}${qs ? `?${qs}` : ''}`, {
      method,
      headers: {
        Authorization: `Basic ${Buffer.from(this.credentials).toString('base64')}`,
        ...(body !== null ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body !== null ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  }

  /** Opens the events socket for `app`; resolves once it is open. */
  connect(app = 'acd'): Promise<void> {
    const ws = new WebSocket(`${this.baseUrl.replace(/^http/, 'ws')}/ari/events?app=${app}&api_key=${this.credentials}`);
    this.socket = ws;
    ws.on('message', (data) => {
      this.events.push(JSON.parse(String(data)) as AriEvent);
      for (const wake of this.waiters) wake();
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
  }

  /** Resolves when the socket is closed (by either side). */
  closed(): Promise<void> {
    const ws = this.socket;
    if (!ws || ws.readyState === ws.CLOSED) return Promise.resolve();
    return new Promise((resolve) => ws.once('close', () => resolve()));
  }

  close(): void {
    this.socket?.close();
  }

  /** Resolves with the first collected event (already arrived or future) matching `test`. */
  waitFor(test: (e: AriEvent) => boolean, timeoutMs = 5000, what = 'event'): Promise<AriEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.find(test);
        if (!found) return false;
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(found);
        return true;
      };
      const wake = () => void check();
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(new Error(`timed out waiting for ${what}; got ${this.events.map((e) => e.type).join(', ')}`));
      }, timeoutMs);
      this.waiters.add(wake);
      check();
    });
  }

  /** Resolves once `test` has held for the collected events, re-checked on each arrival. */
  until(test: (events: AriEvent[]) => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = () => {
        if (!test(this.events)) return;
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        resolve(false);
      }, timeoutMs);
      this.waiters.add(wake);
      wake();
    });
  }
}

export const channelIdOf = (e: AriEvent): string | undefined => (e.channel as { id?: string } | undefined)?.id;

/**
 * Call at module level: returns `setup(options)`, which starts a simulator (time scaled by 0.01
 * unless `options` say otherwise) with a client connected as app `acd`; both close after each test.
 */
export function simulatorPerTest(): (options?: SimulatorOptions) => Promise<{ sim: Simulator; ari: AriTestClient }> {
  let sim: Simulator | undefined;
  let client: AriTestClient | undefined;
  afterEach(async () => {
    client?.close();
    await sim?.close();
    sim = undefined;
    client = undefined;
  });
  return async (options = {}) => {
    sim = await startSimulator({ timeScale: 0.01, ...options });
    client = new AriTestClient(sim.url);
    await client.connect('acd');
    return { sim, ari: client };
  };
}
