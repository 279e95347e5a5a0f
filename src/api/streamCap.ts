/** Caps open event streams (SSE, WebSocket, long-poll) per credential, in this process. */
import { AcdError } from '../domain/errors.js';

export interface StreamCap {
  /** Counts one more stream for `credential`; returns its release (idempotent). AcdError too_many_requests at the cap. */
  acquire(credential: string): () => void;
  /** Open streams now, all credentials (metrics). */
  total(): number;
}

export function createStreamCap(max: number): StreamCap {
  const open = new Map<string, number>();
  let total = 0;
  return {
    acquire(credential) {
      const n = open.get(credential) ?? 0;
      if (n >= max) throw new AcdError('too_many_requests', `at most ${max} open event streams per credential`);
      open.set(credential, n + 1);
      total += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total -= 1;
        const left = (open.get(credential) ?? 1) - 1;
        if (left > 0) open.set(credential, left);
        else open.delete(credential);
      };
    },
    total: () => total,
  };
}
