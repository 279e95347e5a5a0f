/**
 * The PBXIS event vocabulary over the engine's events. A PBXIS client subscribes for agents (by
 * extension) and queues; it first gets the current state (`snapshot`), then the changes
 * (`createTranslator`). Statuses are Asterisk device states in PBXIS spelling:
 *   logged out → unavailable; ringing → ringing; on a call → inuse (onhold while held);
 *   ready, not ready, reserved, wrap-up → not_inuse, or inuse while the phone is busy outside
 *   the ACD or on a talk whose record Redis lost (src/acd/lostTalks.ts). `queueMemberStatus`
 *   adds `paused` (not ready, or paused in that queue) since a PBXIS page shows a paused agent
 *   differently from a free one.
 */
import type { AgentStatus } from '../../domain/agent.js';
import type { AcdEvent } from '../../domain/events.js';
import type { StreamScope } from '../../auth/principal.js';
import type { AgentDirectory } from './directory.js';

export type DeviceStatus = 'unknown' | 'not_inuse' | 'inuse' | 'busy' | 'unavailable' | 'ringing' | 'ringinuse' | 'onhold';

/** AsteriskJava's numeric QueueMemberEvent status for each device state. */
export const MEMBER_STATUS_CODE: Record<DeviceStatus, number> = { unknown: 0, not_inuse: 1, inuse: 2, busy: 3, unavailable: 5, ringing: 6, ringinuse: 7, onhold: 8 };

export type PbxisEvent =
  | { type: 'queueMemberStatus'; agent: string; queue: string; status: DeviceStatus; paused: boolean }
  | { type: 'queueCount'; queue: string; count: number }
  | { type: 'extensionStatus'; agent: string; status: DeviceStatus }
  | { type: 'phoneNumber'; agent: string; number: string; name: string }
  | { type: 'agentComplete'; agent: string; uniqueId: string; talkTime: number; holdTime: number; recording: string }
  | { type: 'originateFailed'; agent: string; actionId: string }
  | { type: 'closed' };

/** What the translator reads besides the events themselves. */
export interface PbxisStateSource {
  /** Callers in `queue` now not yet connected to an agent (waiting or ringing one), as app_queue counts them. */
  inQueue(queue: string): Promise<number>;
  /** The caller's number and name of a call (phoneNumber), when still known. */
  caller(callId: string): Promise<{ number: string; name: string } | undefined>;
}

interface AgentState {
  agentId: string;
  extension: string;
  status: AgentStatus;
  deviceInUse: boolean;
  /** On a talk whose record Redis lost (AgentLostTalk). */
  lostTalk: boolean;
  held: boolean;
  queues: string[];
  pausedIn: Set<string>;
}

/** The agent's phone as Asterisk would report it. */
export function deviceStatus(a: Pick<AgentState, 'status' | 'deviceInUse' | 'lostTalk' | 'held'>): DeviceStatus {
  switch (a.status) {
    case 'logged_out':
      return 'unavailable';
    case 'ringing':
      return 'ringing';
    case 'busy':
      return a.held ? 'onhold' : 'inuse';
    default:
      return a.deviceInUse || a.lostTalk ? 'inuse' : 'not_inuse';
  }
}

function statusEvents(a: AgentState, onlyQueue?: string): PbxisEvent[] {
  const status = deviceStatus(a);
  const members = a.queues
    .filter((q) => onlyQueue === undefined || q === onlyQueue)
    .map((queue): PbxisEvent => ({ type: 'queueMemberStatus', agent: a.extension, queue, status, paused: a.status === 'not_ready' || a.pausedIn.has(queue) }));
  return onlyQueue === undefined ? [{ type: 'extensionStatus', agent: a.extension, status }, ...members] : members;
}

/** The scope's agents as the translator tracks them. */
function agentStates(dir: AgentDirectory, scope: StreamScope): Map<string, AgentState> {
  const states = new Map<string, AgentState>();
  for (const e of dir.entries) {
    if (!scope.agents.includes(e.agent.id)) continue;
    states.set(e.agent.id, {
      agentId: e.agent.id,
      extension: e.extension,
      status: e.agent.status,
      deviceInUse: e.agent.deviceInUse === true,
      lostTalk: e.agent.lostTalk !== undefined,
      held: false,
      queues: [...e.queues],
      pausedIn: new Set(e.pausedIn),
    });
  }
  return states;
}

