/**
 * One observer for both systems: an ARI application subscribed to every event source
 * (`subscribeAll=true`), which sees the callers and agent legs of app_queue and of the engine
 * alike. Times are Asterisk's own event timestamps (ms resolution), so the observer's own delays
 * do not count.
 *   join      the caller's ChannelDialplan into Queue() or Stasis()
 *   bridged   the caller is in a bridge with another channel
 *   freed     an agent leg (`Local/1xxx-…;1`) is destroyed while callers wait
 *   offered   that agent's next leg is created, callers having waited all along (a sample is
 *             dropped when the queue empties first: the agent was not needed then)
 * and the steps between join and bridged, through the agent leg that was bridged: its creation,
 * its dial (the `Dial` event without a status), its answer (`Dial` ANSWER), so that a run shows
 * where its milliseconds go (app_queue publishes the same events for its member legs).
 */
import WebSocket from 'ws';

interface AriChannel {
  id: string;
  name: string;
  dialplan?: { app_name?: string };
}
interface AriEvent {
  type: string;
  timestamp: string;
  channel?: AriChannel;
  peer?: AriChannel;
  dialstatus?: string;
  bridge?: { id: string; channels: string[] };
}

interface CallerTrack {
  joinedAt?: number;
  bridgedAt?: number;
  goneAt?: number;
  agent?: string;
  /** The bridged agent leg's steps. */
  leg?: LegTrack;
  /** Every agent leg it was bridged with (two or more: a caller whose call had ended connected again). */
  bridgedLegs?: Set<string>;
  /** Times its Stasis() failed (no engine serving the app) and the dialplan tried again. */
  retries?: number;
  /** Its dialplan reached Hangup(): for the engine's callers, Stasis() failed its last try. */
  ranOut?: boolean;
}

interface LegTrack {
  createdAt: number;
  dialedAt?: number;
  answeredAt?: number;
}

/** Per-caller durations of the steps from join to bridged (ms), for the callers bridged to a leg seen created. */
export interface Steps {
  joinToLegCreated: number[];
  legCreatedToDial: number[];
  dialToAnswer: number[];
  answerToBridged: number[];
}

const OBSERVER_APP = 'bench-observer';
/** The event types onEvent reads; the observer's event filter lets only these through. */
const OBSERVED_TYPES = ['ChannelCreated', 'Dial', 'ChannelDialplan', 'ChannelEnteredBridge', 'ChannelDestroyed'] as const;

const AGENT_LEG = /^Local\/(\d{4})-[^;]*;1$/;

const atOf = (ts: string): number => Date.parse(ts.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));

export class Observer {
  private ws?: WebSocket;
  private readonly callers = new Map<string, CallerTrack>();
  private readonly legAgent = new Map<string, string>();
  private readonly legs = new Map<string, LegTrack>();
  /** Agent → when its last leg was destroyed while callers waited (cleared by its next leg). */
  private readonly freedAt = new Map<string, number>();
  /** Agent leg id → the caller it was bridged to. */
  private readonly legCaller = new Map<string, string>();
  readonly freedToOffer: number[] = [];
  readonly callerAfterAgent: number[] = [];
  private readonly pendingCallerEnd = new Map<string, number>();

  constructor(
    private readonly url: string,
    private readonly auth: string,
    private readonly isCaller: (channelId: string) => boolean,
  ) {}

