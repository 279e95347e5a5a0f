/**
 * Control calls: the calls an agent makes or takes outside the queues, and the callers call
 * control took out of them (src/acd/control). One record per call in Redis (`cc:<id>`), decoded
 * once by the store (src/store/controlCallCodec.ts) into one of these variants, told apart by
 * `kind`:
 *   outbound    manual outbound / click-to-call: the agent's leg, then the destination's;
 *   consult     an agent's consult of another agent, a queue or an extension (`cs-<callId>`);
 *   supervisor  a supervisor's monitor / whisper / barge session (`sv-<supervisorId>`);
 *   redirect    a caller blind-transferred to an extension while it rings (`rd-<callId>`);
 *   park        a parked caller holding a slot (`pk-<callId>`).
 */

export const MONITOR_MODES = ['monitor', 'whisper', 'barge'] as const;
export type MonitorMode = (typeof MONITOR_MODES)[number];

/** Whom a consult calls: another agent, a queue (its call waits there) or an extension. */
export type ConsultTarget = { agentId: string } | { queue: string } | { extension: string };

interface ControlCallBase {
  id: string;
  /** The agent busy on the call ('' when none of ours is: a consulted extension, a supervisor session, a redirect, a park). */
  agentId: string;
  /** ms epoch */
  startedAt: number;
  /** The agent's status before the call. */
  previous: string;
  /** Engine instance that follows the call's channels. */
  node: string;
}

export interface OutboundCall extends ControlCallBase {
  kind: 'outbound';
  state: 'dialing' | 'ringing' | 'connected';
  agentLeg: string;
  destLeg: string;
  bridgeId: string;
  destination: string;
  /** Caller id shown to the destination ('' = the PBX's default). */
  callerId: string;
  /** Channel variables for the destination leg. */
  variables: Record<string, string>;
  /** ms epoch; 0 before. */
  answeredAt: number;
  held: boolean;
  muted: boolean;
}

export interface ConsultCall extends ControlCallBase {
  kind: 'consult';
  /** queued: a consult to a queue waits there until one of its agents answers. */
  state: 'dialing' | 'queued' | 'connected';
  /** The consulting agent's queue call. */
  callId: string;
  /** The consulting agent. */
  from: string;
  leg: string;
  bridgeId: string;
  target: ConsultTarget;
  /** A consult to a queue: its own call in that queue ('' otherwise). */
  queueCall: string;
}

export interface SupervisorSession extends ControlCallBase {
  kind: 'supervisor';
  state: 'dialing';
  supervisor: string;
  /** The monitored agent. */
  agent: string;
  callId: string;
  agentChannel: string;
  supervisorChannel: string;
  monitorBridge: string;
  /** '' in barge mode and before the supervisor's phone answered. */
  snoopChannel: string;
  mode: MonitorMode;
  /** The supervisor's phone answered. */
  connected: boolean;
}

export interface RedirectCall extends ControlCallBase {
  kind: 'redirect';
  state: 'dialing' | 'connected';
  callerChannel: string;
  destLeg: string;
  destination: string;
  bridgeId: string;
  /** Where the caller goes back to when the destination does not answer, with its priority. */
  queue: string;
  priority: number;
  callerNumber: string;
  callerName: string;
}

export interface ParkedCall extends ControlCallBase {
  kind: 'park';
  state: 'parked';
  callerChannel: string;
  /** The parking agent's leg, hung up once the slot was announced. */
  agentLeg: string;
  bridgeId: string;
  slot: number;
  parkedBy: string;
  queue: string;
  priority: number;
  /** ms epoch the caller first joined its queue (kept for its return). */
  joinedAt: number;
  callerNumber: string;
  callerName: string;
}

export type ControlCall = OutboundCall | ConsultCall | SupervisorSession | RedirectCall | ParkedCall;
export type ControlCallKind = ControlCall['kind'];
export type ControlCallOf<K extends ControlCallKind> = Extract<ControlCall, { kind: K }>;

/** The states each kind goes through, in order. */
export const CONTROL_CALL_STATES: { [K in ControlCallKind]: readonly ControlCallOf<K>['state'][] } = {
  outbound: ['dialing', 'ringing', 'connected'],
  consult: ['dialing', 'queued', 'connected'],
  supervisor: ['dialing'],
  redirect: ['dialing', 'connected'],
  park: ['parked'],
};
export const CONTROL_CALL_KINDS = Object.keys(CONTROL_CALL_STATES) as ControlCallKind[];

type Distribute<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What a new control call is started with (controlCallStart-4.lua sets state, startedAt, previous). */
export type NewControlCall = Distribute<OutboundCall | ConsultCall | SupervisorSession, 'state' | 'startedAt' | 'previous'>;

/** The fields a running control call may change. */
export type ControlCallPatch = { state?: ControlCall['state'] } & Partial<Pick<OutboundCall, 'answeredAt' | 'held' | 'muted'>> & Partial<Pick<SupervisorSession, 'mode' | 'snoopChannel' | 'connected'>>;

/** Every PBX channel of a control call (bridges left out). */
export function controlCallChannels(r: ControlCall): string[] {
  switch (r.kind) {
    case 'outbound':
      return [r.agentLeg, r.destLeg];
    case 'consult':
      return [r.leg];
    case 'supervisor':
      return [r.supervisorChannel, r.snoopChannel].filter((c) => c !== '');
    case 'redirect':
      return [r.callerChannel, r.destLeg];
    case 'park':
      return [r.callerChannel, r.agentLeg];
  }
}

/** The queue caller a control call holds (redirect, park): its channel, else undefined. */
export const heldCallerChannel = (r: ControlCall): string | undefined => (r.kind === 'redirect' || r.kind === 'park' ? r.callerChannel : undefined);
