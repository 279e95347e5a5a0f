/**
 * Live Queue figures (pure): counters summed over hour buckets become totals and ratios; agent
 * and call snapshots become the live part. Names follow the Live Queue API: onB (agents on
 * break), onC (on call), agTc (logged in), TC (calls offered), AC (active calls), AHT (average
 * handle time = talk + wrap-up per completed call), ABT (average break time).
 */
import { AGENT_STATUSES, type AgentSnapshot } from '../domain/agent.js';
import type { CallSnapshot } from '../domain/call.js';
import type { StatusCounts } from '../store/countOps.js';
import type { Counters } from './statsStore.js';

export interface LiveFigures {
  onB: number;
  onC: number;
  agTc: number;
  ready: number;
  wrapup: number;
  queueSize: number;
  longestWaitMs: number;
  AC: number;
}

export interface TotalFigures {
  TC: number;
  answered: number;
  abandoned: number;
  avgWaitMs: number;
  AHT: number;
  ABT: number;
  /** answered within the threshold / answered, 0..1 (0 when nothing was answered). */
  serviceLevel: number;
  /** answered within the threshold / (answered + abandoned). */
  serviceLevelWithAbandons: number;
}

export const sum = (rows: Counters[]): Counters => {
  const out: Counters = {};
  for (const row of rows) for (const [k, v] of Object.entries(row)) out[k] = (out[k] ?? 0) + v;
  return out;
};

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
const c = (counters: Counters, k: string) => counters[k] ?? 0;

/** `queue` = summed queue counters (breaks of their members included, see projection.ts); `agent` = of the agents in scope. */
export function totals(queue: Counters, agent: Counters = queue): TotalFigures {
  const answered = c(queue, 'answered');
  const abandoned = c(queue, 'abandoned');
  return {
    TC: c(queue, 'offered'),
    answered,
    abandoned,
    avgWaitMs: Math.round(ratio(c(queue, 'waitMsAnswered'), answered)),
    AHT: Math.round(ratio(c(queue, 'talkMs') + c(queue, 'wrapupMs'), c(queue, 'completed'))),
    ABT: Math.round(ratio(c(agent, 'breakMs'), c(agent, 'breaks'))),
    serviceLevel: ratio(c(queue, 'answeredInSl'), answered),
    serviceLevelWithAbandons: ratio(c(queue, 'answeredInSl'), answered + abandoned),
  };
}

/** Totals of agents alone (an agent filter): their own answered calls and handle time. */
export function agentTotals(agent: Counters): TotalFigures {
  const answered = c(agent, 'answered');
  return {
    ...totals({}, agent),
    TC: answered,
    answered,
    AHT: Math.round(ratio(c(agent, 'talkMs') + c(agent, 'wrapupMs'), c(agent, 'completed'))),
  };
}

type CallFigure = Pick<CallSnapshot, 'state' | 'joinedAt'>;

/** Callers in the queue not yet connected to an agent (waiting or ringing one): app_queue's count. */
export const callersInQueue = ({ calls }: { calls: CallFigure[] }): number => calls.filter((call) => call.state !== 'connected').length;

/** When each waiting caller joined, the longest waiting first. */
export const waitingSince = ({ calls }: { calls: CallFigure[] }): number[] =>
  calls
    .filter((call) => call.state === 'waiting')
    .map((call) => call.joinedAt)
    .sort((a, b) => a - b);

/** Agent snapshots counted by status (a filtered scope; whole queues come counted from the store). */
export function statusCounts(agents: AgentSnapshot[]): StatusCounts {
  const counts = Object.fromEntries(AGENT_STATUSES.map((s) => [s, 0])) as StatusCounts;
  for (const a of agents) counts[a.status] += 1;
  return counts;
}

export function liveFigures(agents: StatusCounts, calls: CallFigure[], now: number): LiveFigures {
  const waiting = waitingSince({ calls });
  return {
    onB: agents.not_ready,
    onC: agents.busy,
    agTc: AGENT_STATUSES.reduce((n, s) => n + (s === 'logged_out' ? 0 : agents[s]), 0),
    ready: agents.ready,
    wrapup: agents.after_call_work,
    queueSize: waiting.length,
    longestWaitMs: waiting.length > 0 ? Math.max(0, now - waiting[0]!) : 0,
    AC: calls.length - waiting.length,
  };
}
