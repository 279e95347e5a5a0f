/**
 * One PBXIS client's feed over the engine's event stream: the current state first, then the
 * changes, translated in stream order. The position is taken before the state is read, so a
 * change made meanwhile is sent again rather than lost (statuses and counts are idempotent).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { StreamScope } from '../../auth/principal.js';
import type { AcdEvent, AcdEventType } from '../../domain/events.js';
import type { EventHub } from '../../api/eventHub.js';
import type { EventPredicate } from '../../api/streams.js';
import { pollOnce } from '../../api/streams.js';
import type { AdminOps } from '../../store/adminOps.js';
import type { AcdStore } from '../../store/types.js';
import { callersInQueue } from '../../stats/figures.js';
import { loadDirectory } from './directory.js';
import { createTranslator, type PbxisEvent, type PbxisTranslator } from './events.js';

export interface FeedDeps {
  hub: EventHub;
  store: AcdStore;
  admin: AdminOps;
  log: FastifyBaseLogger;
}

/** Engine events that can become PBXIS events (a long-poll waits for one of these). */
const TRANSLATED: ReadonlySet<AcdEventType> = new Set<AcdEventType>([
  'QueueCallerJoin',
  'QueueCallerLeave',
  'QueueCallerAbandon',
  'AgentStatus',
  'AgentDeviceState',
  'AgentLostTalk',
  'QueueMemberAdded',
  'QueueMemberRemoved',
  'QueueMemberPause',
  'AgentConnect',
  'AgentComplete',
  'CallControl',
]);

export const translatable = (visible: EventPredicate): EventPredicate => (event: AcdEvent) => TRANSLATED.has(event.type) && visible(event);

async function translatorFor(deps: FeedDeps, scope: StreamScope): Promise<PbxisTranslator> {
  const dir = await loadDirectory(deps.store, deps.admin);
  return createTranslator(dir, scope, {
    // One script run that reads the calls' states in Redis (the figures' read), not every call hash.
    inQueue: async (queue) => callersInQueue((await deps.store.load([queue])).queues[0]!),
    caller: async (callId) => {
      const call = await deps.store.getCall(callId);
      return call && { number: call.callerNumber, name: call.callerName };
    },
  });
}

/** Streams (SSE, WebSocket): `send` gets the snapshot, then each change's events. Returns the stop. */
export function openFeed(deps: FeedDeps, scope: StreamScope, accept: EventPredicate, send: (events: PbxisEvent[]) => void): () => void {
  let closed = false;
  let unsubscribe = () => {};
  void (async () => {
    const fromId = await deps.store.lastEventId();
    const translator = await translatorFor(deps, scope);
    const snapshot = await translator.snapshot();
    if (closed) return;
    send(snapshot);
    let chain = Promise.resolve();
    unsubscribe = deps.hub.subscribe(fromId, (stored) => {
      if (!accept(stored.event)) return;
      chain = chain
        .then(async () => {
          const events = await translator.translate(stored.event);
          if (!closed && events.length > 0) send(events);
        })
        .catch((err: unknown) => deps.log.error({ err, eventId: stored.id }, 'PBXIS translation failed'));
    });
  })().catch((err: unknown) => deps.log.error({ err }, 'PBXIS feed failed to open'));
  return () => {
    closed = true;
    unsubscribe();
  };
}

export interface PollOutcome {
  events: PbxisEvent[];
  /** Where the next poll of this ticket continues. */
  cursor: string;
}

/**
 * One long-poll of a ticket. `cursor` '' = this ticket never polled: the answer is the current
 * state at once. Otherwise the events after `cursor`, as soon as there are some.
 */
export async function pollFeed(deps: FeedDeps, scope: StreamScope, accept: EventPredicate, cursor: string, opts: { timeoutMs: number; max: number; signal: AbortSignal }): Promise<PollOutcome> {
  if (cursor === '') {
    const fromId = await deps.store.lastEventId();
    return { events: await (await translatorFor(deps, scope)).snapshot(), cursor: fromId };
  }
  const translator = await translatorFor(deps, scope);
  const polled = await pollOnce(deps.hub, cursor, translatable(accept), opts);
  const events: PbxisEvent[] = [];
  for (const { id: _id, ...event } of polled.events) events.push(...(await translator.translate(event as unknown as AcdEvent)));
  return { events, cursor: polled.lastEventId };
}
