/**
 * The CTI commands, one table shared by the WebSocket channel and the REST routes. Agent commands
 * act on the session's own agent; supervisor commands name the agent in `data.agentId` and are
 * refused to agent sessions.
 */
import type { AgentCommands, ReasonLists } from '../acd/agentCommands.js';
import { MONITOR_MODES, type MonitorMode } from '../acd/control/supervisor.js';
import type { CallControl, ConsultTarget, TransferTarget } from '../acd/control/index.js';
import { FORCED_STATES, type ForcedState } from '../acd/control/forceState.js';
import { AcdError } from '../domain/errors.js';
import type { AcdStore } from '../store/types.js';
import { sessionState } from './state.js';

export interface CtiDeps {
  store: AcdStore;
  agents: AgentCommands;
  control: CallControl;
  reasons: ReasonLists;
  /** Adds the agent to these queues (login's data.queues), all or none; absent = not offered. */
  joinQueues?: (queues: string[], agentId: string) => Promise<unknown>;
  /** Toll-fraud allow-list for numbers dialed out (the HTTP layer's auth); absent = no check. */
  assertDestinationAllowed?: (destination: string) => void;
}

export type SessionRole = 'agent' | 'supervisor';

export interface CommandContext {
  deps: CtiDeps;
  session: string;
  callId?: string;
  data: Record<string, unknown>;
}

type Handler = (c: CommandContext) => Promise<unknown>;

function str(data: Record<string, unknown>, field: string): string;
function str(data: Record<string, unknown>, field: string, optional: true): string | undefined;
function str(data: Record<string, unknown>, field: string, optional = false): string | undefined {
  const value = data[field];
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'string' || value === '') throw new AcdError('validation', `data.${field} must be a non-empty string`, { field });
  return value;
}

function oneOf<T extends string>(data: Record<string, unknown>, field: string, allowed: readonly T[]): T {
  const value = str(data, field);
  if (!(allowed as readonly string[]).includes(value)) throw new AcdError('validation', `data.${field} must be one of ${allowed.join(', ')}`, { field });
  return value as T;
}

const BY_AGENT = 'agent';
const ACW = 'acw';
const call = (c: CommandContext) => ({ agentId: c.session, callId: c.callId, by: BY_AGENT });
const done = async (pending: Promise<unknown>) => {
  await pending;
  return {};
};

function oneTarget(c: CommandContext, command: string, fields: string[]): Record<string, string> {
  const given = fields.flatMap((f) => {
    const v = str(c.data, f, true);
    return v === undefined ? [] : [[f, v] as const];
  });
  if (given.length !== 1) throw new AcdError('validation', `${command} needs exactly one of ${fields.map((f) => `data.${f}`).join(', ')}`, { field: fields[0] });
  const [[field, value]] = given as [[string, string]];
  if (field === 'extension') c.deps.assertDestinationAllowed?.(value);
  return { [field]: value };
}

