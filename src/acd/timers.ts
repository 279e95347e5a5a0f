/**
 * Engine timers as BullMQ delayed jobs: they survive an engine restart and fire on whichever
 * instance is alive. Job ids are deterministic (kind + subject + version), so scheduling twice
 * is a no-op, and each handler acts through a version-fenced store script, so a late, repeated
 * or stale timer does nothing. That fencing makes retries safe: a failing handler (Redis or the
 * PBX briefly away) is tried again with exponential back-off, and the start-up sweep
 * (src/acd/timerSweep.ts) re-runs jobs that used up their attempts.
 */
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../infra/clock.js';

export type TimerJob = { kind: 'wrapup'; agentId: string; version: number } | { kind: 'retry'; agentId: string } | CallerTimerJob | RoutingTimerJob | ControlTimerJob;

/**
 * Call-control timers (src/acd/control): `park` returns a parked call (`id` = its control call,
 * fenced by the park's startedAt); `answer` is a manual-answer agent's ring timeout (`id` = the
 * call, fenced by the offer's agent channel).
 */
export interface ControlTimerJob {
  kind: 'control';
  what: 'park' | 'answer';
  id: string;
  fence: string;
}

/**
 * Routing timers (src/acd/router.ts): `route` tries a queue again when a waiting caller's rules
 * relax (penalty rule, skill step); `ringNext` adds one more ringing agent (ring-progressively),
 * fenced by the call's offer round.
 */
export type RoutingTimerJob = { kind: 'route'; queue: string } | { kind: 'ringNext'; callId: string; round: number; stepS: number };

/**
 * Caller-experience timers (src/acd/waitTimers.ts): fenced by the caller's joinSeq (one stay in
 * one queue); `seq` numbers the repeats of a chain (announcements, leave-empty checks, callback tries).
 */
export interface CallerTimerJob {
  kind: 'caller';
  what: 'timeout' | 'leaveEmpty' | 'announce' | 'periodic' | 'callback';
  callId: string;
  joinSeq: number;
  seq: number;
}

export type TimerHandler = (job: TimerJob) => Promise<void>;

/** How a failing timer handler is retried: `attempts` runs in all, the n-th retry after `delayMs`·2^(n-1). */
export interface TimerRetry {
  attempts: number;
  delayMs: number;
}

export const DEFAULT_TIMER_RETRY: TimerRetry = { attempts: 8, delayMs: 500 };

export interface Timers {
  scheduleWrapup(agentId: string, version: number, delayMs: number): Promise<void>;
  /** Re-offer calls to an agent after a back-off (busy / rejected offer). */
  scheduleRetry(agentId: string, delayMs: number): Promise<void>;
  /** A caller-experience timer; scheduling the same (what, call, joinSeq, seq) twice is a no-op. */
  scheduleCaller(job: Omit<CallerTimerJob, 'kind'>, delayMs: number): Promise<void>;
  /** Route `queue` again at `atMs` (ms epoch); one job per queue and moment. */
  scheduleRoute(queue: string, atMs: number): Promise<void>;
  /** ring-progressively: the next step of a call's offer round. */
  scheduleRingNext(callId: string, round: number, stepS: number): Promise<void>;
  /** A call-control timer on this instance's queue (it acts on this instance's channels). */
  scheduleControl(job: Omit<ControlTimerJob, 'kind'>, delayMs: number): Promise<void>;
  /**
   * Whether the wrap-up timer of (agent, version) is still to run (delayed, waiting, running);
   * one that used up its attempts is queued again (true). False when there is none.
   */
  ensureWrapup(agentId: string, version: number): Promise<boolean>;
  /** Queues every job that used up its attempts again (start-up sweep); returns how many. */
  retryFailed(): Promise<number>;
  close(): Promise<void>;
}

const QUEUE_NAME = 'timers';
/**
 * Jobs that act on one engine's PBX channels (caller experience) go to that engine's own queue:
 * each instance may have its own Asterisk, and another instance's requests would not find the
 * channel. Instances keep their NODE_ID across restarts (reconcile relies on it too).
 */
const nodeQueueName = (nodeId: string) => `timers-node-${nodeId.replace(/:/g, '_')}`;

/** BullMQ forbids ':' in custom ids; agent ids are config ids ([A-Za-z0-9_.-]). */
const jobId = (...parts: (string | number)[]) => parts.join('__');

