/**
 * Exports the event stream as queue_log lines to a sink (a file, a SQL table), one consumer per
 * sink, exactly once across restarts: each batch of lines is committed by the sink together with
 * its checkpoint (last event id, per-call memory), and a restart goes on from the checkpoint.
 */
import type { Logger } from 'pino';
import type { AcdEvent } from '../domain/events.js';
import type { AcdStore } from '../store/types.js';
import { queueLogLines, type CallMemories, type QueueLogLine } from './format.js';

export interface Checkpoint {
  lastId: string;
  calls: CallMemories;
}

export const START: Checkpoint = { lastId: '0-0', calls: {} };

/** Where lines go; `commit` stores the lines and the checkpoint atomically (all or nothing). */
export interface QueueLogSink {
  readonly name: string;
  /** The last committed checkpoint ({@link START} when none); drops anything written after it. */
  restore(): Promise<Checkpoint>;
  commit(lines: QueueLogLine[], next: Checkpoint): Promise<void>;
  close(): Promise<void>;
}

export interface QueueLogExporterOptions {
  store: Pick<AcdStore, 'readEvents' | 'getQueue'>;
  sink: QueueLogSink;
  logger: Logger;
  /** How long one read waits for new events; bounds how long stop() takes. */
  blockMs?: number;
  batchSize?: number;
  /** Pause after a failed read or write (Redis or the database down) before trying again. */
  retryMs?: number;
}

export interface QueueLogExporter {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Id of the last event whose lines are committed (tests). */
  readonly position: string;
}

export function createQueueLogExporter(opts: QueueLogExporterOptions): QueueLogExporter {
  const { store, sink, blockMs = 1_000, batchSize = 500, retryMs = 1_000 } = opts;
  const log = opts.logger.child({ component: 'queue-log', sink: sink.name });
  let checkpoint: Checkpoint = START;
  let running = false;
  let loop: Promise<void> = Promise.resolve();

  async function exportBatch(): Promise<void> {
    const events = await store.readEvents(checkpoint.lastId, { count: batchSize, blockMs });
    if (events.length === 0) return;
    const calls = { ...checkpoint.calls };
    const exitKeys = await exitKeysOf(events.map((e) => e.event));
    const lines = events.flatMap((e) => queueLogLines(e.event, calls, exitKeys));
    const next: Checkpoint = { lastId: events.at(-1)!.id, calls };
    await sink.commit(lines, next);
    checkpoint = next;
  }

  /** The exit key of each queue an EXITWITHKEY exit of this batch names (written in the line as the key pressed). */
  async function exitKeysOf(events: AcdEvent[]): Promise<Record<string, string>> {
    const queues = new Set(events.flatMap((e) => (e.type === 'QueueCallerLeave' && e.reason === 'EXITWITHKEY' ? [e.queue] : [])));
    const keys: Record<string, string> = {};
    for (const id of queues) keys[id] = (await store.getQueue(id))?.exitKey ?? '';
    return keys;
  }

  async function run(): Promise<void> {
    while (running) {
      try {
        await exportBatch();
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'queue_log export paused; retrying');
        await new Promise((r) => setTimeout(r, retryMs));
      }
    }
  }

  return {
    async start() {
      if (running) return;
      checkpoint = await sink.restore();
      running = true;
      loop = run();
      log.info({ from: checkpoint.lastId }, 'queue_log export running');
    },
    async stop() {
      running = false;
      await loop;
      await sink.close();
    },
    get position() {
      return checkpoint.lastId;
    },
  };
}
