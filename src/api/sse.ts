/** Server-Sent Events wire format and the per-client filters (pure). */
import type { AcdEvent, StoredEvent } from '../domain/events.js';

export interface EventFilter {
  /** Only events about this queue (events without a queue, such as AgentStatus, are left out). */
  queue?: string;
  /** Only events about this agent. */
  agent?: string;
}

export function matchesFilter(event: AcdEvent, filter: EventFilter): boolean {
  if (filter.queue !== undefined && !('queue' in event && event.queue === filter.queue)) return false;
  if (filter.agent !== undefined && !('agentId' in event && event.agentId === filter.agent)) return false;
  return true;
}

/**
 * JSON never contains a raw newline, so `data:` is always one line. The hub hands the same
 * StoredEvent to every subscriber: it is formatted once, not once per client (2,000 clients).
 */
const formatted = new WeakMap<StoredEvent, string>();
export function formatSseEvent(stored: StoredEvent): string {
  let text = formatted.get(stored);
  if (text === undefined) {
    text = `id: ${stored.id}\nevent: ${stored.event.type}\ndata: ${JSON.stringify(stored.event)}\n\n`;
    formatted.set(stored, text);
  }
  return text;
}

export const formatSseRetry = (ms: number): string => `retry: ${ms}\n\n`;
export const SSE_HEARTBEAT = ': heartbeat\n\n';
