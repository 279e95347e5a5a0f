/**
 * Per-server state of the stream routes: the per-credential cap, the open SSE streams (ended
 * with the server), the SSE options, and the long-poll runner they share.
 */
import type { ServerResponse } from 'node:http';
import type { SseOptions } from './deps.js';
import type { EventHub } from './eventHub.js';
import type { StreamCap } from './streamCap.js';
import { type EventPredicate, type OpenStreams, pollOnce, type PollResult } from './streams.js';

export interface StreamTransport {
  cap: StreamCap;
  open: OpenStreams;
  sse: SseOptions;
  poll(res: ServerResponse, credential: string, fromId: string, accept: EventPredicate, opts: { timeoutMs?: number; max?: number }): Promise<PollResult>;
}

export function createStreamTransport(hub: EventHub, cap: StreamCap, sse: SseOptions): StreamTransport {
  return {
    cap,
    open: new Set(),
    sse,
    async poll(res, credential, fromId, accept, { timeoutMs = 25_000, max = 500 }) {
      const release = cap.acquire(credential);
      // A client that goes away ends its poll at once (and frees its place under the cap).
      const abort = new AbortController();
      res.once('close', () => abort.abort());
      try {
        return await pollOnce(hub, fromId, accept, { timeoutMs, max, signal: abort.signal });
      } finally {
        release();
      }
    },
  };
}
