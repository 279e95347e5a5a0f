/**
 * One engine per node id: a lease in Redis (`acd:{t}:lease:<nodeId>`), taken with SET NX, renewed
 * by compare-and-set on our token, released the same way. A second engine for the same node (same
 * ARI app) stands by polling the lease instead of taking the app over; it takes over once the
 * holder is gone and its lease expired. The holder gives up (onLost) when a renewal is still
 * unanswered half a lease after the last answered one was sent, a third of a lease before anyone
 * else can take it: no two engines act at once as long as the clocks of the two hosts run at the
 * same rate. A holder held up that long with every renewal answered (a starved CPU delayed its
 * timer, not Redis its answer) asks once more and keeps the lease if that renewal succeeds: the
 * key then never expired (only the holder writes its token), so nobody else can have held it.
 * Every acquisition bumps a fencing epoch (`…:epoch`), logged, so a log tells which tenure did what.
 * The token names host and pid: an engine restarted on the same host after a kill -9 sees that
 * the holder's process is gone and takes over at once instead of waiting for the lease to expire.
 * The lease has a Redis connection of its own: on the engine's, a renewal would wait behind every
 * command queued before it, and a backlog (an overloaded PBX, a burst of calls) could cost the lease.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface LeaseOptions {
  /** The engine's connection; the lease opens its own from it (closed on release). */
  redis: Redis;
  /** The tenant's key prefix (`acd:{t}:`). */
  prefix: string;
  nodeId: string;
  logger: Logger;
  /** Lease time; renewed every third of it. Default 10 s: a dead engine's node is taken over within that. */
  ttlMs?: number;
  /** Called once when the lease is lost while held (Redis unreachable too long, or taken). */
  onLost: () => void;
}

export interface Lease {
  /** Resolves once this engine holds the lease (at once when free); stands by until then. */
  acquire(): Promise<number>;
  /** Stops renewing and frees the lease if still ours. */
  release(): Promise<void>;
}

// KEYS[1] lease; ARGV[1] token, ARGV[2] ttl ms. 1 when renewed.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
// KEYS[1] lease; ARGV[1] the dead holder's token, ARGV[2] ours, ARGV[3] ttl ms. 'OK' when taken over.
const TAKE_OVER = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export function createLease(opts: LeaseOptions): Lease {
  const ttlMs = opts.ttlMs ?? 10_000;
  const key = `${opts.prefix}lease:${opts.nodeId}`;
  const host = hostname();
  const token = `${host}|${process.pid}|${randomUUID()}`;
  const log = opts.logger.child({ component: 'lease', nodeId: opts.nodeId });
  const redis = opts.redis.duplicate();
  // Redis being down is reported by the engine's connection (health, /readyz); without a listener
  // ioredis would print each reconnection error of this one to stderr.
  redis.on('error', (err: unknown) => log.debug({ err }, 'lease connection error'));
  /** The holder's token when it is a process of this host that no longer exists. */
  const deadLocalHolder = async (): Promise<string | undefined> => {
    const holder = await redis.get(key);
    const [holderHost, pid] = holder?.split('|') ?? [];
    if (!holder || holderHost !== host || !pid || Number(pid) === process.pid) return undefined;
    try {
      process.kill(Number(pid), 0);
      return undefined;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH' ? holder : undefined;
    }
  };
  let renewTimer: NodeJS.Timeout | undefined;
  let waitTimer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let stopped = false;
  let held = false;

  const lost = (reason: string) => {
    if (!held) return;
    held = false;
    clearInterval(renewTimer);
    log.error({ reason }, 'lease lost: this engine stops acting for the node');
    opts.onLost();
  };

  /** `since`: when the request that took or last renewed the lease was sent (Redis set its expiry after that). */
  const startRenewing = (since: number) => {
    // Counted from the send, not the answer: an answer read late (a busy event loop) would
    // otherwise put our deadline past the key's real expiry.
    let deadline = since + ttlMs;
    /** Renewals sent and not answered yet. */
    let unanswered = 0;
    renewTimer = setInterval(() => {
      // Half the lease gone since the last answered renewal: ticks come every third of it, so
      // giving up now leaves a third before the key can expire (and another engine take it).
      // With a renewal still unanswered Redis is slow or out of reach: give up. With none, the
      // lateness is ours (a starved CPU delayed this timer): one more renewal decides.
      const late = Date.now() >= deadline - ttlMs / 2;
      if (late && unanswered > 0) return lost('not renewed in time');
      unanswered++;
      const sentAt = Date.now();
      redis
        .eval(RENEW, 1, key, token, String(ttlMs))
        .then((ok) => {
          unanswered--;
          if (ok !== 1) return lost('expired or taken by another engine');
          // Renewed: the key never expired (only this engine writes its token), so nobody else held it meanwhile.
          if (late) log.warn({ sinceRenewalMs: sentAt - (deadline - ttlMs) }, 'lease renewed late (the engine was held up); it had not expired, so it is still ours');
          deadline = sentAt + ttlMs;
        })
        .catch((err: unknown) => {
          unanswered--;
          if (late) lost('not renewed in time');
          else log.warn({ err }, 'lease renewal failed; retrying');
        });
    }, Math.max(50, Math.floor(ttlMs / 3)));
    renewTimer.unref();
  };

  return {
    async acquire() {
      let announced = false;
      for (;;) {
        if (stopped) throw new Error('lease released before it was acquired');
        const askedAt = Date.now();
        let ok: string | null = await redis.set(key, token, 'PX', ttlMs, 'NX');
        const dead = ok === 'OK' ? undefined : await deadLocalHolder();
        if (dead) {
          ok = (await redis.eval(TAKE_OVER, 1, key, dead, token, String(ttlMs))) as string | null;
          if (ok === 'OK') log.info({ holder: dead }, 'the previous engine of this node died on this host: taking over');
        }
        if (ok === 'OK') {
          held = true;
          const epoch = await redis.incr(`${key}:epoch`);
          log.info({ epoch, ttlMs }, 'lease acquired: this engine serves the node');
          startRenewing(askedAt);
          return epoch;
        }
        if (!announced) log.warn({ ttlMs }, 'another engine holds this node id: standing by');
        announced = true;
        await new Promise<void>((res) => {
          wake = res;
          waitTimer = setTimeout(res, Math.max(50, Math.floor(ttlMs / 3)));
        });
      }
    },
    async release() {
      stopped = true;
      clearTimeout(waitTimer);
      wake?.();
      clearInterval(renewTimer);
      if (held) {
        held = false;
        await redis.eval(RELEASE, 1, key, token).catch((err: unknown) => log.warn({ err }, 'lease not released; it expires by itself'));
      }
      redis.disconnect();
    },
  };
}
