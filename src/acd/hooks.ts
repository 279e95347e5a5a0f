/**
 * Named hooks through which optional features plug into the core steps of a call, registered by
 * the engine at start (src/acd/engine.ts) instead of being imported by the steps: the core
 * (agentLeg, bridging, waitTimers) knows the moments, not the features.
 *   legInStasis    an offered agent leg entered Stasis; a hook returning true holds it
 *                  (manual answer: control/answer.ts)
 *   legAnswered    the offered agent answered a call whose caller left it (a callback
 *                  request); a hook returning true takes the call over (callback dials the
 *                  customer now: callback.ts)
 *   callConnected  caller and agent are bridged (queue recording: control/recording.ts)
 *   callbackTimer  a callback retry timer of the caller's current stay fired (callback.ts)
 *   legEvent       an event of a queue leg (caller, agent or callback customer), heard by the
 *                  control calls that follow that channel (supervisor, consult, park, redirect:
 *                  control/index.ts); runs as the event arrives, next to the queue flow's step
 *   connected      after every (re)connect to the PBX, next to reconcile: features take up
 *                  their state again (device state: deviceState.ts, call control: control/index.ts)
 * PBX events themselves reach features through the event router (eventRouter.ts), one handler
 * per kind of event; these hooks are the moments inside the queue flow.
 */
import type { CallSnapshot } from '../domain/call.js';
import type { ChannelEvent } from './eventRouter.js';
import type { CallerTimerJob } from './timers.js';

type Claim<A extends unknown[]> = (...args: A) => Promise<boolean>;
type Notify<A extends unknown[]> = (...args: A) => Promise<void>;

export interface CallHooks {
  legInStasis: Claim<[callId: string, agentChannel: string, agentId: string, ringTimeoutS: number]>[];
  legAnswered: Claim<[callId: string, agentChannel: string]>[];
  callConnected: Notify<[call: CallSnapshot]>[];
  callbackTimer: Notify<[job: CallerTimerJob]>[];
  legEvent: Notify<[event: ChannelEvent]>[];
  connected: Notify<[]>[];
}

export const createCallHooks = (): CallHooks => ({ legInStasis: [], legAnswered: [], callConnected: [], callbackTimer: [], legEvent: [], connected: [] });

/** True as soon as one hook claims the moment (the later ones do not run). */
export async function claimedBy<A extends unknown[]>(hooks: Claim<A>[], ...args: A): Promise<boolean> {
  for (const hook of hooks) if (await hook(...args)) return true;
  return false;
}

/** Runs every hook, in registration order. */
export async function notifyAll<A extends unknown[]>(hooks: Notify<A>[], ...args: A): Promise<void> {
  for (const hook of hooks) await hook(...args);
}
