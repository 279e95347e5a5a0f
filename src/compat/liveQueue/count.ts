/**
 * The Live Queue `count` answer over the engine's live statistics (src/stats): the document's
 * keys, the requested fields and the breakdown (docs/compat-live-queue.md for each key's
 * meaning here). Durations are whole seconds.
 */
import type { AgentStatus } from '../../domain/agent.js';
import { isAcdError } from '../../domain/errors.js';
import type { Figures, LiveQueueQuery, LiveStats } from '../../stats/liveStats.js';
import { type TotalFigures, waitingSince } from '../../stats/figures.js';
import type { AcdStore } from '../../store/types.js';
import { invalidFilter } from './errors.js';
import type { CountRequest, Field } from './request.js';

export type FieldValues = Partial<Record<Field, number>>;

export interface LiveQueueData extends FieldValues {
  onB: number;
  onC: number;
  web: number;
  agTc: number;
  size: number;
  grp: string[];
  ag: string[];
  st: string[];
  str: Record<string, number>;
  ctyp: Record<string, number>;
  campId: string[];
  qDura: string[];
  did: string[];
  breakDown: Record<string, FieldValues>;
}

const STATUS_LABEL: Record<AgentStatus, string> = {
  logged_out: 'Logged Out',
  ready: 'Available',
  not_ready: 'On Break',
  reserved: 'Reserved',
  ringing: 'Ringing',
  busy: 'On Call',
  after_call_work: 'After Call Work',
};

/** Waiting callers by wait, seconds. */
const WAIT_BANDS: [label: string, upToS: number][] = [
  ['0-30', 30],
  ['31-60', 60],
  ['61+', Infinity],
];

const seconds = (ms: number) => Math.round(ms / 1000);

function fieldValues(f: TotalFigures & { AC?: number }, fields: Field[]): FieldValues {
  const all: Record<Field, number> = {
    TC: f.TC,
    AC: f.AC ?? 0,
    WT: seconds(f.avgWaitMs * f.answered),
    AT: seconds(f.avgWaitMs),
    AHT: seconds(f.AHT),
    ABT: seconds(f.ABT),
  };
  return Object.fromEntries(fields.map((k) => [k, all[k]]));
}

/** Unknown queue, agent or group, or a bad date range, are invalid filter values (1502). */
async function counted(stats: LiveStats, query: LiveQueueQuery) {
  try {
    return await stats.count(query);
  } catch (err) {
    if (isAcdError(err) && err.code === 'validation' && ['queue', 'agent', 'group', 'from', 'to'].includes(String(err.details?.field))) throw invalidFilter(`filter ${err.message}`);
    throw err;
  }
}

const percentages = (counts: Map<string, number>, total: number): Record<string, number> =>
  Object.fromEntries([...counts].map(([k, n]) => [k, Math.round((100 * n) / total)]));

export async function liveQueueCount(deps: { stats: LiveStats; store: AcdStore }, req: CountRequest, now = Date.now()): Promise<LiveQueueData> {
  const range = { from: req.from, to: req.to };
  const base = await counted(deps.stats, { queue: req.queue, agent: req.agent, group: req.group, ...range, groupBy: req.groupBy, timeZone: req.timeZone });
  const queues = Object.keys(base.queues);
  // The answer lists the agents in scope (`ag`): it reads those (the asked agents, or the asked
  // queues' members), never the tenant's other agents; waits come from the queues' call indexes.
  const [scopeAgents, queueDefs, load] = await Promise.all([
    req.agent ? deps.store.agentsById(req.agent) : deps.store.memberAgents(queues),
    deps.store.listQueues(),
    deps.store.load(queues),
  ]);
  const listed = req.includeInactive ? scopeAgents : scopeAgents.filter((a) => a.status !== 'logged_out');
  const groups = Object.entries(deps.stats.groups)
    .filter(([, members]) => members.some((q) => queues.includes(q)))
    .map(([g]) => g)
    .sort();
  const strategies = new Map<string, number>();
  for (const q of queueDefs.filter((d) => queues.includes(d.id))) strategies.set(q.strategy, (strategies.get(q.strategy) ?? 0) + 1);
  const waitingS = load.queues.flatMap(waitingSince).map((joinedAt) => (now - joinedAt) / 1000);
  const rowFields = req.multi ? req.fields : req.fields.slice(0, 1);

  const breakDown: Record<string, FieldValues> = {};
  if (req.breakDown === 'agentId') {
    for (const a of listed) breakDown[a.id] = fieldValues((await counted(deps.stats, { agent: [a.id], ...range })).overall, rowFields);
  } else if (req.breakDown === 'campId') {
    for (const q of queues) breakDown[q] = fieldValues(base.queues[q]!, rowFields);
  } else if (req.breakDown === 'grp') {
    for (const g of groups) breakDown[g] = fieldValues((await counted(deps.stats, { group: [g], ...range })).overall, rowFields);
  } else {
    for (const point of base.series ?? []) breakDown[point.bucket] = fieldValues(point, rowFields);
  }

  const overall: Figures = base.overall;
  return {
    onB: overall.onB,
    onC: overall.onC,
    web: overall.agTc,
    agTc: scopeAgents.length,
    size: overall.queueSize,
    grp: groups,
    ag: listed.map((a) => a.id),
    st: [...new Set(listed.map((a) => STATUS_LABEL[a.status]))],
    str: percentages(strategies, queues.length),
    // Queue calls are inbound; outbound calls are not in these statistics.
    ctyp: overall.TC > 0 ? { Inbound: 100 } : {},
    campId: queues,
    qDura: WAIT_BANDS.filter(([, upTo], i) => waitingS.some((s) => s <= upTo && (i === 0 || s > WAIT_BANDS[i - 1]![1]))).map(([label]) => label),
    did: [],
    ...fieldValues(overall, req.fields),
    breakDown,
  };
}
