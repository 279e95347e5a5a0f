/**
 * Live Queue figures (pure): counters summed over hour buckets become totals and ratios; agent
 * and call snapshots become the live part. Names follow the Live Queue API: onB (agents on
 * break), onC (on call), agTc (logged in), TC (calls offered), AC (active calls), AHT (average
 * handle time = talk + wrap-up per completed call), ABT (average break time).
 */
import type { AgentSnapshot } from '../domain/agent.js';
import type { CallSnapshot } from '../domain/call.js';
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

/** `queue` = summed queue counters; `agent` = summed counters of the agents in scope. */
export function totals(queue: Counters, agent: Counters): TotalFigures {
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

export function liveFigures(agents: AgentSnapshot[], calls: CallSnapshot[], now: number): LiveFigures {
  const waiting = calls.filter((call) => call.state === 'waiting');
  const count = (status: AgentSnapshot['status']) => agents.filter((a) => a.status === status).length;
  return {
    onB: count('not_ready'),
    onC: count('busy'),
    agTc: agents.filter((a) => a.status !== 'logged_out').length,
    ready: count('ready'),
    wrapup: count('after_call_work'),
    queueSize: waiting.length,
    longestWaitMs: waiting.reduce((max, call) => Math.max(max, now - call.joinedAt), 0),
    AC: calls.filter((call) => call.state !== 'waiting').length,
  };
}
