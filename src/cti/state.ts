/**
 * What an agent desktop shows, built from the store: the agent's state and the dialog of its
 * current call with each participant's state. Used for (re)connect initialisation and after
 * every event that changes a dialog, so a client never has to merge deltas.
 */
import type { AgentSnapshot } from '../domain/agent.js';
import type { CallSnapshot } from '../domain/call.js';
import { isConsultCall } from '../domain/idPrefixes.js';
import { AcdError } from '../domain/errors.js';
import type { ControlCall } from '../domain/controlCall.js';
import { consultTargetText } from '../store/controlCallCodec.js';
import type { AcdStore } from '../store/types.js';

export type ParticipantState = 'alerting' | 'active' | 'held' | 'dropped';

export interface Dialog {
  callId: string;
  /** queue: a queue call; outbound: the agent's own call; consult: this agent was consulted by another. */
  kind: 'queue' | 'outbound' | 'consult';
  queue: string;
  state: ParticipantState;
  muted: boolean;
  supervisor: { id: string; mode: string } | null;
  participants: { role: 'caller' | 'agent' | 'destination'; id: string; number: string; name: string; state: ParticipantState }[];
  /** The consult this agent runs from this call (src/acd/control/consult.ts): its id, `agent:<id>` / `queue:<id>` / `extension:<n>`, its state. */
  consult?: { id: string; target: string; state: string };
}

export function dialogOf(call: CallSnapshot, control: Record<string, string>): Dialog {
  const held = control.held === '1';
  const agentState: ParticipantState = call.state === 'connected' ? 'active' : 'alerting';
  const callerState: ParticipantState = call.state !== 'connected' ? 'active' : held ? 'held' : 'active';
  return {
    callId: call.id,
    // A consult through a queue reaches its agent as a queue call of its own (src/acd/control/consult.ts).
    kind: isConsultCall(call.id) ? 'consult' : 'queue',
    queue: call.queue,
    state: call.state === 'connected' ? (held ? 'held' : 'active') : 'alerting',
    muted: control.muted === '1',
    supervisor: control.supervisor ? { id: control.supervisor, mode: control.monitorMode ?? '' } : null,
    participants: [
      { role: 'caller', id: call.callerChannel, number: call.callerNumber, name: call.callerName, state: callerState },
      { role: 'agent', id: call.agentId, number: '', name: '', state: agentState },
    ],
  };
}

const OUTBOUND_STATES: Record<string, ParticipantState> = { dialing: 'alerting', ringing: 'alerting', connected: 'active' };

/** An agent's outbound call: the agent's phone rings first (alerting), then the destination. */
export function outboundDialog(r: ControlCall): Dialog {
  const outbound = r.kind === 'outbound' ? r : undefined;
  const state = OUTBOUND_STATES[r.state] === 'active' && outbound?.held ? 'held' : (OUTBOUND_STATES[r.state] ?? 'dropped');
  return {
    callId: r.id,
    kind: r.kind === 'consult' ? 'consult' : 'outbound',
    queue: '',
    state,
    muted: outbound?.muted ?? false,
    supervisor: null,
    participants: [
      { role: 'agent', id: r.agentId, number: '', name: '', state: r.state === 'dialing' ? 'alerting' : 'active' },
      { role: 'destination', id: outbound?.destLeg ?? '', number: outbound?.destination ?? '', name: '', state },
    ],
  };
}

/** The dialog of the agent's call, if the agent is still on it (offered or connected). */
export async function currentDialog(store: AcdStore, agentId: string, callId: string): Promise<Dialog | undefined> {
  const own = callId ? await store.getControlCall(callId) : undefined;
  if (own) return own.agentId === agentId ? outboundDialog(own) : undefined;
  const call = callId ? await store.getCall(callId) : undefined;
  if (!call || call.agentId !== agentId || call.state === 'waiting') return undefined;
  const control = await store.getControl(call.id);
  const dialog = dialogOf(call, control);
  const consult = control.consult ? await store.getControlCall(control.consult) : undefined;
  return consult?.kind === 'consult' ? { ...dialog, consult: { id: consult.id, target: consultTargetText(consult.target), state: consult.state } } : dialog;
}

export interface SessionState {
  agent: AgentSnapshot;
  dialog: Dialog | null;
}

export async function sessionState(store: AcdStore, agentId: string): Promise<SessionState> {
  const agent = await store.getAgent(agentId);
  if (!agent) throw new AcdError('agent_not_found', `agent '${agentId}' does not exist`, { field: 'session' });
  return { agent, dialog: (await currentDialog(store, agentId, agent.callId)) ?? null };
}
