/**
 * queue_log lines appended to a file. A batch is: append, fsync, then replace
 * `<file>.checkpoint.json` (checkpoint + file size) by rename. `restore` cuts the file back to the
 * checkpointed size, so a batch appended but not checkpointed (crash in between) is written again,
 * not doubled.
 */
import { open, readFile, rename, stat, truncate, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { START, type Checkpoint, type QueueLogSink } from './exporter.js';
import { formatQueueLogLine } from './format.js';

export function createFileSink(file: string, logger: Logger): QueueLogSink {
  const checkpointFile = `${file}.checkpoint.json`;
  let size = 0;
  return {
    name: `file:${file}`,
    async restore() {
      let saved: Checkpoint & { size: number } = { ...START, size: 0 };
      try {
        saved = JSON.parse(await readFile(checkpointFile, 'utf8')) as Checkpoint & { size: number };
      } catch {
        logger.info({ file }, 'no queue_log checkpoint: exporting the event stream from its start');
      }
      const current = await stat(file).then((s) => s.size, () => 0);
      if (current > saved.size) {
        logger.warn({ file, dropped: current - saved.size }, 'dropping queue_log lines written after the last checkpoint; they are written again');
        await truncate(file, saved.size);
      }
      // Smaller: rotated or emptied by the operator; go on appending to what is there.
      size = Math.min(current, saved.size);
      return { lastId: saved.lastId, calls: saved.calls };
    },
    async commit(lines, next) {
      const text = lines.map((l) => `${formatQueueLogLine(l)}\n`).join('');
      const handle = await open(file, 'a');
      try {
        if (text) await handle.write(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      const after = size + Buffer.byteLength(text);
      await writeFile(`${checkpointFile}.tmp`, JSON.stringify({ ...next, size: after }));
      await rename(`${checkpointFile}.tmp`, checkpointFile);
      size = after;
    },
    async close() {},
  };
}