export const AGENT_COMMANDS: Record<string, Handler> = {
  /** data.endpoint?, data.ready?, data.queues? (queues to join first, penalty 0). */
  login: async (c) => {
    const queues = c.data.queues;
    if (queues !== undefined && (!Array.isArray(queues) || !queues.every((q) => typeof q === 'string' && q !== ''))) {
      throw new AcdError('validation', 'data.queues must be an array of queue ids', { field: 'queues' });
    }
    if (queues?.length && !c.deps.joinQueues) throw new AcdError('validation', 'joining queues at login is not available here', { field: 'queues' });
    if (queues?.length) await c.deps.joinQueues!(queues as string[], c.session);
    return c.deps.agents.login(c.session, { endpoint: str(c.data, 'endpoint', true), ready: c.data.ready === true, by: BY_AGENT });
  },
  logout: (c) => c.deps.agents.logout(c.session, { reason: str(c.data, 'reason', true), by: BY_AGENT }),
  ready: (c) => c.deps.agents.ready(c.session, { by: BY_AGENT }),
  /** Reason `acw` enters after-call work (ready again after the wrap-up time); others are configured codes. */
  notReady: (c) => {
    const reason = str(c.data, 'reason');
    return reason === ACW ? c.deps.control.afterCallWork(c.session, BY_AGENT) : c.deps.agents.notReady(c.session, { reason, by: BY_AGENT });
  },
  notReadyReasons: async (c) => c.deps.reasons.notReady,
  logoutReasons: async (c) => c.deps.reasons.logout,
  state: (c) => sessionState(c.deps.store, c.session),
  hold: (c) => done(c.deps.control.hold(call(c))),
  retrieve: (c) => done(c.deps.control.retrieve(call(c))),
  mute: (c) => done(c.deps.control.mute(call(c))),
  unmute: (c) => done(c.deps.control.unmute(call(c))),
  dtmf: (c) => done(c.deps.control.sendDtmf(call(c), str(c.data, 'digits'))),
  release: (c) => done(c.deps.control.release(call(c))),
  /** Manual outbound / click-to-call: data.destination, data.callerId. */
  dial: (c) => {
    const destination = str(c.data, 'destination');
    c.deps.assertDestinationAllowed?.(destination);
    return c.deps.control.dial({ agentId: c.session, destination, callerId: str(c.data, 'callerId', true), by: BY_AGENT });
  },
  /** Blind transfer: exactly one of data.queue, data.agentId, data.extension. */
  transfer: (c) => done(c.deps.control.transfer(call(c), oneTarget(c, 'transfer', ['queue', 'agentId', 'extension']) as TransferTarget)),
  /** Consult (caller held): exactly one of data.agentId, data.extension, data.queue. */
  consult: (c) => c.deps.control.consult(call(c), oneTarget(c, 'consult', ['agentId', 'extension', 'queue']) as ConsultTarget),
  completeTransfer: (c) => done(c.deps.control.completeTransfer(call(c))),
  cancelConsult: (c) => done(c.deps.control.cancelConsult(call(c))),
  conference: (c) => done(c.deps.control.conference(call(c))),
  /** Manual-answer agents: takes the offered call (the phone is dialed now). */
  answer: (c) => done(c.deps.control.answer(call(c))),
  /** Park and announce: the slot is announced to the agent and returned; the agent wraps up. */
  park: (c) => c.deps.control.park(call(c)),
  /** data.slot (number): the call parked there is offered to this agent, who must be ready. */
  retrieveParked: (c) => {
    const slot = c.data.slot;
    if (typeof slot !== 'number' && (typeof slot !== 'string' || !/^\d+$/.test(slot))) throw new AcdError('validation', 'data.slot must be a slot number', { field: 'slot' });
    return c.deps.control.retrieveParked({ agentId: c.session, slot: Number(slot), by: BY_AGENT });
  },
  startRecording: (c) => c.deps.control.startRecording(call(c)),
  stopRecording: (c) => c.deps.control.stopRecording(call(c)),
  pauseRecording: (c) => c.deps.control.pauseRecording(call(c)),
  resumeRecording: (c) => c.deps.control.resumeRecording(call(c)),
};

const monitorIn = (mode: MonitorMode): Handler => (c) =>
  c.deps.control.monitor({ supervisorId: c.session, agentId: str(c.data, 'agentId'), endpoint: str(c.data, 'endpoint'), mode });

export const SUPERVISOR_COMMANDS: Record<string, Handler> = {
  monitor: monitorIn('monitor'),
  whisper: monitorIn('whisper'),
  barge: monitorIn('barge'),
  /** Switches a running session: data.mode. */
  switchMode: (c) => {
    const current = c.deps.control.monitorOf(c.session);
    if (!current) throw new AcdError('invalid_state', `supervisor ${c.session} monitors no call`);
    return c.deps.control.monitor({ supervisorId: c.session, agentId: current.agentId, endpoint: '', mode: oneOf(c.data, 'mode', MONITOR_MODES) });
  },
  endMonitor: (c) => done(c.deps.control.endMonitor(c.session)),
  forceState: (c) =>
    c.deps.control.forceState({
      supervisorId: c.session,
      agentId: str(c.data, 'agentId'),
      state: oneOf<ForcedState>(c.data, 'state', FORCED_STATES),
      reason: str(c.data, 'reason', true),
    }),
};

/** Runs a command for a session of `role`; AcdError for unknown commands and commands the role may not use. */
export function runCommand(role: SessionRole, command: string, c: CommandContext): Promise<unknown> {
  const handler = Object.hasOwn(AGENT_COMMANDS, command) ? AGENT_COMMANDS[command] : Object.hasOwn(SUPERVISOR_COMMANDS, command) ? SUPERVISOR_COMMANDS[command] : undefined;
  if (!handler) throw new AcdError('validation', `unknown command '${command}'`, { field: 'command' });
  if (role === 'agent' && Object.hasOwn(SUPERVISOR_COMMANDS, command)) throw new AcdError('forbidden', `'${command}' is a supervisor command`);
  return handler(c);
}
