/** What every step of a call's journey works with. Built once by the engine. */
import type { Logger } from 'pino';
import type { Pbx } from '../pbx/port.js';
import type { BridgePool } from './bridgePool.js';
import type { AcdStore } from '../store/types.js';
import type { CallHooks } from './hooks.js';
import type { KeyedLock } from './keyedLock.js';
import type { Timers } from './timers.js';

export interface AcdContext {
  pbx: Pbx;
  store: AcdStore;
  timers: Timers;
  logger: Logger;
  /** This engine instance: calls it enqueues carry it, and reconcile only repairs its own. */
  nodeId: string;
  /** Serializes everything that happens to one call. Key: call id. */
  locks: KeyedLock;
  /** Asks the router to look for a waiting caller for this agent / this queue. */
  kick: (trigger: { queue: string } | { agentId: string }) => void;
  settings: EngineSettings;
  /** Where features plug into the call's core steps (src/acd/hooks.ts); filled by the engine. */
  hooks: CallHooks;
  /** Call bridges kept between calls (src/acd/bridgePool.ts); `pbx` reports its bridge requests to it. */
  bridges: BridgePool;
  /** A PBX event's handling failed: Redis may not have taken it in; the engine repairs soon (engine.ts). */
  eventFailed: (err: unknown) => void;
}

export interface EngineSettings {
  /** Back-off before a busy or rejecting agent is offered calls again. */
  retryDelayMs: number;
  /** How long to wait for ChannelDestroyed (which carries the hangup cause) after StasisEnd. */
  causeGraceMs: number;
  /** Channel variables read at a caller's entry, stored with the call, sent with `call.offered`. */
  offerVariables?: string[];
  /** A caller's entry hit by a PBX fault (timeout, 5xx) is tried again this many times, after 1x, 2x, 4x... `entryRetryDelayMs`. */
  entryRetries: number;
  entryRetryDelayMs: number;
  /** How often unfinished caller entries are looked for and finished (src/acd/entryRepair.ts); 0: only on (re)connect. */
  entryRepairIntervalMs: number;
  /** How long after an event's handling failed the repair runs (doubling while it fails, up to 60 s). */
  failureRepairDelayMs: number;
}

export const DEFAULT_SETTINGS: EngineSettings = {
  retryDelayMs: 5_000,
  causeGraceMs: 300,
  entryRetries: 3,
  entryRetryDelayMs: 250,
  entryRepairIntervalMs: 15_000,
  failureRepairDelayMs: 2_000,
};

/**
 * Memory one engine keeps beside its context (legs it created, bridges it prepared...): made on
 * first use, gone with the engine, never shared between two engines of one process (tests).
 */
export function perEngine<T>(make: () => T): (ctx: AcdContext) => T {
  const states = new WeakMap<AcdContext, T>();
  return (ctx) => {
    let state = states.get(ctx);
    if (state === undefined) states.set(ctx, (state = make()));
    return state;
  };
}
