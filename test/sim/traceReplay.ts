/**
 * Replays a recorded Asterisk trace against the simulator and reduces both sides to comparable
 * form. Comparison is per subject (a channel, a playback, a recording, a bridge) in order: across
 * subjects Asterisk's interleaving depends on thread timing (two halves of a Local channel, a REST
 * reply versus the events it causes), so only each subject's own order is a contract.
 */
import { readFileSync } from 'node:fs';
import type { AriEvent } from '../../src/sim/index.js';
import type { AriTestClient, RestResult } from './ariTestClient.js';

export type TraceItem =
  | { t: number; dir: 'rest'; method: string; path: string; query: Record<string, unknown>; body: unknown; status: number; response: unknown }
  | { t: number; dir: 'event'; event: AriEvent }
  | { t: number; dir: 'note'; text: string };

export function loadTrace(name: string): TraceItem[] {
  const text = readFileSync(new URL(`../fixtures/ari-traces/${name}.jsonl`, import.meta.url), 'utf8');
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as TraceItem);
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});

/** Channel-name counters (`-0000003f`) differ between runs. */
export const maskCounters = (s: string): string => s.replace(/-[0-9a-f]{8}(?=;|,|$)/g, '-N');

/** Trace ids the simulator chose differently (bridge and playback UUIDs), learnt from REST replies. */
export class IdMap {
  private readonly map = new Map<string, string>();
  learn(traceId: string, simId: string): void {
    this.map.set(traceId, simId);
  }
  has(traceId: string): boolean {
    return this.map.has(traceId);
  }
  /** Replaces every known trace id inside a string. */
  apply(s: string): string {
    let out = s;
    for (const [from, to] of this.map) out = out.split(from).join(to);
    return out;
  }
}

export interface Signed {
  /** The subject the event is about. */
  key: string;
  /** Type and key fields. */
  sig: string;
}

/** The subject and the key fields of an event, with trace ids mapped by `ids`. */
export function sign(e: AriEvent, ids: IdMap): Signed {
  const m = (s: unknown) => ids.apply(String(s ?? ''));
  const ch = obj(e.channel);
  const state = String(ch.state ?? '');
  switch (e.type) {
    case 'Dial': {
      const peer = obj(e.peer);
      return { key: m(peer.id), sig: `Dial ${e.dialstatus as string} dialstring=${e.dialstring as string} peer=${peer.state as string}` };
    }
    case 'PlaybackStarted':
    case 'PlaybackContinuing':
    case 'PlaybackFinished': {
      const p = obj(e.playback);
      return { key: `playback:${m(p.id)}`, sig: `${e.type} ${p.media_uri as string} next=${(p.next_media_uri as string) ?? ''} ${p.state as string} ${m(p.target_uri)} ${p.language as string}` };
    }
    case 'RecordingStarted':
    case 'RecordingFinished': {
      const r = obj(e.recording);
      return { key: `recording:${r.name as string}`, sig: `${e.type} ${r.format as string} ${r.state as string} ${m(r.target_uri)}` };
    }
    case 'BridgeDestroyed': {
      const b = obj(e.bridge);
      return { key: `bridge:${m(b.id)}`, sig: `BridgeDestroyed [${(b.channels as string[]).map(m).sort().join(',')}]` };
    }
    case 'ApplicationReplaced':
      return { key: 'app', sig: 'ApplicationReplaced' };
  }
  const base = `${e.type} ${state}`;
  const detail = (() => {
    switch (e.type) {
      case 'StasisStart':
        return `args=${JSON.stringify(e.args)} app_data=${obj(ch.dialplan).app_data as string}`;
      case 'ChannelVarset':
        return `${e.variable as string}=${maskCounters(String(e.value))}`;
      case 'ChannelDialplan':
        return `${e.dialplan_app as string}(${e.dialplan_app_data as string})`;
      case 'ChannelHangupRequest':
        return `cause=${e.cause as number}${e.soft ? ' soft' : ''}`;
      case 'ChannelDestroyed':
        return `cause=${e.cause as number} ${e.cause_txt as string}`;
      case 'ChannelEnteredBridge':
      case 'ChannelLeftBridge': {
        const b = obj(e.bridge);
        return `bridge=${m(b.id)} [${(b.channels as string[]).map(m).sort().join(',')}]`;
      }
      case 'ChannelDtmfReceived':
        return `${e.digit as string} ${e.duration_ms as number}ms`;
      case 'ChannelConnectedLine':
        return `connected=${JSON.stringify(ch.connected)}`;
      case 'ChannelCallerId':
        return `caller=${JSON.stringify(ch.caller)}`;
      default:
        return '';
    }
  })();
  return { key: m(ch.id), sig: detail ? `${base} ${detail}` : base };
}

