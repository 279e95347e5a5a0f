/**
 * The statistics aggregates in Redis, under the tenant's hash tag:
 *
 *   stats:pos                 id of the last event applied (idempotence: an event at or before it is skipped)
 *   stats:marks               hash agent → AgentMark JSON
 *   stats:<q|a>:<id>:h:<hour> hash of counters for one hour bucket
 *   stats:<q|a>:<id>:hours    zset of the buckets that exist (range reads, reset)
 *   stats:<q|a>:<id>:total    hash of all-time counters (Prometheus)
 *
 * `apply` is one Lua script for a batch of events in stream order: the position check, the
 * counters and the new position commit together, so a replay after a crash or a second engine
 * instance never counts an event twice; a batch costs one round trip, not one per event.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AgentMark, Projection } from './projection.js';

export type Counters = Record<string, number>;

export interface ProjectedEvent {
  eventId: string;
  projection: Projection;
}

export interface BucketRow {
  id: string;
  hour: number;
  counters: Counters;
}

export interface StatsStore {
  position(): Promise<string>;
  marks(): Promise<Map<string, AgentMark>>;
  /** Applies the events after the stored position, in order; how many that was (the others were applied already). */
  apply(batch: ProjectedEvent[]): Promise<number>;
  buckets(kind: 'q' | 'a', ids: string[], fromMs: number, toMs: number): Promise<BucketRow[]>;
  totals(kind: 'q' | 'a', ids: string[]): Promise<Map<string, Counters>>;
  reset(kind: 'q' | 'a', id: string): Promise<void>;
}

const APPLY = `
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  if not ms then ms, seq = id, '0' end
  return tonumber(ms), tonumber(seq)
end
local pms, pseq = parse(redis.call('GET', KEYS[1]) or '0-0')
local prefix = ARGV[1]
local applied, last = 0, nil
-- The batch's changes are summed first and written once per counter: one HINCRBY per hour
-- bucket and per total field, one ZADD per bucket, one HSET of the last mark of each agent
-- (a batch's events share their queue's counters: 17 commands fewer per call at 50 calls/s).
local sums, order, hours, hourOrder, marks, markOrder = {}, {}, {}, {}, {}, {}
local function add(key, field, by)
  local k = key .. '\\0' .. field
  if sums[k] == nil then sums[k] = 0; order[#order + 1] = { key, field, k } end
  sums[k] = sums[k] + by
end
-- Per event: id, hour, mark agent ('' = none), mark JSON, increment count, then 4 per increment.
local i = 2
while i <= #ARGV do
  local id, hour, n = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 4])
  local first, stop = i + 5, i + 5 + 4 * n
  local ems, eseq = parse(id)
  if ems > pms or (ems == pms and eseq > pseq) then
    local agent = ARGV[i + 2]
    if agent ~= '' then
      if marks[agent] == nil then markOrder[#markOrder + 1] = agent end
      marks[agent] = ARGV[i + 3]
    end
    for j = first, stop - 1, 4 do
      local base = prefix .. 'stats:' .. ARGV[j] .. ':' .. ARGV[j + 1]
      local by = tonumber(ARGV[j + 3])
      add(base .. ':h:' .. hour, ARGV[j + 2], by)
      add(base .. ':total', ARGV[j + 2], by)
      local bucket = base .. '\\0' .. hour
      if not hours[bucket] then hours[bucket] = true; hourOrder[#hourOrder + 1] = { base .. ':hours', hour } end
    end
    pms, pseq, last, applied = ems, eseq, id, applied + 1
  end
  i = stop
end
for _, agent in ipairs(markOrder) do redis.call('HSET', KEYS[2], agent, marks[agent]) end
for _, c in ipairs(order) do redis.call('HINCRBY', c[1], c[2], string.format('%d', sums[c[3]])) end
for _, h in ipairs(hourOrder) do redis.call('ZADD', h[1], 'NX', h[2], h[2]) end
if last then redis.call('SET', KEYS[1], last) end
return applied
`;

const APPLY_SHA = createHash('sha1').update(APPLY).digest('hex');

/** EVALSHA, and EVAL (which caches the script) only when Redis does not know it yet: the script text is not sent per event. */
async function runApply(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(APPLY_SHA, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return redis.eval(APPLY, keys.length, ...keys, ...args);
  }
}

const toCounters = (hash: Record<string, string>): Counters => Object.fromEntries(Object.entries(hash).map(([k, v]) => [k, Number(v)]));

export function createStatsStore(redis: Redis, prefix: string): StatsStore {
  const posKey = `${prefix}stats:pos`;
  const marksKey = `${prefix}stats:marks`;
  const base = (kind: string, id: string) => `${prefix}stats:${kind}:${id}`;

  return {
    async position() {
      return (await redis.get(posKey)) ?? '0-0';
    },
    async marks() {
      const raw = await redis.hgetall(marksKey);
      return new Map(Object.entries(raw).map(([agent, json]) => [agent, JSON.parse(json) as AgentMark]));
    },
    async apply(batch) {
      if (batch.length === 0) return 0;
      const args: (string | number)[] = [prefix];
      for (const { eventId, projection: { hour, increments, mark } } of batch) {
        args.push(eventId, hour, mark?.agentId ?? '', mark ? JSON.stringify(mark.mark) : '', increments.length);
        for (const inc of increments) args.push(inc.kind, inc.id, inc.field, Math.round(inc.by));
      }
      return Number(await runApply(redis, [posKey, marksKey], args));
    },
    async buckets(kind, ids, fromMs, toMs) {
      const hourLists = await Promise.all(ids.map((id) => redis.zrangebyscore(`${base(kind, id)}:hours`, fromMs - (fromMs % 3_600_000), toMs)));
      const wanted = ids.flatMap((id, i) => hourLists[i]!.map((hour) => ({ id, hour: Number(hour) })));
      if (wanted.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const w of wanted) pipeline.hgetall(`${base(kind, w.id)}:h:${w.hour}`);
      const replies = (await pipeline.exec()) ?? [];
      return wanted.map((w, i) => ({ ...w, counters: toCounters(replies[i]![1] as Record<string, string>) }));
    },
    async totals(kind, ids) {
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hgetall(`${base(kind, id)}:total`);
      const replies = (await pipeline.exec()) ?? [];
      return new Map(ids.map((id, i) => [id, toCounters(replies[i]![1] as Record<string, string>)]));
    },
    async reset(kind, id) {
      const hours = await redis.zrange(`${base(kind, id)}:hours`, '0', '-1');
      await redis.del(`${base(kind, id)}:hours`, `${base(kind, id)}:total`, ...hours.map((h) => `${base(kind, id)}:h:${h}`));
    },
  };
}
