/**
 * Side by side on a real Asterisk 22.10.1 (`../shared/asterisk`): app_queue (its own `Queue()`
 * dialplan, the same members) and our engine under the same load — Local-channel callers arriving
 * at R calls/s into a queue of N Local-channel agents who answer at once and talk T s, no
 * wrap-up. Per run it prints one line: join → bridged p50/p99, failed callers, CPU per call
 * (Asterisk, engine, Redis, from /proc), agent freed → next offer p50/p99 (while callers wait)
 * and caller hung up after the agent p50/p99; after each pair, the engine/app_queue ratios; with
 * `--repeat N`, at the end, per load the medians over the N pairs (a target is judged on these).
 * The standard run makes three pairs at 20 calls/s (its targets are ratios of a p99 over 600
 * callers, which moves between identical pairs: docs/performance.md) and one of each other load.
 * Runs alternate app_queue / engine (A/B interleaved: the machine is shared, figures drift), and a
 * load's successive pairs alternate which one runs first (AB, BA, AB...), so a drift within a pair
 * does not always fall on the same system (since 2026-12-06 23:00).
 *
 *   npm run bench:asterisk                        the three standard loads (issue 12 and 14)
 *   npm run bench:asterisk -- --rate 50 --agents 100 --talk 1 --callers 600 --repeat 2
 *   npm run bench:asterisk -- --only engine       one system only
 *   npm run bench:asterisk -- --only engine --profile .tmp/prof   + a CPU profile of each engine run
 *   npm run bench:asterisk -- --warmup 0          measure from the engine's start (no warm-up)
 *   npm run bench:asterisk -- --warmup 50         the warm-up of the figures before 2026-12-05 12:00
 *   npm run bench:asterisk -- --system-nice=0     the engine and Redis at Asterisk's CPU priority (default -10)
 *   npm run bench:asterisk -- --only engine --rate 20 --callers 600 --kill-every 5
 *                                                 chaos: the engine SIGKILLed every 5 s while callers arrive
 *                                                 (started again at once, as a supervisor would); prints who
 *                                                 was lost, bridged twice, stranded, and the store's invariants
 *
 * Before each measured run, callers go through the same system at the same rate for
 * `--warmup-s` seconds (default 60; `--warmup N`: N callers instead) and are not counted, then
 * the bench waits until the system's processes are quiet (each at most 10 ms of CPU a second
 * over 2 s, at most 45 s): the figures are those of a running system, not of a process that
 * just started. V8 keeps compiling the engine's hot code in background threads for about a
 * minute of load: measured in 15 s windows at 20 calls/s after a 50-caller warm-up, the engine
 * spent 7.2, 5.8, 5.8, 5.4, 5.2 and 5.1 ms of CPU per call (its compiler threads 1.5 → 0.1 ms).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { writeFileSync } from 'node:fs';
import { ACD_CONTEXT, AQ_CONTEXT, ENGINE_LOG, STASIS_TRIES, agentEndpoint, queueOf, cpuMs, freePort, startAsterisk, startEngine, startRedis, stopAsterisk, type AsteriskHandle } from './asteriskKit.js';
import { Observer, percentile, type Steps } from './asteriskObserver.js';
import { commandStats } from './commandStats.js';
import { Redis } from 'ioredis';
import { AriRest, type Query } from '../src/pbx/ari/rest.js';
import { EVENT_LOOP_SAMPLING_MS } from '../src/stats/metrics.js';
import { storeKeys } from '../src/store/keys.js';
import { findViolations } from '../test/helpers/invariants.js';

type System = 'app_queue' | 'engine';

interface Load {
  rate: number;
  agents: number;
  talkS: number;
  callers: number;
  /** Pairs in the standard run (default 1); `--repeat` sets it for every load. */
  pairs?: number;
}

interface RunResult {
  system: System;
  load: Load;
  steps: Steps;
  p50: number;
  p99: number;
  /** Each measured caller's join → bridged (ms), for the p99 pooled over a load's pairs. */
  joinToBridged: number[];
  failed: number;
  left: number;
  cpu: { asterisk: number; engine: number; redis: number };
  freed: { p50: number; p99: number; n: number };
  callerEnd: { p50: number; p99: number; n: number };
  sustained: number;
  /** Engine restarts during the measured run (an exit, e.g. a lost lease, then the bench's restart). */
  restarts: number;
}

