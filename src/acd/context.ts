/** What every step of a call's journey works with. Built once by the engine. */
import type { Logger } from 'pino';
import type { Pbx } from '../pbx/port.js';
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
}

export interface EngineSettings {
  /** Back-off before a busy or rejecting agent is offered calls again. */
  retryDelayMs: number;
  /** How long to wait for ChannelDestroyed (which carries the hangup cause) after StasisEnd. */
  causeGraceMs: number;
  /** Channel variables read at a caller's entry, stored with the call, sent with `call.offered`. */
  offerVariables?: string[];
}

export const DEFAULT_SETTINGS: EngineSettings = { retryDelayMs: 5_000, causeGraceMs: 300 };