/**
 * Drops BRIDGEPEER updates that do not change the value: Asterisk republishes the variable
 * whenever the bridge is re-evaluated (hold, mute, a recorder starting); only changes carry meaning.
 */
export function dropNoOpBridgePeer(events: AriEvent[]): AriEvent[] {
  const last = new Map<string, string>();
  return events.filter((e) => {
    if (e.type !== 'ChannelVarset' || e.variable !== 'BRIDGEPEER') return true;
    const id = String(obj(e.channel).id);
    const value = maskCounters(String(e.value));
    if ((last.get(id) ?? '') === value) return false;
    last.set(id, value);
    return true;
  });
}

/** Signatures grouped by subject, in arrival order. */
export function bySubject(events: AriEvent[], ids: IdMap): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const e of dropNoOpBridgePeer(events)) {
    const { key, sig } = sign(e, ids);
    groups.set(key, [...(groups.get(key) ?? []), sig]);
  }
  return groups;
}

/** What a REST reply must agree on (ids mapped, channel-name counters masked, creation times ignored). */
export function restShape(body: unknown, ids: IdMap): unknown {
  if (Array.isArray(body)) return body.map((b) => restShape(b, ids));
  const o = obj(body);
  if (body === null || typeof body !== 'object') return body;
  if ('dialplan' in o) {
    return { id: ids.apply(String(o.id)), name: maskCounters(String(o.name)), state: o.state, caller: o.caller, connected: o.connected, dialplan: o.dialplan, language: o.language };
  }
  if ('bridge_type' in o) {
    const { creationtime: _c, id, channels, ...rest } = o;
    return { ...rest, id: ids.apply(String(id)), channels: (channels as string[]).map((c) => ids.apply(c)).sort() };
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? ids.apply(v) : v]));
}

/** A wait before a REST request: an event about `key` whose signature starts with `sig`. */
export interface Wait {
  key: string;
  sig: string;
}

export interface ReplayResult {
  rest: { request: string; expected: { status: number; body: unknown }; actual: RestResult }[];
  expected: Map<string, string[]>;
  actual: Map<string, string[]>;
  ids: IdMap;
}

function mapQuery(query: Record<string, unknown>, ids: IdMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).map(([k, v]) => [k, typeof v === 'string' ? ids.apply(v) : v]));
}

/** Trace ids that the simulator reports differently (UUIDs it chose itself), learnt from a reply. */
function learnIds(expected: unknown, actual: unknown, ids: IdMap): void {
  const e = obj(expected);
  const a = obj(actual);
  if (typeof e.id === 'string' && typeof a.id === 'string' && e.id !== a.id) ids.learn(e.id, a.id);
}

/**
 * Sends the trace's REST requests in order, each after its `waits` (indexed by REST ordinal),
 * then waits until the simulator has sent as many events per subject as the trace shows.
 */
export async function replay(trace: TraceItem[], client: AriTestClient, waits: Record<number, Wait[]>, settleMs = 3000): Promise<ReplayResult> {
  const ids = new IdMap();
  const rest: ReplayResult['rest'] = [];
  let ordinal = 0;
  for (const item of trace) {
    if (item.dir !== 'rest') continue;
    for (const wait of waits[ordinal] ?? []) {
      const key = ids.apply(wait.key);
      await client.waitFor((e) => {
        const s = sign(e, ids);
        return s.key === key && s.sig.startsWith(wait.sig);
      }, 5000, `${wait.sig} of ${wait.key} before REST #${ordinal}`);
    }
    const actual = await client.rest(item.method, ids.apply(item.path), mapQuery(item.query, ids), item.body);
    learnIds(item.response, actual.body, ids);
    rest.push({ request: `#${ordinal} ${item.method} ${item.path}`, expected: { status: item.status, body: item.response }, actual });
    ordinal += 1;
  }
  const traceEvents = trace.flatMap((i) => (i.dir === 'event' ? [i.event] : []));
  const expected = bySubject(traceEvents, ids);
  await client.until((events) => {
    const actual = bySubject(events, ids);
    return [...expected].every(([key, sigs]) => (actual.get(key)?.length ?? 0) >= sigs.length);
  }, settleMs);
  return { rest, expected, actual: bySubject(client.events, ids), ids };
}