  async start(): Promise<void> {
    const ws = new WebSocket(`${this.url.replace(/^http/, 'ws')}/ari/events?app=${OBSERVER_APP}&subscribeAll=true&api_key=${encodeURIComponent(this.auth)}`);
    this.ws = ws;
    ws.on('message', (data) => this.onEvent(JSON.parse(String(data)) as AriEvent));
    await new Promise<void>((done, fail) => {
      ws.once('open', () => done());
      ws.once('error', fail);
    });
    // Only the types onEvent reads: subscribed to everything, Asterisk would also write ~55 other
    // events per call (ChannelVarset, DeviceStateChanged...: 84 events, 45 KB of JSON a call in
    // all), ~1.5 ms of its CPU per call that neither system spends in production (docs/performance.md).
    const res = await fetch(`${this.url}/ari/applications/${OBSERVER_APP}/eventFilter?api_key=${encodeURIComponent(this.auth)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ allowed: OBSERVED_TYPES.map((type) => ({ type })) }),
    });
    if (!res.ok) throw new Error(`observer event filter: ${res.status} ${await res.text()}`);
  }

  stop(): void {
    this.ws?.close();
  }

  /** Forget the previous run. */
  reset(): void {
    this.callers.clear();
    this.legAgent.clear();
    this.legs.clear();
    this.freedAt.clear();
    this.legCaller.clear();
    this.pendingCallerEnd.clear();
    this.freedToOffer.length = 0;
    this.callerAfterAgent.length = 0;
  }

  get waiting(): number {
    let n = 0;
    for (const c of this.callers.values()) if (c.joinedAt !== undefined && c.bridgedAt === undefined && c.goneAt === undefined) n++;
    return n;
  }

  summary(ids: string[]): { joinToBridged: number[]; failed: number; unfinished: number } {
    const joinToBridged: number[] = [];
    let failed = 0;
    let unfinished = 0;
    for (const id of ids) {
      const c = this.callers.get(id);
      if (c?.bridgedAt !== undefined && c.joinedAt !== undefined) joinToBridged.push(c.bridgedAt - c.joinedAt);
      else failed++;
      if (c?.goneAt === undefined) unfinished++;
    }
    return { joinToBridged, failed, unfinished };
  }

  /**
   * The callers of `ids` never bridged, by what the observer saw of them: never joined (refused
   * or lost before the queue), joined and hung up unbridged (how long after joining), still up.
   */
  unbridged(ids: string[]): { neverJoined: string[]; hungUp: { id: string; waitedMs: number }[]; stillUp: string[] } {
    const out = { neverJoined: [] as string[], hungUp: [] as { id: string; waitedMs: number }[], stillUp: [] as string[] };
    for (const id of ids) {
      const c = this.callers.get(id);
      if (c?.bridgedAt !== undefined) continue;
      if (c?.joinedAt === undefined) out.neverJoined.push(id);
      else if (c.goneAt !== undefined) out.hungUp.push({ id, waitedMs: c.goneAt - c.joinedAt });
      else out.stillUp.push(id);
    }
    return out;
  }

  /** Of the callers of `ids`: how many Stasis() refused at first (no engine) and were bridged on a later try, and who ran out of tries. */
  engineWaits(ids: string[]): { waitedIn: number; ranOut: string[] } {
    const tracks = ids.map((id) => [id, this.callers.get(id)] as const);
    return {
      waitedIn: tracks.filter(([, c]) => (c?.retries ?? 0) > 0 && c?.bridgedAt !== undefined).length,
      ranOut: tracks.filter(([, c]) => c?.ranOut).map(([id]) => id),
    };
  }

  /** The callers of `ids` bridged with more than one agent leg (none is expected: the bench makes no transfer). */
  bridgedAgain(ids: string[]): string[] {
    return ids.filter((id) => (this.callers.get(id)?.bridgedLegs?.size ?? 0) > 1);
  }

  steps(ids: string[]): Steps {
    const steps: Steps = { joinToLegCreated: [], legCreatedToDial: [], dialToAnswer: [], answerToBridged: [] };
    for (const id of ids) {
      const { joinedAt, bridgedAt, leg } = this.callers.get(id) ?? {};
      if (joinedAt === undefined || bridgedAt === undefined || !leg) continue;
      steps.joinToLegCreated.push(leg.createdAt - joinedAt);
      if (leg.dialedAt !== undefined) steps.legCreatedToDial.push(leg.dialedAt - leg.createdAt);
      if (leg.dialedAt !== undefined && leg.answeredAt !== undefined) steps.dialToAnswer.push(leg.answeredAt - leg.dialedAt);
      if (leg.answeredAt !== undefined) steps.answerToBridged.push(bridgedAt - leg.answeredAt);
    }
    return steps;
  }

  /** True once every caller of `ids` has hung up. */
  allGone(ids: string[]): boolean {
    return ids.every((id) => this.callers.get(id)?.goneAt !== undefined);
  }

  private track(id: string): CallerTrack {
    let c = this.callers.get(id);
    if (!c) this.callers.set(id, (c = {}));
    return c;
  }

  /** An agent freed while the queue then emptied waited for no caller: not a freed → offer sample. */
  private noWaitNoSample(): void {
    if (this.freedAt.size > 0 && this.waiting === 0) this.freedAt.clear();
  }

  private onEvent(e: AriEvent): void {
    const at = atOf(e.timestamp);
    const ch = e.channel;
    switch (e.type) {
      case 'ChannelCreated': {
        const agent = ch && AGENT_LEG.exec(ch.name)?.[1];
        if (!agent || !ch) return;
        this.legAgent.set(ch.id, agent);
        this.legs.set(ch.id, { createdAt: at });
        const freed = this.freedAt.get(agent);
        if (freed !== undefined) this.freedToOffer.push(at - freed);
        this.freedAt.delete(agent);
        return;
      }
      case 'Dial': {
        const leg = e.peer && this.legs.get(e.peer.id);
        if (!leg) return;
        if (!e.dialstatus) leg.dialedAt ??= at;
        else if (e.dialstatus === 'ANSWER') leg.answeredAt ??= at;
        return;
      }
      case 'ChannelDialplan': {
        if (!ch || !this.isCaller(ch.id)) return;
        const app = ch.dialplan?.app_name;
        if (app === 'Queue' || app === 'Stasis') this.track(ch.id).joinedAt ??= at;
        // The engine's bench dialplan after a failed Stasis() (no engine): music, then again; Hangup once out of tries.
        else if (app === 'MusicOnHold') this.track(ch.id).retries = (this.track(ch.id).retries ?? 0) + 1;
        else if (app === 'Hangup') this.track(ch.id).ranOut = true;
        return;
      }
      case 'ChannelEnteredBridge': {
        const channels = e.bridge?.channels ?? [];
        if (channels.length < 2) return;
        const caller = channels.find((id) => this.isCaller(id));
        const leg = channels.find((id) => this.legAgent.has(id));
        if (!caller) return;
        const track = this.track(caller);
        if (track.bridgedAt === undefined && leg) track.leg = this.legs.get(leg);
        track.bridgedAt ??= at;
        if (leg) {
          this.legCaller.set(leg, caller);
          (track.bridgedLegs ??= new Set()).add(leg);
        }
        this.noWaitNoSample();
        return;
      }
      case 'ChannelDestroyed': {
        if (!ch) return;
        if (this.isCaller(ch.id)) {
          this.track(ch.id).goneAt = at;
          this.noWaitNoSample();
          const agentGone = this.pendingCallerEnd.get(ch.id);
          if (agentGone !== undefined) this.callerAfterAgent.push(at - agentGone);
          this.pendingCallerEnd.delete(ch.id);
          return;
        }
        const agent = this.legAgent.get(ch.id);
        if (!agent) return;
        this.legAgent.delete(ch.id);
        this.legs.delete(ch.id);
        const caller = this.legCaller.get(ch.id);
        this.legCaller.delete(ch.id);
        if (this.waiting > 0) this.freedAt.set(agent, at);
        if (caller && this.callers.get(caller)?.goneAt === undefined) this.pendingCallerEnd.set(caller, at);
        return;
      }
      default:
        return;
    }
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