const STANDARD_LOADS: Load[] = [
  { rate: 20, agents: 100, talkS: 1, callers: 600, pairs: 3 },
  { rate: 50, agents: 100, talkS: 1, callers: 600 },
  { rate: 10, agents: 10, talkS: 1, callers: 100 },
];
const APP = 'bench-acd';
const HOLD_S = 40;
const SETTLE_TIMEOUT_MS = 60_000;
/** Seconds of the idle CPU sample before each measured run. */
const IDLE_S = 10;

const { values: flags } = parseArgs({
  options: {
    rate: { type: 'string' },
    agents: { type: 'string', default: '100' },
    talk: { type: 'string', default: '1' },
    callers: { type: 'string', default: '600' },
    repeat: { type: 'string' },
    only: { type: 'string' },
    port: { type: 'string' },
    profile: { type: 'string' },
    // Warm-up before each measured run, in seconds of the same load (`--warmup N`: N callers instead).
    'warmup-s': { type: 'string', default: '60' },
    warmup: { type: 'string' },
    // What the callers' phones speak: G.711 like a SIP phone. Without it (`--formats ''`) an ARI
    // originate offers every format and Asterisk picks signed linear at 192 kHz, so each waiting
    // caller's music on hold is resampled 8 → 192 kHz: a cost no real call center has.
    formats: { type: 'string', default: 'ulaw' },
    // The engine's and Redis's CPU priority (CPU_NICE; Redis's set by the bench), each in a
    // session of its own: docs/operations.md's advice for a box shared with Asterisk. `0`: equal
    // to Asterisk's, where they starve under overload (docs/performance.md).
    'system-nice': { type: 'string', default: '-10' },
    // Chaos (engine runs only): SIGKILL the engine every this many seconds while the measured
    // callers arrive; the bench starts it again at once, with the same node id and tenant.
    'kill-every': { type: 'string' },
  },
});

const loads: Load[] = flags.rate
  ? [{ rate: Number(flags.rate), agents: Number(flags.agents), talkS: Number(flags.talk), callers: Number(flags.callers) }]
  : STANDARD_LOADS;
const systems: System[] = flags.only ? [flags.only as System] : ['app_queue', 'engine'];
const talkValues = new Set(loads.map((l) => l.talkS));
if (talkValues.size > 1) throw new Error('one talk time per invocation');
const talkS = loads[0]!.talkS;

