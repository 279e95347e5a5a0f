/**
 * The CTI agent-session protocol's wire format (../shared/seeds/cti-agent-session-protocol.txt):
 *   request   {"command", "target": "<session>" | "<session>.<channel>" | "<session>.<group>.<channel>", "data"}
 *   success   {"command", "target", "result": "success", "data"}
 *   failure   {"command", "target", "result": "failure", "failure": {"code", "message", "context"}, "original": <request>}
 *   event     {"messageType": "objectEvent", "target", "name", "data"}
 * Pure functions: parsing, the envelopes, and the agent status as a channel's `infochanged` data.
 */
import type { ReasonLists } from '../../acd/agentCommands.js';
import { reasonLabel } from '../../cti/events.js';
import { toFailure, type CtiRequest } from '../../cti/protocol.js';
import type { AgentStatus, PendingStatus } from '../../domain/agent.js';
import { AcdError } from '../../domain/errors.js';

/** Each agent session has one telephony channel, `<agentId>.voice`. */
export const VOICE_CHANNEL = 'voice';
/** The reason code the protocol reserves for after-call work. */
export const ACW = 'acw';

/** The same request shape as the native CTI channel's (parsed by its parseRequest). */
export type SessionRequest = CtiRequest;

export interface ObjectEvent {
  messageType: 'objectEvent';
  target: string;
  name: string;
  data: Record<string, unknown>;
}

/** The session and channel a target names; AcdError when it is not this session or not its channel. */
export function resolveTarget(target: string, session: string, needsChannel: boolean): void {
  const parts = target.split('.');
  if (parts[0] !== session) throw new AcdError('forbidden', `target '${target}' is not this session (${session})`, { field: 'target' });
  if (!needsChannel) return;
  const channel = parts.length > 1 ? parts[parts.length - 1] : undefined;
  if (channel !== VOICE_CHANNEL) throw new AcdError('not_found', `target '${target}' names no channel of this session: its channel is '${session}.${VOICE_CHANNEL}'`, { field: 'target' });
}

export const success = (req: SessionRequest, data: Record<string, unknown>) => ({ command: req.command, target: req.target, result: 'success', data });

/** `context` would carry a stack trace in the original; ours stays empty (no internals on the wire). */
export function failure(req: SessionRequest | undefined, raw: string, err: unknown) {
  const { code, message } = toFailure(err);
  return { command: req?.command ?? '', target: req?.target ?? '', result: 'failure', failure: { code, message, context: '' }, original: req ?? raw };
}

export const objectEvent = (target: string, name: string, data: Record<string, unknown> = {}): ObjectEvent => ({ messageType: 'objectEvent', target, name, data });

export type ChannelState = 'INACTIVE' | 'UNAVAILABLE' | 'ACTIVE';

export interface ChannelInfo {
  state: ChannelState;
  agentStatus: { status: string; lastReasonCode: string; lastReasonName: string };
}

const ON_CALL: readonly AgentStatus[] = ['reserved', 'ringing', 'busy'];

/**
 * The agent's status as the protocol names it. On a call: `busy`, or `busy_<status>` when the
 * agent asked for a status for the call's end; after-call work shows reason code `acw`.
 */
export function channelInfo(reasons: ReasonLists, a: { status: AgentStatus; reason: string; pending?: { status: PendingStatus; reason: string } }): ChannelInfo {
  const info = (state: ChannelState, status: string, code: string): ChannelInfo => ({
    state,
    agentStatus: { status, lastReasonCode: code, lastReasonName: code === ACW ? 'After call work' : reasonLabel(reasons, code) },
  });
  if (a.status === 'logged_out') return info('INACTIVE', 'not_ready', a.reason);
  if (ON_CALL.includes(a.status)) {
    if (!a.pending) return info('ACTIVE', 'busy', '');
    return info('ACTIVE', `busy_${a.pending.status}`, a.pending.status === 'after_call_work' ? ACW : a.pending.reason);
  }
  if (a.status === 'after_call_work') return info('ACTIVE', 'after_call_work', ACW);
  return info('ACTIVE', a.status, a.reason);
}