export interface PbxisTranslator {
  /** The current state: each agent's phone and queue statuses, then each queue's count. */
  snapshot(): Promise<PbxisEvent[]>;
  /** The PBXIS events an engine event causes (none for most). Call in stream order, one at a time. */
  translate(event: AcdEvent): Promise<PbxisEvent[]>;
}

/** `scope.agents` are agent ids (resolved from extensions when the ticket was issued). */
export function createTranslator(dir: AgentDirectory, scope: StreamScope, source: PbxisStateSource): PbxisTranslator {
  const agents = agentStates(dir, scope);
  // A status is sent when it changes (ready → not ready is not_inuse both times).
  const lastSent = new Map<string, string>();
  const changed = (events: PbxisEvent[]): PbxisEvent[] =>
    events.filter((e) => {
      if (e.type !== 'extensionStatus' && e.type !== 'queueMemberStatus') return true;
      const key = e.type === 'extensionStatus' ? e.agent : `${e.agent}\u0000${e.queue}`;
      const text = JSON.stringify(e);
      if (lastSent.get(key) === text) return false;
      lastSent.set(key, text);
      return true;
    });
  const queueCount = async (queue: string): Promise<PbxisEvent> => ({ type: 'queueCount', queue, count: await source.inQueue(queue) });
  const forAgent = (event: AcdEvent): AgentState | undefined => ('agentId' in event && typeof event.agentId === 'string' ? agents.get(event.agentId) : undefined);

  return {
    async snapshot() {
      const out: PbxisEvent[] = [];
      for (const a of agents.values()) out.push(...statusEvents(a));
      for (const q of scope.queues) out.push(await queueCount(q));
      return changed(out);
    },
    async translate(event) {
      const out: PbxisEvent[] = [];
      // A caller connected to an agent has left the queue for app_queue (QueueCallerLeave there).
      if ((event.type === 'QueueCallerJoin' || event.type === 'QueueCallerLeave' || event.type === 'QueueCallerAbandon' || event.type === 'AgentConnect') && scope.queues.includes(event.queue)) {
        out.push(await queueCount(event.queue));
      }
      const a = forAgent(event);
      if (!a) return out;
      switch (event.type) {
        case 'AgentStatus':
          a.status = event.status;
          if (event.status !== 'busy') a.held = false;
          out.push(...statusEvents(a));
          break;
        case 'AgentDeviceState':
          a.deviceInUse = event.inUse;
          out.push(...statusEvents(a));
          break;
        case 'AgentLostTalk':
          a.lostTalk = event.talking;
          out.push(...statusEvents(a));
          break;
        case 'QueueMemberAdded':
          if (!a.queues.includes(event.queue)) a.queues.push(event.queue);
          if (event.paused) a.pausedIn.add(event.queue);
          out.push(...statusEvents(a, event.queue));
          break;
        case 'QueueMemberRemoved':
          a.queues = a.queues.filter((q) => q !== event.queue);
          a.pausedIn.delete(event.queue);
          // No longer a member: to the queue's watchers it is gone, as a logged-off member.
          out.push({ type: 'queueMemberStatus', agent: a.extension, queue: event.queue, status: 'unavailable', paused: false });
          break;
        case 'QueueMemberPause':
          if (event.paused) a.pausedIn.add(event.queue);
          else a.pausedIn.delete(event.queue);
          out.push(...statusEvents(a, event.queue));
          break;
        case 'AgentConnect': {
          const caller = await source.caller(event.callId);
          if (caller) out.push({ type: 'phoneNumber', agent: a.extension, number: caller.number, name: caller.name });
          break;
        }
        case 'AgentComplete':
          out.push({ type: 'agentComplete', agent: a.extension, uniqueId: event.callId, talkTime: Math.round(event.talkMs / 1000), holdTime: Math.round(event.waitMs / 1000), recording: '' });
          break;
        case 'CallControl':
          if (event.action === 'hold' || event.action === 'retrieve') {
            a.held = event.action === 'hold';
            out.push(...statusEvents(a));
          } else if (event.action === 'outbound' && event.step === 'failed') {
            out.push({ type: 'originateFailed', agent: a.extension, actionId: event.callId });
          }
          break;
      }
      return changed(out);
    },
  };
}