/** Progress on stderr, so that stdout holds the result lines only. */
const progress = (msg: string) => process.stderr.write(`bench:asterisk: ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 1 : 0) : '-');

/**
 * The load generator's ARI client: a bounded keep-alive pool (the engine's own REST client).
 * Unbounded, a slow Asterisk made it open connection after connection until Asterisk's 100 HTTP
 * sessions were gone and it refused everyone, the engine included.
 */
const clients = new Map<string, AriRest>();
function ari<T = unknown>(ast: AsteriskHandle, method: 'GET' | 'POST' | 'DELETE', path: string, query?: Query, body?: unknown): Promise<T> {
  let client = clients.get(ast.url);
  if (!client) {
    const [username, password] = ast.auth.split(':');
    client = new AriRest({ url: ast.url, username: username!, password: password!, timeoutMs: 30_000, maxSockets: 8 });
    clients.set(ast.url, client);
  }
  return client.send<T>(`bench.${method}`, method, path, query, body);
}

async function waitUntil(probe: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** What a run left behind, by kind: `Local/q-b100@callers-…;2 Up` counted under `q-b100@callers;2 Up`. */
function leftKinds(channels: { name: string; state: string }[]): string {
  const kinds = new Map<string, number>();
  for (const c of channels) {
    const kind = `${c.name.replace(/^Local\//, '').replace(/-[0-9a-f]+;/, ';').replace(/^[0-9]+(-[0-9]+-[0-9]+)?@/, 'NNNN@')} ${c.state}`;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return [...kinds].map(([kind, n]) => `${n} ${kind}`).join(', ');
}

/** Hangs up whatever a run left behind and returns how many channels that was (-1: Asterisk did not answer). */
async function clearChannels(ast: AsteriskHandle): Promise<number> {
  try {
    // A collapsed Asterisk may take long to answer at all: give it time.
    let channels: { id: string; name: string; state: string }[] = [];
    await waitUntil(() => ari<typeof channels>(ast, 'GET', '/channels').then((c) => ((channels = c), true), () => false), 'channel list', 60_000);
    if (channels.length > 0) progress(`left behind: ${leftKinds(channels)}`);
    await Promise.all(channels.map((c) => ari(ast, 'DELETE', `/channels/${encodeURIComponent(c.id)}`).catch(() => undefined)));
    await waitUntil(() => ari<unknown[]>(ast, 'GET', '/channels').then((c) => c.length === 0, () => false), 'no channels left', 60_000);
    return channels.length;
  } catch (err) {
    progress(`channels not cleared: ${String(err)}`);
    return -1;
  }
}

interface EngineUnderTest {
  /** The engine process running now (a new one after a restart). */
  pid(): number;
  /**
   * CPU ms of the engine's processes so far: the one running now, plus each exited one up to its
   * last reading (sampled every 250 ms, so at most that much of its end is missing).
   */
  cpuMs(): number;
  /** How many times the engine exited during the run and was started again. */
  restarts(): number;
  /** SIGKILLs the engine (chaos); its supervisor starts it again as after any exit. */
  kill(): void;
  /** `acd_ari_request_seconds_count` by operation, from the engine's /metrics. */
  ariRequests(): Promise<Map<string, number>>;
  /** `acd_ari_rest_requests_total` by transport (websocket, http), from the engine's /metrics. */
  ariTransports(): Promise<Map<string, number>>;
  /** How late the engine's event loop was (ms) since the previous call: prom-client resets it at each scrape. */
  loopDelay(): Promise<{ p99: number; max: number }>;
  stop(): Promise<void>;
}

const MAX_ENGINE_RESTARTS = 5;

/** The engine child of the run in progress (stopped on interrupt too). */
let running: EngineUnderTest | undefined;

async function startEngineUnderTest(ast: AsteriskHandle, redisUrl: string, load: Load, run: number): Promise<EngineUnderTest> {
  const httpPort = await freePort();
  const configPath = resolve(import.meta.dirname, `../.tmp/bench-asterisk-config-${run}.json`);
  const agentIds = Array.from({ length: load.agents }, (_, i) => String(1001 + i));
  writeFileSync(
    configPath,
    JSON.stringify({
      queues: [{ id: queueOf(load.agents), ringTimeoutS: 15, wrapupS: 0 }],
      agents: agentIds.map((id, i) => ({ id, endpoint: agentEndpoint(i, load.talkS), queues: [queueOf(load.agents)] })),
    }),
  );
  const [user, password] = ast.auth.split(':');
  const env = {
    ARI_URL: ast.url,
    ARI_USERNAME: user!,
    ARI_PASSWORD: password!,
    ARI_APP: APP,
    REDIS_URL: redisUrl,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(httpPort),
    ACD_CONFIG: configPath,
    ACD_TENANT: `bench${run}`,
    NODE_ID: `bench-${run}`,
    CPU_NICE: flags['system-nice'],
  };
  const start = () => startEngine(env, flags.profile ? resolve(flags.profile) : undefined);
  let engine = start();
  const api = `http://127.0.0.1:${httpPort}/api`;
  const login = async (id: string) => (await fetch(`${api}/agents/${id}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ready":true}' }).catch(() => undefined))?.ok === true;
  await waitUntil(() => login(agentIds[0]!), 'engine HTTP up', 30_000);
  for (const id of agentIds.slice(1)) if (!(await login(id))) throw new Error(`agent ${id} login failed`);
  await waitUntil(() => ari(ast, 'GET', `/applications/${APP}`).then(() => true, () => false), 'engine connected to ARI', 30_000);
  // Empty when the engine is gone (see the exit message below).
  const metricsText = () => fetch(`http://127.0.0.1:${httpPort}/metrics`).then((res) => res.text(), () => '');
  const ariRequests = async () => {
    const text = await metricsText();
    const counts = [...text.matchAll(/^acd_ari_request_seconds_count\{operation="(\w+)",outcome="(\w+)"\} (\d+)/gm)];
    return new Map(counts.map((m) => [m[2] === 'ok' ? m[1]! : `${m[1]} (${m[2]})`, Number(m[3])]));
  };
  const ariTransports = async () => {
    const counts = [...(await metricsText()).matchAll(/^acd_ari_rest_requests_total\{transport="(\w+)"\} (\d+)/gm)];
    return new Map(counts.map((m) => [m[1]!, Number(m[2])]));
  };
  // prom-client's figures include the histogram's sampling interval (metrics.ts): taken off, what is
  // left is how late the loop was (the bench printed ~22 ms for ~2 ms of delay before 2026-12-06 17:45).
  const loopDelay = async () => {
    const text = await metricsText();
    const ms = (name: string) => Number(new RegExp(`^${name} ([\\d.e+-]+)`, 'm').exec(text)?.[1] ?? NaN) * 1000 - EVENT_LOOP_SAMPLING_MS;
    return { p99: ms('nodejs_eventloop_lag_p99_seconds'), max: ms('nodejs_eventloop_lag_max_seconds') };
  };
  // The bench is the engine's supervisor, as docker/compose.yaml's `restart: unless-stopped` is: an
  // engine that ends by itself (a lost lease exits with code 1) is started again with the same node
  // id and tenant, and takes its calls back; the run shows what that recovery costs.
  let stopping = false;
  let restarts = 0;
  let kills = 0;
  let exitedCpu = 0;
  let lastCpu = 0;
  const sampler = setInterval(() => {
    const ms = cpuMs(engine.pid);
    if (!Number.isNaN(ms)) lastCpu = ms;
  }, 250);
  const supervise = (child: typeof engine.child) =>
    child.once('exit', (code, signal) => {
      if (stopping) return;
      // An engine that cannot stay up (a bad set-up) is not restarted for ever.
      if (restarts - kills === MAX_ENGINE_RESTARTS) return progress(`the engine exited again (code ${code}, signal ${signal}): not started again; the figures below are void`);
      restarts++;
      exitedCpu += lastCpu;
      lastCpu = 0;
      progress(`the engine exited during the run (code ${code}, signal ${signal}): started again (restart ${restarts}); the ARI request counts below are the new process's only`);
      engine = start();
      supervise(engine.child);
    });
  supervise(engine.child);
  running = {
    pid: () => engine.pid,
    cpuMs: () => {
      const ms = cpuMs(engine.pid);
      return exitedCpu + (Number.isNaN(ms) ? lastCpu : ms);
    },
    restarts: () => restarts,
    kill: () => {
      kills++;
      engine.child.kill('SIGKILL');
    },
    ariRequests,
    ariTransports,
    loopDelay,
    stop: () => {
      stopping = true;
      clearInterval(sampler);
      return engine.stop();
    },
  };
  return running;
}

/** Calls per Redis command, and µs spent in each, since the server started (`INFO commandstats`). */
async function redisCommandStats(url: string): Promise<{ calls: Map<string, number>; usec: Map<string, number> }> {
  const redis = new Redis(url, { lazyConnect: true });
  try {
    await redis.connect();
    const stats = [...(await commandStats(redis))];
    return { calls: new Map(stats.map(([name, s]) => [name, s.calls])), usec: new Map(stats.map(([name, s]) => [name, s.usec])) };
  } finally {
    redis.disconnect();
  }
}

/** Requests per call of a run, most frequent first: where the engine's round trips go. */
function perCall(what: string, before: Map<string, number>, after: Map<string, number>, callers: number): string {
  const per = [...after].map(([name, n]) => [name, (n - (before.get(name) ?? 0)) / callers] as const).filter(([, n]) => n >= 0.05);
  const total = per.reduce((a, [, n]) => a + n, 0);
  return `${total.toFixed(1)} ${what} per call (${per.sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${n.toFixed(1)}`).join(', ')})`;
}

/** Originates the callers at `rate` per second; resolves with the seconds the sending took, once every originate answered. */
async function placeCallers(ast: AsteriskHandle, endpoint: string, ids: string[], rate: number): Promise<number> {
  const t0 = performance.now();
  const originates: Promise<unknown>[] = [];
  for (let i = 0; i < ids.length; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const query = { endpoint, context: 'callerphone', extension: 's', priority: 1, formats: flags.formats || undefined };
    originates.push(
      ari(ast, 'POST', `/channels/${ids[i]}`, query, { variables: { __HOLD: String(HOLD_S), __ACD_APP: APP } }).catch((err: unknown) => progress(`originate ${ids[i]} failed: ${String(err)}`)),
    );
  }
  const sentS = (performance.now() - t0) / 1000;
  await Promise.all(originates);
  return sentS;
}

/** Waits until each process uses at most 10 ms of CPU a second over 2 s (at most 45 s); returns the ms waited. */
async function waitQuiet(pids: number[]): Promise<number> {
  const t0 = performance.now();
  for (let before = pids.map(cpuMs); performance.now() - t0 < 45_000; ) {
    await sleep(2000);
    const now = pids.map(cpuMs);
    // A process gone (NaN) is quiet.
    if (now.every((ms, i) => !(ms - before[i]! > 20))) break;
    before = now;
  }
  return Math.round(performance.now() - t0);
}

/**
 * Each process's CPU in ms per second over `seconds` with no call: what it costs idle, a cost a
 * run's CPU per call carries (the run's seconds × this, over its callers).
 */
async function idleCpu(pids: number[], seconds: number): Promise<number[]> {
  const before = pids.map(cpuMs);
  await sleep(seconds * 1000);
  return pids.map((pid, i) => (cpuMs(pid) - before[i]!) / seconds);
}

async function runOnce(system: System, load: Load, ast: AsteriskHandle, redis: { pid: number; url: string }, observer: Observer, run: number): Promise<RunResult> {
  progress(`${system} ${load.rate}/s, ${load.agents} agents, ${load.callers} callers`);
  const engine = system === 'engine' ? await startEngineUnderTest(ast, redis.url, load, run) : undefined;
  const endpoint = `Local/q-${queueOf(load.agents)}@${system === 'engine' ? ACD_CONTEXT : AQ_CONTEXT}`;
  const warmup = flags.warmup !== undefined ? Number(flags.warmup) : Math.round(load.rate * Number(flags['warmup-s']));
  if (warmup > 0) {
    observer.reset();
    const warmIds = Array.from({ length: warmup }, (_, i) => `r${run}w${i}`);
    await placeCallers(ast, endpoint, warmIds, load.rate);
    await waitUntil(() => observer.allGone(warmIds.map((id) => `${id};2`)), 'warm-up callers gone', SETTLE_TIMEOUT_MS).catch(() => progress(`warm-up callers still up after ${SETTLE_TIMEOUT_MS} ms`));
  }
  const pids = [ast.pid, redis.pid, ...(engine ? [engine.pid()] : [])];
  const quietMs = await waitQuiet(pids);
  const [astIdle, redisIdle, engineIdle] = (await idleCpu(pids, IDLE_S)).map(fmt);
  progress(`${system}: warm-up ${warmup} callers, quiet after ${quietMs} ms; then idle ${IDLE_S} s: CPU ms/s asterisk ${astIdle}, redis ${redisIdle}${engine ? `, engine ${engineIdle}` : ''}`);
  observer.reset();
  const ids = Array.from({ length: load.callers }, (_, i) => `r${run}c${i}`);
  const callerIds = ids.map((id) => `${id};2`);
  const commands0 = await redisCommandStats(redis.url);
  const requests0 = (await engine?.ariRequests()) ?? new Map<string, number>();
  const transports0 = (await engine?.ariTransports()) ?? new Map<string, number>();
  await engine?.loopDelay();
  const cpu0 = { asterisk: cpuMs(ast.pid), engine: engine?.cpuMs() ?? 0, redis: cpuMs(redis.pid) };
  const restarts0 = engine?.restarts() ?? 0;
  const killEveryS = engine && flags['kill-every'] ? Number(flags['kill-every']) : 0;
  const killer = killEveryS > 0 ? setInterval(() => engine?.kill(), killEveryS * 1000) : undefined;
  const sentS = await placeCallers(ast, endpoint, ids, load.rate);
  clearInterval(killer);
  await waitUntil(() => observer.allGone(callerIds), 'all callers gone', SETTLE_TIMEOUT_MS).catch(() => progress(`callers still up after ${SETTLE_TIMEOUT_MS} ms`));
  const cpu1 = { asterisk: cpuMs(ast.pid), engine: engine?.cpuMs() ?? 0, redis: cpuMs(redis.pid) };
  const restarts = (engine?.restarts() ?? 0) - restarts0;
  const { joinToBridged, failed } = observer.summary(callerIds);
  if (failed > 0) {
    // Which callers, for the engine's log: a failure's cause is looked up there.
    const { neverJoined, hungUp, stillUp } = observer.unbridged(callerIds);
    const waited = hungUp.map((h) => h.waitedMs).sort((a, b) => a - b);
    progress(
      `not bridged: ${neverJoined.length} never joined (${neverJoined.slice(0, 5).join(' ')}), ${hungUp.length} hung up unbridged ` +
        `(waited ${fmt(waited[0] ?? NaN)}-${fmt(waited.at(-1) ?? NaN)} ms; ${hungUp.slice(0, 5).map((h) => h.id).join(' ')}), ${stillUp.length} still up (${stillUp.slice(0, 5).join(' ')})`,
    );
  }
  const steps = observer.steps(callerIds);
  if (killer) await chaosReport(observer, callerIds, redis.url, load, run, (engine?.restarts() ?? 0) - restarts0);
  if (engine) {
    // First: every scrape of /metrics starts the event-loop delay histogram afresh.
    const delay = await engine.loopDelay();
    progress(`engine event-loop delay during the run (beyond its ${EVENT_LOOP_SAMPLING_MS} ms sampling): p99 ${fmt(delay.p99)} ms, max ${fmt(delay.max)} ms`);
    progress(perCall('ARI requests', requests0, await engine.ariRequests(), load.callers));
    progress(perCall('ARI requests by transport', transports0, await engine.ariTransports(), load.callers));
    const commands1 = await redisCommandStats(redis.url);
    progress(perCall('Redis commands', commands0.calls, commands1.calls, load.callers));
    progress(perCall('Redis µs (a script counted with the commands it runs)', commands0.usec, commands1.usec, load.callers));
  }
  await engine?.stop();
  const left = await clearChannels(ast);
  const per = (k: keyof typeof cpu0) => (cpu1[k] - cpu0[k]) / load.callers;
  return {
    system,
    load,
    steps,
    p50: percentile(joinToBridged, 50),
    p99: percentile(joinToBridged, 99),
    joinToBridged,
    failed,
    left,
    cpu: { asterisk: per('asterisk'), engine: per('engine'), redis: per('redis') },
    freed: { p50: percentile(observer.freedToOffer, 50), p99: percentile(observer.freedToOffer, 99), n: observer.freedToOffer.length },
    callerEnd: { p50: percentile(observer.callerAfterAgent, 50), p99: percentile(observer.callerAfterAgent, 99), n: observer.callerAfterAgent.length },
    sustained: load.callers / sentS,
    restarts,
  };
}

/**
 * After a chaos run (`--kill-every`), what the kills cost: callers who found no engine (Stasis()
 * fails at once for an app nobody serves) and got in on a later try of the dialplan, callers who
 * ran out of tries (a real dialplan goes on to its fallback), callers who gave up (their phone's
 * hold time, in a queue the kills made too long), callers lost (in Stasis, never bridged),
 * callers bridged with a second agent (a call that had ended offered again), agents not ready
 * once every caller left (wrap-up 0: all must be), and the store's invariants
 * (test/helpers/invariants.ts).
 */
async function chaosReport(observer: Observer, callerIds: string[], redisUrl: string, load: Load, run: number, restarts: number): Promise<void> {
  const { neverJoined, hungUp, stillUp } = observer.unbridged(callerIds);
  const { waitedIn, ranOut } = observer.engineWaits(callerIds);
  const refused = new Set(ranOut);
  // The caller's phone hangs up HOLD_S after it answered (about when the caller joined): waited that
  // long, it gave up in a queue too long for its agents; before that only the engine hangs it up.
  const gaveUp = hungUp.filter((h) => !refused.has(h.id) && h.waitedMs >= HOLD_S * 1000 - 1500).map((h) => h.id);
  const lost = [...hungUp.map((h) => h.id), ...stillUp].filter((id) => !refused.has(id) && !gaveUp.includes(id));
  const bridged = callerIds.length - neverJoined.length - hungUp.length - stillUp.length;
  const again = observer.bridgedAgain(callerIds);
  const keys = storeKeys(`bench${run}`);
  const redis = new Redis(redisUrl);
  try {
    const agentIds = await redis.smembers(keys.agents);
    const statuses = async () => Promise.all(agentIds.map((id) => redis.hget(keys.agent(id), 'status')));
    // The last call's end reaches the store a moment after its caller left.
    await waitUntil(async () => (await statuses()).every((status) => status === 'ready'), 'every agent ready', 10_000).catch(() => undefined);
    const notReady = new Map<string, string[]>();
    for (const [i, status] of (await statuses()).entries()) if (status !== 'ready') pairsOf(notReady, status ?? 'missing').push(agentIds[i]!);
    const broken = await findViolations(redis, keys);
    console.log(
      `chaos    engine SIGKILLed every ${flags['kill-every']} s, ${restarts} restarts | ${load.callers} callers: ${bridged} bridged (${waitedIn} of them after ` +
        `finding no engine at first), ${refused.size} out of tries (${STASIS_TRIES}, a second apart), ${gaveUp.length} gave up after their ${HOLD_S} s, ` +
        `${neverJoined.length} never joined, **${lost.length} lost** (${lost.slice(0, 5).join(' ')}), ` +
        `**${again.length} bridged again** (${again.slice(0, 5).join(' ')}) | agents not ready at the end: ${[...notReady].map(([st, ids]) => `${ids.length} ${st} (${ids.slice(0, 3).join(' ')})`).join(', ') || 'none'} of ${agentIds.length} | ` +
        `store invariants: ${broken.length === 0 ? 'ok' : `${broken.length} broken`}`,
    );
    for (const problem of broken.slice(0, 20)) progress(`invariant broken: ${problem}`);
  } finally {
    redis.disconnect();
  }
}

function line(r: RunResult): string {
  const total = r.cpu.asterisk + r.cpu.engine + r.cpu.redis;
  const l = r.load;
  return (
    `${r.system.padEnd(9)} ${l.rate}/s ${l.agents} agents talk ${l.talkS}s ${l.callers} callers | ` +
    `join→bridged p50 ${fmt(r.p50)} p99 ${fmt(r.p99)} ms | failed ${r.failed} left ${r.left}${r.restarts > 0 ? ` | engine restarted ${r.restarts}×` : ''} | ` +
    `cpu/call ${fmt(total)} ms (ast ${fmt(r.cpu.asterisk)} eng ${fmt(r.cpu.engine)} redis ${fmt(r.cpu.redis)}) | ` +
    `freed→offer p50 ${fmt(r.freed.p50)} p99 ${fmt(r.freed.p99)} ms (n ${r.freed.n}) | ` +
    `caller end after agent p50 ${fmt(r.callerEnd.p50)} p99 ${fmt(r.callerEnd.p99)} ms`
  );
}

/** Where join → bridged goes, by Asterisk's timestamps (ms resolution: each step ±1 ms). */
function stepsLine(s: Steps): string {
  const step = (name: string, v: number[]) => `${name} ${fmt(percentile(v, 50))}/${fmt(percentile(v, 99))}`;
  return (
    `  steps p50/p99 ms: ${step('join→leg created', s.joinToLegCreated)}, ${step('→dialed', s.legCreatedToDial)}, ` +
    `${step('→agent answered', s.dialToAnswer)}, ${step('→bridged', s.answerToBridged)} (n ${s.joinToLegCreated.length})`
  );
}

const totalCpu = (r: RunResult) => r.cpu.asterisk + r.cpu.engine + r.cpu.redis;
// A side without samples (no agent freed while callers waited) has no ratio.
const ratio = (a: number, b: number) => (Number.isFinite(a) && b > 0 ? `${(a / b).toFixed(2)}×` : '-');

function pairsOf<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

/**
 * With `--repeat N`: per load, the medians over the N pairs of each system's p99 and CPU per call
 * and their ratios. A single pair's ratio moves with the box (app_queue's own p99 at 20 calls/s
 * measured 7-14 ms, its CPU per call at 50 calls/s 7.9-11 ms), so a target is judged on these.
 * Also the p99 of all the pairs' callers pooled: a p99 of 600 callers is their 6th slowest, of
 * N × 600 a figure that moves less (shown beside the medians, not instead).
 */
function medianRatios(load: Load, done: [RunResult, RunResult][]): string {
  const median = (pick: (r: RunResult) => number, side: 0 | 1) => percentile(done.map((pair) => pick(pair[side])), 50);
  const pooled = (side: 0 | 1) => percentile(done.flatMap((pair) => pair[side].joinToBridged), 99);
  const [p99e, p99a] = [median((r) => r.p99, 0), median((r) => r.p99, 1)];
  const [pooledE, pooledA] = [pooled(0), pooled(1)];
  const [cpue, cpua] = [median(totalCpu, 0), median(totalCpu, 1)];
  return (
    `  median of ${done.length} pairs at ${load.rate}/s: join→bridged p99 engine ${fmt(p99e)} app_queue ${fmt(p99a)} ms (${ratio(p99e, p99a)}) | ` +
    `cpu/call engine ${fmt(cpue)} app_queue ${fmt(cpua)} ms (${ratio(cpue, cpua)}) | ` +
    `p99 of all ${done.length} pairs' callers pooled: engine ${fmt(pooledE)} app_queue ${fmt(pooledA)} ms (${ratio(pooledE, pooledA)})`
  );
}

