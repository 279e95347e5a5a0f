/**
 * The engine's events as app_queue's queue_log lines:
 *   time|callid|queuename|agent|event|data1|data2|...
 * with app_queue's field order and meanings (times in seconds unless app_queue uses ms):
 *   ENTERQUEUE      url|callerid|position
 *   CONNECT         holdtime|agent channel uniqueid|ringtime
 *   COMPLETECALLER  holdtime|calltime|origposition       (caller hung up)
 *   COMPLETEAGENT   holdtime|calltime|origposition       (agent hung up)
 *   BLINDTRANSFER   extension|context|holdtime|calltime|origposition
 *   ATTENDEDTRANSFER method|detail|holdtime|calltime|origposition
 *   ABANDON         position|origposition|waittime
 *   EXITWITHTIMEOUT position|origposition|waittime
 *   EXITEMPTY       position|origposition|waittime
 *   EXITWITHKEY     key|position|origposition|waittime   (key: the queue's exit key)
 *   WITHDRAW        position|origposition|waittime|info
 *   RINGNOANSWER    ringtime (ms)
 *   RINGCANCELED    ringtime (ms)     (also before ABANDON when the caller hangs up while an agent rings)
 *   (RINGNOANSWER is also written before EXITWITHTIMEOUT when the caller times out while an agent rings.)
 *   ADDMEMBER / REMOVEMEMBER (callid NONE), PAUSE / UNPAUSE reason (callid NONE),
 *   PAUSEALL / UNPAUSEALL reason (queue NONE: an agent's not-ready applies to all its queues).
 * `agent` is the agent id (app_queue's member name). The engine does not track a caller's
 * current position at exit: `position` is written as its original position.
 */
import type { AcdEvent } from '../domain/events.js';

export interface QueueLogLine {
  /** Epoch seconds. */
  time: number;
  callId: string;
  queue: string;
  agent: string;
  event: string;
  data: (string | number)[];
}

/** What the export keeps per call between its events (restored from the checkpoint after a restart). */
export interface CallMemory {
  origPosition: number;
  agentChannel?: string;
  /** The agent now ringing and since when (epoch ms); gone once it answers or gives up. */
  ringing?: { agentId: string; since: number };
}

export type CallMemories = Record<string, CallMemory>;

const seconds = (ms: number) => Math.round(ms / 1000);
const NONE = 'NONE';

/**
 * The lines for one event; updates `calls` (entered, ringing, finished). `exitKeys`: the exit key
 * of each queue an EXITWITHKEY event names (the event does not carry the digit; it can only be the
 * queue's exit key).
 */
