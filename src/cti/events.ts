/**
 * Turns the engine's event stream into the CTI events one session receives. Agent sessions get
 * their own agent's state, offered calls, ring-no-answer and dialog state; supervisor sessions
 * get every agent's state and the state of their monitor session.
 */
import type { ReasonLists } from '../acd/agentCommands.js';
import type { AcdEvent } from '../domain/events.js';
import { callIdOfConsultRecord, supervisorRecordId } from '../domain/idPrefixes.js';
import type { AcdStore } from '../store/types.js';
import type { CtiEvent, CtiFailureCode } from './protocol.js';
import { currentDialog, type Dialog } from './state.js';
import type { SessionRole } from './commands.js';

export function reasonLabel(reasons: ReasonLists, code: string): string {
  return [...reasons.notReady, ...reasons.logout].find((r) => r.code === code)?.label ?? '';
}

/** `agent.state`'s `pending`: the status asked for the end of the call, with the reason's label. */
export function pendingOf(reasons: ReasonLists, pending: { status: string; reason: string } | undefined): { pending?: { status: string; reason: string; label: string } } {
  return pending ? { pending: { ...pending, label: reasonLabel(reasons, pending.reason) } } : {};
}

const droppedDialog = (callId: string, queue: string, agentId: string): Dialog => ({
  callId,
  kind: queue ? 'queue' : 'outbound',
  queue,
  state: 'dropped',
  muted: false,
  supervisor: null,
  participants: [{ role: 'agent', id: agentId, number: '', name: '', state: 'dropped' }],
});

/**
 * A command that succeeded failed later (a phone busy, not answering, unreachable): the CTI
 * `error` event. The party's state is the cause (invalidState) unless the PBX failed (generalError).
 */
function asyncError(out: (event: string, data: Record<string, unknown>) => CtiEvent, command: string, callId: string, status: string, message: string): CtiEvent {
  const code: CtiFailureCode = status === 'ERROR' ? 'generalError' : 'invalidState';
  return out('error', { command, callId, code, dialStatus: status, message });
}

export async function ctiEventsFor(role: SessionRole, session: string, e: AcdEvent, store: AcdStore, reasons: ReasonLists): Promise<CtiEvent[]> {
  const out = (event: string, data: Record<string, unknown>): CtiEvent => ({ event, target: session, data });
  if (e.type === 'AgentStatus' && (role === 'supervisor' || e.agentId === session)) {
    return [out('agent.state', { agentId: e.agentId, status: e.status, previous: e.previous, reason: e.reason, label: reasonLabel(reasons, e.reason), callId: e.callId, by: e.by, ...pendingOf(reasons, e.pending) })];
  }
  if (e.type === 'AgentPendingStatus' && (role === 'supervisor' || e.agentId === session)) {
    return [out('agent.state', { agentId: e.agentId, status: e.status, previous: e.status, reason: '', label: '', callId: e.callId, by: e.by, ...pendingOf(reasons, { status: e.pending, reason: e.reason }) })];
  }
  if (role === 'supervisor') {
    if (e.type === 'CallControl' && e.action === 'monitor' && e.by === `supervisor:${session}`) {
      if (e.step === 'failed') return [asyncError(out, 'monitor', e.callId, e.dialStatus, `supervisor phone: ${e.dialStatus}`)];
      return [out('supervisor.state', { agentId: e.agentId, callId: e.callId, mode: e.step })];
    }
    // A session a restarted engine could not take up (its call or a phone was gone meanwhile).
    if (e.type === 'CallControl' && e.action === 'supervisor' && e.step === 'gone' && e.callId === supervisorRecordId(session)) {
      return [out('supervisor.state', { agentId: '', callId: '', mode: 'ended', reason: 'gone' })];
    }
    return [];
  }
  // A consult through a queue has no agent of its own until answered: its record `cs-<callId>`
  // reports to nobody, so the consulting agent (the call's) gets its dialog with the consult's state.
  const consulting = e.type === 'CallControl' && e.agentId === '' ? callIdOfConsultRecord(e.callId) : undefined;
  if (consulting !== undefined) {
    const dialog = await currentDialog(store, session, consulting);
    return dialog ? [out('dialog.state', { ...dialog })] : [];
  }
  if (!('agentId' in e) || e.agentId !== session || !('callId' in e)) return [];
  switch (e.type) {
    case 'AgentCalled': {
      const call = await store.getCall(e.callId);
      if (!call) return [];
      return [
        out('call.offered', {
          callId: e.callId,
          queue: e.queue,
          callerNumber: call.callerNumber,
          callerName: call.callerName,
          waitMs: e.ts - call.joinedAt,
          priority: call.priority,
          variables: await store.callVariables(e.callId),
        }),
      ];
    }
    case 'AgentRingNoAnswer':
      return [out('call.rona', { callId: e.callId, queue: e.queue, ringMs: e.ringMs, cause: e.cause })];
    case 'AgentComplete':
      return [out('dialog.state', { ...droppedDialog(e.callId, e.queue, session), reason: e.reason })];
    case 'CallControl':
      // Queue calls: action dtmf; outbound calls: their step dtmf.
      if (e.action === 'dtmf' || (e.action === 'outbound' && e.step === 'dtmf')) return [out('dtmf', { callId: e.callId, digits: e.digits, direction: e.direction })];
      if (e.action === 'transfer') return [];
      if (e.action === 'outbound' && e.step === 'ended') return [out('dialog.state', { ...droppedDialog(e.callId, '', session) })];
      if (e.action === 'outbound' && e.step === 'failed') return [asyncError(out, 'dial', e.callId, e.dialStatus, `outbound call: ${e.dialStatus}`)];
      break;
    case 'CallParked':
      return [out('call.parked', { callId: e.callId, queue: e.queue, slot: e.slot })];
    case 'CallUnparked':
      return [out('call.unparked', { callId: e.callId, queue: e.queue, slot: e.slot, reason: e.reason, by: e.by })];
    case 'AgentConnect':
      break;
    default:
      return [];
  }
  const dialog = await currentDialog(store, session, e.callId);
  return dialog ? [out('dialog.state', { ...dialog })] : [];
}
