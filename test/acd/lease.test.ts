/** The node lease (src/acd/lease.ts) on the run's real Redis. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { createLease, type Lease } from '../../src/acd/lease.js';
import { freeLoopbackPort, launchRedisServer } from '../../src/infra/redisServer.js';
import { waitFor } from '../helpers/acdHarness.js';
import { connectTestRedis, freshPrefix } from '../helpers/redis.js';

const redis = connectTestRedis();
const logger = pino({ level: 'silent' });
const leases: Lease[] = [];
afterEach(async () => {
  for (const l of leases.splice(0)) await l.release();
});

function lease(prefix: string, onLost: () => void = () => undefined, ttlMs = 600): Lease {
  const l = createLease({ redis, prefix, nodeId: 'n1', logger, ttlMs, onLost });
  leases.push(l);
  return l;
}

it('a second engine for the node stands by while the first renews, and takes over once it is released', async () => {
  const prefix = `acd:{${freshPrefix()}}:`;
  const first = lease(prefix);
  expect(await first.acquire()).toBe(1);
  let secondHeld = false;
  const second = lease(prefix);
  const acquired = second.acquire().then((epoch) => {
    secondHeld = true;
    return epoch;
  });
  // Three lease times later the first still holds it: renewals keep it.
  const until = Date.now() + 1_800;
  await waitFor(() => Date.now() > until, 'three lease times', 3_000);
  expect(secondHeld).toBe(false);
  await first.release();
  expect(await acquired).toBe(2); // a new tenure, a new fencing epoch
});

it('the holder is told when the lease is taken from it', async () => {
  const prefix = `acd:{${freshPrefix()}}:`;
  let lost = false;
  const holder = lease(prefix, () => (lost = true));
  await holder.acquire();
  await redis.set(`${prefix}lease:n1`, 'someone else');
  await waitFor(() => lost, 'lease lost', 3_000);
});

it('an engine restarted on the same host takes over at once from a holder whose process is gone', async () => {
  const prefix = `acd:{${freshPrefix()}}:`;
  const { hostname } = await import('node:os');
  // A pid that cannot exist (above Linux's pid_max).
  await redis.set(`${prefix}lease:n1`, `${hostname()}|99999999|dead`, 'PX', 60_000);
  const started = Date.now();
  await lease(prefix, () => undefined, 60_000).acquire();
  expect(Date.now() - started).toBeLessThan(30_000);
  expect((await redis.get(`${prefix}lease:n1`))?.split('|')[1]).toBe(String(process.pid));
});

it('the holder keeps the lease while the engine connection it was given is held up', async () => {
  const prefix = `acd:{${freshPrefix()}}:`;
  const engineConnection = redis.duplicate();
  let lost = false;
  const holder = createLease({ redis: engineConnection, prefix, nodeId: 'n1', logger, ttlMs: 600, onLost: () => (lost = true) });
  leases.push(holder);
  await holder.acquire();
  // A blocking pop holds every later command of that connection back, as a backlog would.
  const blocked = engineConnection.blpop(`${prefix}never`, 0);
  const until = Date.now() + 1_800;
  await waitFor(() => lost || Date.now() > until, 'three lease times', 3_000);
  expect(lost).toBe(false);
  await redis.lpush(`${prefix}never`, 'go');
  await blocked;
  engineConnection.disconnect();
});

/** Holds this process's event loop, as a starved CPU does: no timer, no reply is handled meanwhile. */
function holdEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: the point is that nothing else runs
  }
}

/** Waits until the lease was renewed a moment ago (its key's time to live is nearly the full lease time). */
async function justRenewed(key: string, ttlMs: number): Promise<void> {
  await waitFor(async () => (await redis.pttl(key)) > ttlMs - 50, 'a renewal', 5 * ttlMs);
}

it('the holder keeps the lease when its event loop was held up past its deadline but the key had not expired yet', async () => {
  const prefix = `acd:{${freshPrefix()}}:`;
  const ttlMs = 3_000;
  let lost = false;
  await lease(prefix, () => (lost = true), ttlMs).acquire();
  await justRenewed(`${prefix}lease:n1`, ttlMs);
  // Past the point where the holder gives up unasked (5/6 of the lease), short of the key's expiry.
  holdEventLoop(ttlMs * 0.88);
  await justRenewed(`${prefix}lease:n1`, ttlMs);
  expect(lost).toBe(false);
  expect((await redis.get(`${prefix}lease:n1`))?.split('|')[1]).toBe(String(process.pid));
});

it('the holder gives up when its event loop was held up past the key\'s expiry', async () => {
  const prefix = `acd:{${freshPrefix()}}:`;
  let lost = false;
  await lease(prefix, () => (lost = true)).acquire();
  holdEventLoop(900);
  await waitFor(() => lost, 'lease lost', 3_000);
});

it('the holder gives up when Redis stops answering its renewals', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lease-'));
  const server = await launchRedisServer({ port: await freeLoopbackPort(), dir, persistence: 'none' });
  const own = new Redis(server.url, { maxRetriesPerRequest: null });
  let lost = false;
  const holder = createLease({ redis: own, prefix: 'acd:{lease}:', nodeId: 'n1', logger, ttlMs: 600, onLost: () => (lost = true) });
  try {
    await holder.acquire();
    // Stopped, not gone: the connection stays up and every renewal waits for an answer that never comes.
    process.kill(server.pid, 'SIGSTOP');
    await waitFor(() => lost, 'lease lost', 3_000);
  } finally {
    process.kill(server.pid, 'SIGCONT');
    await holder.release();
    own.disconnect();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('the holder gives up before its key can expire when the answers to its renewals are read late', async () => {
  const prefix = `acd:{${freshPrefix()}}:`;
  const ttlMs = 600;
  // The lease's own connection: each answer is read 240 ms after Redis gave it (a busy event
  // loop), and once `reachable` is off no renewal reaches Redis any more.
  const own = redis.duplicate();
  let reachable = true;
  let lastSentAt = 0;
  const send = own.eval.bind(own) as (...args: unknown[]) => Promise<unknown>;
  (own as unknown as { eval: (...args: unknown[]) => Promise<unknown> }).eval = (...args) => {
    if (!reachable) return new Promise(() => undefined);
    lastSentAt = Date.now();
    return send(...args).then((answer) => new Promise((resolve) => setTimeout(() => resolve(answer), ttlMs * 0.4)));
  };
  let lostAt = 0;
  const holder = createLease({ redis: { duplicate: () => own } as unknown as Redis, prefix, nodeId: 'n1', logger, ttlMs, onLost: () => (lostAt = Date.now()) });
  leases.push(holder);
  await holder.acquire();
  await waitFor(() => lastSentAt > 0, 'a renewal sent');
  reachable = false;
  await waitFor(() => lostAt > 0, 'lease lost', 5_000);
  // Redis counts the key's time from when it ran the renewal, after it was sent.
  expect(lostAt).toBeLessThan(lastSentAt + ttlMs);
});
