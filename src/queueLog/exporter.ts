/**
 * Exports the event stream to a queue_log file, one consumer, exactly once across restarts.
 *
 * Each batch is: append the lines, fsync, then replace the checkpoint (`<file>.checkpoint.json`:
 * last event id, file size after the batch, the per-call memory) atomically by rename. At start
 * the file is cut back to the checkpoint's size: a batch appended but not checkpointed (crash in
 * between) is dropped and written again, so no line is lost or doubled.
 */
import { open, readFile, rename, stat, truncate, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { AcdStore } from '../store/types.js';
import { formatQueueLogLine, queueLogLines, type CallMemories } from './format.js';

export interface QueueLogExporterOptions {
  store: Pick<AcdStore, 'readEvents'>;
  /** The queue_log file (appended to). */
  file: string;
  logger: Logger;
  /** How long one read waits for new events; bounds how long stop() takes. */
  blockMs?: number;
  batchSize?: number;
  /** Pause after a failed read (Redis down) before trying again. */
  retryMs?: number;
}

interface Checkpoint {
  lastId: string;
  size: number;
  calls: CallMemories;
}

export interface QueueLogExporter {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Id of the last event whose lines are in the file (tests). */
  readonly position: string;
}

export function createQueueLogExporter(opts: QueueLogExporterOptions): QueueLogExporter {
  const { store, file, blockMs = 1_000, batchSize = 500, retryMs = 1_000 } = opts;
  const log = opts.logger.child({ component: 'queue-log', file });
  const checkpointFile = `${file}.checkpoint.json`;
  let checkpoint: Checkpoint = { lastId: '0-0', size: 0, calls: {} };
  let running = false;
  let loop: Promise<void> = Promise.resolve();

  async function restore(): Promise<void> {
    try {
      checkpoint = JSON.parse(await readFile(checkpointFile, 'utf8')) as Checkpoint;
    } catch {
      log.info('no checkpoint: exporting the event stream from its start');
    }
    const size = await stat(file).then((s) => s.size, () => 0);
    if (size > checkpoint.size) {
      log.warn({ dropped: size - checkpoint.size }, 'dropping lines written after the last checkpoint; they are written again');
      await truncate(file, checkpoint.size);
    } else if (size < checkpoint.size) {
      // Rotated or emptied by the operator: go on appending to what is there.
      checkpoint.size = size;
    }
  }

  async function exportBatch(): Promise<void> {
    const events = await store.readEvents(checkpoint.lastId, { count: batchSize, blockMs });
    if (events.length === 0) return;
    const calls = { ...checkpoint.calls };
    const text = events.flatMap((e) => queueLogLines(e.event, calls).map((l) => `${formatQueueLogLine(l)}\n`)).join('');
    const handle = await open(file, 'a');
    try {
      if (text) await handle.write(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const next: Checkpoint = { lastId: events.at(-1)!.id, size: checkpoint.size + Buffer.byteLength(text), calls };
    await writeFile(`${checkpointFile}.tmp`, JSON.stringify(next));
    await rename(`${checkpointFile}.tmp`, checkpointFile);
    checkpoint = next;
  }

  async function run(): Promise<void> {
    while (running) {
      try {
        await exportBatch();
      } catch (err) {
        log.debug({ err: err instanceof Error ? err.message : String(err) }, 'queue_log export paused; retrying');
        await new Promise((r) => setTimeout(r, retryMs));
      }
    }
  }

  return {
    async start() {
      if (running) return;
      await restore();
      running = true;
      loop = run();
      log.info({ from: checkpoint.lastId }, 'queue_log export running');
    },
    async stop() {
      running = false;
      await loop;
    },
    get position() {
      return checkpoint.lastId;
    },
  };
}