function ratios(engine: RunResult, aq: RunResult): string {
  return (
    `  ratios engine/app_queue: join→bridged p50 ${ratio(engine.p50, aq.p50)} p99 ${ratio(engine.p99, aq.p99)} | ` +
    `cpu/call ${ratio(totalCpu(engine), totalCpu(aq))} | freed→offer p50 ${ratio(engine.freed.p50, aq.freed.p50)} p99 ${ratio(engine.freed.p99, aq.freed.p99)} | ` +
    `failed ${engine.failed} vs ${aq.failed}`
  );
}

async function main(): Promise<void> {
  const port = flags.port ? Number(flags.port) : await freePort();
  const dir = resolve(import.meta.dirname, '../.tmp/bench-asterisk');
  progress(`starting Asterisk in ${dir} on port ${port}; the engine's log goes to ${ENGINE_LOG}`);
  const ast = startAsterisk(dir, port, loads.map((l) => l.agents), talkS);
  // One bench's log at a time (.tmp exists now), unless the caller named the file (it may collect several).
  if (!process.env.BENCH_ENGINE_LOG) writeFileSync(ENGINE_LOG, '');
  const redisPort = await freePort();
  const redis = startRedis(redisPort, Number(flags['system-nice']));
  // Measured (`r<run>c<n>`) and warm-up (`r<run>w<n>`) callers: the warm-up waits for its own to be gone.
  const observer = new Observer(ast.url, ast.auth, (id) => /^r\d+[cw]\d+;2$/.test(id));
  let run = 0;
  // Interrupted: still stop what this run started (Asterisk, redis-server; the engine child gets the signal too).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void running?.stop();
      void redis.stop();
      stopAsterisk(dir);
      process.exit(130);
    });
  }
  try {
    await observer.start();
    await clearChannels(ast);
    console.log(`Asterisk pid ${ast.pid} on ${ast.url}, redis pid ${redis.pid}; engine and Redis at nice ${flags['system-nice']}; load avg ${loadavg().map((n) => n.toFixed(1)).join(' ')}`);
    const pairs = new Map<Load, [engine: RunResult, appQueue: RunResult][]>();
    const pairsFor = (load: Load) => (flags.repeat ? Number(flags.repeat) : (load.pairs ?? 1));
    const rounds = Math.max(...loads.map(pairsFor));
    for (let rep = 0; rep < rounds; rep++) {
      for (const load of loads.filter((l) => rep < pairsFor(l))) {
        const results = new Map<System, RunResult>();
        // A load's pairs alternate the order (app_queue first, then engine first, ...): the box's
        // speed drifts between the two runs of a pair, and a fixed order would hand that drift to
        // the same system every time.
        for (const system of rep % 2 === 1 ? [...systems].reverse() : systems) {
          const r = await runOnce(system, load, ast, { pid: redis.pid, url: `redis://127.0.0.1:${redisPort}` }, observer, run++);
          results.set(system, r);
          console.log(line(r));
          console.log(stepsLine(r.steps));
        }
        const e = results.get('engine');
        const a = results.get('app_queue');
        if (e && a) {
          console.log(ratios(e, a));
          pairsOf(pairs, load).push([e, a]);
        }
      }
    }
    for (const [load, done] of pairs) if (done.length > 1) console.log(medianRatios(load, done));
  } finally {
    for (const client of clients.values()) client.close();
    observer.stop();
    // A run that failed may leave its engine up (in a session of its own: no signal reaches it).
    await running?.stop();
    await redis.stop();
    stopAsterisk(dir);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
