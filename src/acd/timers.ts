/**
 * Engine timers as BullMQ delayed jobs: they survive an engine restart and fire on whichever
 * instance is alive. Job ids are deterministic (kind + subject + version), so scheduling twice
 * is a no-op, and each handler acts through a version-fenced store script, so a late, repeated
 * or stale timer does nothing.
 */
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';

export type TimerJob = { kind: 'wrapup'; agentId: string; version: number } | { kind: 'retry'; agentId: string };

export type TimerHandler = (job: TimerJob) => Promise<void>;

export interface Timers {
  scheduleWrapup(agentId: string, version: number, delayMs: number): Promise<void>;
  /** Re-offer calls to an agent after a back-off (busy / rejected offer). */
  scheduleRetry(agentId: string, delayMs: number): Promise<void>;
  close(): Promise<void>;
}

const QUEUE_NAME = 'timers';

/** BullMQ forbids ':' in custom ids; agent ids are config ids ([A-Za-z0-9_.-]). */
const jobId = (...parts: (string | number)[]) => parts.join('__');

export function createTimers(opts: {
  connection: ConnectionOptions;
  /** Key prefix holding the tenant hash tag, e.g. `acd:{default}`, so BullMQ's keys share the tenant's slot. */
  prefix: string;
  handler: TimerHandler;
  logger: Logger;
}): Timers {
  const { connection, prefix, handler, logger } = opts;
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

  const add = async (data: TimerJob, id: string, delayMs: number) => {
    await queue.add(data.kind, data, { jobId: id, delay: Math.max(0, delayMs), removeOnComplete: true, removeOnFail: 1000 });
  };

  return {
    scheduleWrapup: (agentId, version, delayMs) => add({ kind: 'wrapup', agentId, version }, jobId('wrapup', agentId, version), delayMs),
    // One pending retry per agent and moment: a second busy within the same ms shares the job.
    scheduleRetry: (agentId, delayMs) => add({ kind: 'retry', agentId }, jobId('retry', agentId, Date.now() + delayMs), delayMs),
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
