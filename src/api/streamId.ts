/**
 * Redis Stream entry ids (`<ms>-<seq>`) in order. Compared as numbers, never as strings:
 * '10-0' comes after '9-0'. A bare '<ms>' (what clients may send) means '<ms>-0'.
 */
const STREAM_ID = /^(\d+)(?:-(\d+))?$/;

export function isStreamId(id: string): boolean {
  return STREAM_ID.test(id);
}

function parse(id: string): [bigint, bigint] {
  const m = STREAM_ID.exec(id);
  if (!m) throw new TypeError(`not a stream id: '${id}'`);
  return [BigInt(m[1]!), BigInt(m[2] ?? '0')];
}

/** Negative when a is before b, 0 when equal, positive when after. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = parse(a);
  const [bMs, bSeq] = parse(b);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return 0;
}

/** Pattern for request schemas (Last-Event-ID header, lastEventId query). */
export const STREAM_ID_PATTERN = STREAM_ID.source;