export function queueLogLines(e: AcdEvent, calls: CallMemories, exitKeys: Record<string, string> = {}): QueueLogLine[] {
  const time = Math.floor(e.ts / 1000);
  const line = (callId: string, queue: string, agent: string, event: string, ...data: (string | number)[]): QueueLogLine[] => [{ time, callId, queue, agent, event, data }];
  const origOf = (callId: string) => calls[callId]?.origPosition ?? 0;
  const done = (callId: string) => delete calls[callId];
  // A caller leaving while an agent rings: app_queue first ends that ring with its own line
  // (RINGCANCELED on abandon, RINGNOANSWER on timeout; seen on Asterisk 22, test/asterisk/queueLog.test.ts).
  const endRing = (callId: string, queue: string, event: string) => {
    const ringing = calls[callId]?.ringing;
    return ringing ? line(callId, queue, ringing.agentId, event, e.ts - ringing.since) : [];
  };
  switch (e.type) {
    case 'QueueCallerJoin':
      calls[e.callId] = { origPosition: e.position };
      return line(e.callId, e.queue, NONE, 'ENTERQUEUE', '', e.callerNumber, e.position);
    case 'AgentCalled':
      if (calls[e.callId]) Object.assign(calls[e.callId]!, { agentChannel: e.agentChannel, ringing: { agentId: e.agentId, since: e.ts } });
      return [];
    case 'AgentConnect':
      delete calls[e.callId]?.ringing;
      return line(e.callId, e.queue, e.agentId, 'CONNECT', seconds(e.waitMs), calls[e.callId]?.agentChannel ?? '', seconds(e.ringMs));
    case 'AgentRingNoAnswer':
      delete calls[e.callId]?.ringing;
      return line(e.callId, e.queue, e.agentId, /cancel/i.test(e.cause) ? 'RINGCANCELED' : 'RINGNOANSWER', e.ringMs);
    case 'AgentComplete': {
      const orig = origOf(e.callId);
      done(e.callId);
      const event = e.reason === 'completeagent' ? 'COMPLETEAGENT' : e.reason === 'completecaller' ? 'COMPLETECALLER' : undefined;
      if (event) return line(e.callId, e.queue, e.agentId, event, seconds(e.waitMs), seconds(e.talkMs), orig);
      if (e.reason === 'transfer') return line(e.callId, e.queue, e.agentId, 'BLINDTRANSFER', '', '', seconds(e.waitMs), seconds(e.talkMs), orig);
      return line(e.callId, e.queue, e.agentId, 'COMPLETEAGENT', seconds(e.waitMs), seconds(e.talkMs), orig);
    }
    case 'QueueCallerAbandon': {
      const orig = origOf(e.callId);
      const canceled = endRing(e.callId, e.queue, 'RINGCANCELED');
      done(e.callId);
      return [...canceled, ...line(e.callId, e.queue, NONE, 'ABANDON', orig, orig, seconds(e.waitMs))];
    }
    case 'QueueCallerLeave': {
      const orig = origOf(e.callId);
      const wait = seconds(e.waitMs);
      const unanswered = e.reason === 'TIMEOUT' ? endRing(e.callId, e.queue, 'RINGNOANSWER') : [];
      done(e.callId);
      switch (e.reason) {
        case 'TIMEOUT':
          return [...unanswered, ...line(e.callId, e.queue, NONE, 'EXITWITHTIMEOUT', orig, orig, wait)];
        case 'LEAVEEMPTY':
        case 'JOINEMPTY':
          return line(e.callId, e.queue, NONE, 'EXITEMPTY', orig, orig, wait);
        case 'EXITWITHKEY':
          return line(e.callId, e.queue, NONE, 'EXITWITHKEY', exitKeys[e.queue] ?? '', orig, orig, wait);
        case 'WITHDRAW':
          return line(e.callId, e.queue, NONE, 'WITHDRAW', orig, orig, wait, '');
        default:
          // Overflow (a QueueCallerJoin in the next queue follows), callback, transfer: app_queue writes no exit line.
          return [];
      }
    }
    case 'QueueMemberAdded':
      return line(NONE, e.queue, e.agentId, 'ADDMEMBER', e.paused ? 'PAUSED' : '');
    case 'QueueMemberRemoved':
      return line(NONE, e.queue, e.agentId, 'REMOVEMEMBER', '');
    case 'QueueMemberPause':
      return line(NONE, e.queue, e.agentId, e.paused ? 'PAUSE' : 'UNPAUSE', e.reason);
    case 'AgentStatus':
      if (e.status === 'not_ready' && e.previous !== 'not_ready') return line(NONE, NONE, e.agentId, 'PAUSEALL', e.reason);
      if (e.previous === 'not_ready' && e.status !== 'not_ready' && e.status !== 'logged_out') return line(NONE, NONE, e.agentId, 'UNPAUSEALL', '');
      return [];
    default:
      return [];
  }
}

/** One line of the queue_log file; `|` and line breaks in values would break the format and become spaces. */
export function formatQueueLogLine(l: QueueLogLine): string {
  const clean = (v: string | number) => String(v).replace(/[|\r\n]/g, ' ');
  return [l.time, l.callId, l.queue, l.agent, l.event, ...l.data].map(clean).join('|');
}