export function createTimers(opts: {
  connection: ConnectionOptions;
  /** Key prefix holding the tenant hash tag, e.g. `acd:{default}`, so BullMQ's keys share the tenant's slot. */
  prefix: string;
  handler: TimerHandler;
  logger: Logger;
  /** This instance: caller-experience jobs run on the instance that scheduled them. */
  nodeId?: string;
  retry?: TimerRetry;
  /** The store's clock: `route` times come from the scripts, so delays are measured on the same clock. */
  clock?: Clock;
}): Timers {
  const { connection, prefix, handler, logger } = opts;
  const clock = opts.clock ?? systemClock;
  const queue = new Queue<TimerJob>(QUEUE_NAME, { connection, prefix });
  const worker = new Worker<TimerJob>(
    QUEUE_NAME,
    async (job: Job<TimerJob>) => {
      await handler(job.data);
    },
    { connection, prefix, concurrency: 16 },
  );
  worker.on('failed', (job, err) => logger.error({ err, job: job?.data }, 'timer job failed'));
  worker.on('error', (err) => logger.error({ err }, 'timer worker error'));

  const nodeName = opts.nodeId === undefined ? undefined : nodeQueueName(opts.nodeId);
  const nodeQueue = nodeName === undefined ? queue : new Queue<TimerJob>(nodeName, { connection, prefix });
  const nodeWorker = nodeName === undefined ? undefined : new Worker<TimerJob>(nodeName, async (job: Job<TimerJob>) => handler(job.data), { connection, prefix, concurrency: 16 });
  nodeWorker?.on('failed', (job, err) => logger.error({ err, job: job?.data }, 'timer job failed'));
  nodeWorker?.on('error', (err) => logger.error({ err }, 'timer worker error'));
  // Without a listener BullMQ prints queue errors (Redis unreachable) raw to stderr; the outage itself is logged by src/infra/health.ts.
  for (const q of new Set([queue, nodeQueue])) q.on('error', (err) => logger.debug({ err: err.message }, 'timer queue error'));

  const retry = opts.retry ?? DEFAULT_TIMER_RETRY;
  const add = async (data: TimerJob, id: string, delayMs: number, on = queue) => {
    await on.add(data.kind, data, {
      jobId: id,
      delay: Math.max(0, delayMs),
      attempts: retry.attempts,
      backoff: { type: 'exponential', delay: retry.delayMs },
      removeOnComplete: true,
      removeOnFail: 1000,
    });
  };
  const queues = nodeQueue === queue ? [queue] : [queue, nodeQueue];

  return {
    scheduleWrapup: (agentId, version, delayMs) => add({ kind: 'wrapup', agentId, version }, jobId('wrapup', agentId, version), delayMs),
    // One pending retry per agent and moment: a second busy within the same ms shares the job.
    scheduleRetry: (agentId, delayMs) => add({ kind: 'retry', agentId }, jobId('retry', agentId, clock.now() + delayMs), delayMs),
    scheduleCaller: (job, delayMs) =>
      add({ kind: 'caller', ...job }, jobId('caller', job.what, job.callId.replace(/:/g, '_'), job.joinSeq, job.seq), delayMs, nodeQueue),
    scheduleRoute: (queue, atMs) => add({ kind: 'route', queue }, jobId('route', queue, atMs), atMs - clock.now()),
    scheduleControl: (job, delayMs) => add({ kind: 'control', ...job }, jobId('control', job.what, job.id.replace(/:/g, '_'), job.fence.replace(/:/g, '_')), delayMs, nodeQueue),
    scheduleRingNext: (callId, round, stepS) => add({ kind: 'ringNext', callId, round, stepS }, jobId('ringNext', callId.replace(/:/g, '_'), round), stepS * 1000),
    async ensureWrapup(agentId, version) {
      const job = await queue.getJob(jobId('wrapup', agentId, version));
      const state = job ? await job.getState() : 'unknown';
      if (state === 'failed') await job!.retry('failed');
      return state === 'failed' || state === 'delayed' || state === 'waiting' || state === 'active' || state === 'prioritized';
    },
    async retryFailed() {
      let retried = 0;
      for (const q of queues) {
        for (const job of await q.getFailed()) {
          await job.retry('failed');
          retried += 1;
        }
      }
      if (retried > 0) logger.warn({ retried }, 'timer jobs that had failed are run again');
      return retried;
    },
    async close() {
      await worker.close();
      await nodeWorker?.close();
      await queue.close();
      if (nodeQueue !== queue) await nodeQueue.close();
    },
  };
}
