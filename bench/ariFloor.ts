/**
 * The least an ARI application can do for the bench's calls: what the engine costs beyond it is
 * ours to cut, what it costs itself is not (docs/performance.md, "The floor"). Not the engine and
 * not a test: started by `bench/asterisk.ts` in the engine's place when `BENCH_ENGINE_SCRIPT`
 * names this file, with the engine's environment (ARI_*, HTTP_PORT, ACD_CONFIG, REDIS_URL).
 *
 * It makes the engine's ARI requests for a call and no other: the same event filter, REST over
 * the event WebSocket, a pooled bridge, one originate into the app (`agent,<agent>,<call>`, the
 * caller as originator, its number, the ring timeout), one addChannel of both parties once the leg
 * answered, the caller hung up after the agent's hang-up. Agents are picked least recently freed,
 * in memory; no statistics, no events, no logs. `FLOOR_REDIS_TRIPS=N` (0-4, default 0) adds N of
 * the engine's four round trips to Redis per call (entry, ringing, connect, end), each one `EVAL`
 * of a one-command script, so their cost can be told from the scripts' work.
 */
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { HANDLED_ARI_EVENT_TYPES } from '../src/pbx/ari/normalize-event.js';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const app = env('ARI_APP');
const config = JSON.parse(readFileSync(env('ACD_CONFIG'), 'utf8')) as { queues: { ringTimeoutS: number }[]; agents: { id: string; endpoint: string }[] };
const endpoints = new Map(config.agents.map((a) => [a.id, a.endpoint]));
const ringTimeoutS = config.queues[0]!.ringTimeoutS;
const trips = Number(process.env.FLOOR_REDIS_TRIPS ?? 0);
const redis = trips > 0 ? new Redis(env('REDIS_URL')) : undefined;
const TRIP = "return redis.call('HINCRBY', KEYS[1], ARGV[1], 1)";
/** One round trip of the engine's four (`step` 1-4), when FLOOR_REDIS_TRIPS asks for it (one counter hash: no key left per call). */
const trip = async (step: number) => {
  if (redis && step <= trips) await redis.eval(TRIP, 1, 'floor:trips', `s${step}`);
};

interface Call {
  id: string;
  caller: string;
  number: string;
  agent?: string;
  leg?: string;
  bridge?: string;
}

const free: string[] = [];
const waiting: Call[] = [];
const calls = new Map<string, Call>();
/** Calls by their agent leg. */
const byLeg = new Map<string, Call>();
const bridges: string[] = [];
let next = 0;

const ariUrl = new URL(env('ARI_URL'));
const ws = new WebSocket(`ws://${ariUrl.host}/ari/events?app=${encodeURIComponent(app)}&subscribeAll=false`, {
  headers: { authorization: `Basic ${Buffer.from(`${env('ARI_USERNAME')}:${env('ARI_PASSWORD')}`).toString('base64')}` },
});
const pending = new Map<string, (status: number) => void>();
function rest(method: string, uri: string, query: Record<string, string | number> = {}, body?: unknown): Promise<number> {
  const id = `f${(next += 1)}`;
  const message: Record<string, unknown> = { type: 'RESTRequest', request_id: id, method, uri, query_strings: Object.entries(query).map(([name, value]) => ({ name, value: String(value) })) };
  if (body !== undefined) Object.assign(message, { content_type: 'application/json', message_body: JSON.stringify(body) });
  return new Promise((resolve) => {
    pending.set(id, resolve);
    ws.send(JSON.stringify(message));
  });
}

async function offer(call: Call, agent: string): Promise<void> {
  call.agent = agent;
  call.leg = `floor-agent-${(next += 1)}`;
  const pooled = bridges.pop();
  call.bridge = pooled ?? `floor-bridge-${(next += 1)}`;
  byLeg.set(call.leg, call);
  const [status] = await Promise.all([
    rest('POST', 'channels', { endpoint: endpoints.get(agent)!, app, appArgs: `agent,${agent},${call.id}`, channelId: call.leg, originator: call.caller, callerId: call.number, timeout: ringTimeoutS }),
    pooled === undefined ? rest('POST', `bridges/${call.bridge}`, { type: 'mixing' }) : undefined,
    trip(2),
  ]);
  if (status >= 300) agentFree(call);
}

function agentFree(call: Call): void {
  if (call.leg) byLeg.delete(call.leg);
  if (call.bridge) bridges.push(call.bridge);
  const agent = call.agent;
  call.agent = call.leg = call.bridge = undefined;
  if (agent === undefined) return;
  const waiter = waiting.shift();
  if (waiter) void offer(waiter, agent);
  else free.push(agent);
}

interface AriEvent {
  type: string;
  request_id?: string;
  status_code?: number;
  args?: string[];
  channel?: { id: string; caller?: { number?: string } };
}

async function onEvent(e: AriEvent): Promise<void> {
  if (e.type === 'RESTResponse') {
    pending.get(e.request_id!)?.(e.status_code ?? 0);
    pending.delete(e.request_id!);
    return;
  }
  const channelId = e.channel?.id;
  if (channelId === undefined) return;
  if (e.type === 'StasisStart') {
    const leg = byLeg.get(channelId);
    if (leg) {
      await Promise.all([rest('POST', `bridges/${leg.bridge}/addChannel`, { channel: `${leg.caller},${channelId}` }), trip(3)]);
      return;
    }
    if (e.args?.[0] === 'agent') return;
    const call: Call = { id: `floor-call-${(next += 1)}`, caller: channelId, number: e.channel?.caller?.number ?? '' };
    calls.set(channelId, call);
    await trip(1);
    const agent = free.shift();
    if (agent === undefined) waiting.push(call);
    else await offer(call, agent);
    return;
  }
  if (e.type !== 'StasisEnd' && e.type !== 'ChannelDestroyed') return;
  const leg = byLeg.get(channelId);
  if (leg) {
    // The agent hung up (or its phone never answered): the caller's call is over.
    agentFree(leg);
    calls.delete(leg.caller);
    await Promise.all([rest('DELETE', `channels/${leg.caller}`), trip(4)]);
    return;
  }
  const call = calls.get(channelId);
  if (!call) return;
  calls.delete(channelId);
  const at = waiting.indexOf(call);
  if (at >= 0) waiting.splice(at, 1);
  if (call.leg) await rest('DELETE', `channels/${call.leg}`);
}

ws.on('open', () => {
  void rest('PUT', `applications/${app}/eventFilter`, {}, { allowed: [...HANDLED_ARI_EVENT_TYPES, 'RESTResponse'].map((type) => ({ type })) });
});
ws.on('message', (data) => {
  void onEvent(JSON.parse(String(data)) as AriEvent).catch((err: unknown) => process.stderr.write(`floor: ${String(err)}\n`));
});
ws.on('close', () => process.exit(1));

// What the bench asks of the engine's HTTP side: agent logins (all ready), and /metrics (none).
const http = createServer((req, res) => {
  const login = /^\/api\/agents\/([^/]+)\/login$/.exec(req.url ?? '');
  if (req.method === 'POST' && login && endpoints.has(login[1]!)) {
    if (!free.includes(login[1]!)) free.push(login[1]!);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  } else {
    res.writeHead(req.url === '/metrics' ? 200 : 404).end('');
  }
});
http.listen(Number(env('HTTP_PORT')), '127.0.0.1');
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
