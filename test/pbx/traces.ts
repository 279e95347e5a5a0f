/** Reads the recorded Asterisk 22 traces (test/fixtures/ari-traces) for PBX tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TRACE_DIR = fileURLToPath(new URL('../fixtures/ari-traces/', import.meta.url));

interface TraceLine {
  dir: 'rest' | 'event' | 'note';
  event?: Record<string, unknown> & { type: string };
  method?: string;
  path?: string;
  status?: number;
  response?: unknown;
}

function readTrace(file: string): TraceLine[] {
  return readFileSync(TRACE_DIR + file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TraceLine);
}

const allLines = (): TraceLine[] =>
  readdirSync(TRACE_DIR)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap(readTrace);

export type TraceEvent = NonNullable<TraceLine['event']>;

export const traceEvents = (): TraceEvent[] => allLines().flatMap((l) => (l.dir === 'event' && l.event ? [l.event] : []));

/** First recorded event of a type, optionally matching a predicate. */
export function firstEvent(type: string, where: (e: TraceEvent) => boolean = () => true): TraceEvent {
  const found = traceEvents().find((e) => e.type === type && where(e));
  if (!found) throw new Error(`no ${type} event in the traces`);
  return found;
}

/** REST exchanges with an error status, as recorded. */
export const traceRestErrors = (): Array<{ method: string; path: string; status: number; body: string }> =>
  allLines().flatMap((l) =>
    l.dir === 'rest' && l.status !== undefined && l.status >= 400
      ? [{ method: l.method ?? '', path: l.path ?? '', status: l.status, body: JSON.stringify(l.response) }]
      : [],
  );

export const traceRestResponse = (method: string, pathPattern: RegExp): unknown => {
  const line = allLines().find((l) => l.dir === 'rest' && l.method === method && pathPattern.test(l.path ?? '') && (l.status ?? 0) < 300);
  if (!line) throw new Error(`no ${method} ${pathPattern} in the traces`);
  return line.response;
};
