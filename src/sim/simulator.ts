/**
 * The PBX simulator: an ARI server that behaves like the Asterisk 22 in the recorded traces,
 * plus the controls tests and the demo drive it with (callers, scripted phones, faults).
 */
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import { SimClock } from './clock.js';
import type { SimCore } from './core.js';
import { EventHub, type AriEvent, type EventListener } from './events.js';
import { EndpointDirectory, type EndpointBehaviour } from './endpoints.js';
import { AriRouter } from './http.js';
import { ChannelStore, type DialplanLocation, type MuteDirection, type Party, type SimChannel } from './model/channels.js';
import { BridgeStore } from './model/bridges.js';
import { PlaybackEngine } from './playback.js';
import { RecordingStore } from './recording.js';
import { SoundLibrary } from './sounds.js';
import { startAriServer, type AriServer, type RequestFault, type RequestLogEntry } from './server.js';
import { registerChannelRoutes } from './routes/channels.js';
import { registerBridgeRoutes } from './routes/bridges.js';
import { registerMiscRoutes } from './routes/misc.js';
import { startCaller } from './calls.js';
import { hangupChannel, receiveDtmf } from './lifecycle.js';
import { EndpointSubscriptions, endpointChannelChanged, startDirectCall } from './deviceEndpoints.js';

export interface SimulatorOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  username?: string;
  password?: string;
  /** Multiplies every simulated duration (0.05: a 20 s talk lasts 1 s). */
  timeScale?: number;
  logger?: Logger;
  /** Wall-clock ms between a channel's creation and its StasisStart (default 5). */
  stasisEntryDelayMs?: number;
  /** Simulated ms one playback media item lasts (default 300). */
  playbackItemMs?: number;
  /** `sound:` names that exist besides the built-in list. */
  sounds?: string[];
  /** Where the Swagger files are read from (default: `api-docs/` next to this module). */
  apiDocsDir?: string;
  /** How many REST requests `requests` keeps (default 10 000, oldest dropped first). */
  requestLogLimit?: number;
}

export interface PlaceCallOptions {
  queue?: string;
  /** Stasis args after the app name (default `[queue]`). */
  args?: string[];
  callerNumber?: string;
  callerName?: string;
  /** Simulated ms after being answered before the caller hangs up; undefined: stays until hung up. */
  holdMs?: number;
  /** DTMF the caller sends, simulated ms after being answered. */
  digits?: { atMs: number; digits: string };
  variables?: Record<string, string>;
  /** Stasis app (default `acd`). */
  app?: string;
  /** Id of the caller's phone channel; the Stasis channel is `<id>;2`. */
  id?: string;
}

/** What a test can see about a channel. */
export interface ChannelView {
  id: string;
  name: string;
  state: string;
  caller: Party;
  connected: Party;
  dialplan: DialplanLocation;
  inStasis: boolean;
  app?: string;
  args: string[];
  bridgeId?: string;
  moh?: string;
  ringing: boolean;
  held: boolean;
  muted?: MuteDirection;
  variables: Record<string, string>;
  createdAt: number;
}

export interface BridgeView {
  id: string;
  type: string;
  name: string;
  /** Oldest member first. */
  channelIds: string[];
}

export type SimControlErrorCode = 'channel_not_found' | 'not_ringing' | 'no_endpoint';

export class SimControlError extends Error {
  constructor(
    readonly code: SimControlErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SimControlError';
  }
}

const DEFAULT_API_DOCS_DIR = fileURLToPath(new URL('./api-docs/', import.meta.url));

const viewOf = (ch: SimChannel): ChannelView => ({
  id: ch.id,
  name: ch.name,
  state: ch.state,
  caller: { ...ch.caller },
  connected: { ...ch.connected },
  dialplan: { ...ch.dialplan },
  inStasis: !!ch.stasis,
  app: ch.stasis?.app,
  args: [...(ch.stasis?.args ?? [])],
  bridgeId: ch.bridgeId,
  moh: ch.moh,
  ringing: ch.ringing,
  held: ch.held,
  muted: ch.muteDirection,
  variables: Object.fromEntries(ch.vars),
  createdAt: ch.createdAt,
});

export class Simulator {
  private callSequence = 0;

  private constructor(
    private readonly core: SimCore,
    private readonly server: AriServer,
    /** The REST requests received (method, path, query, body, status, response), oldest first. */
    readonly requests: RequestLogEntry[],
    private readonly faults: RequestFault[],
  ) {}

  static async start(options: SimulatorOptions = {}): Promise<Simulator> {
    const logger = options.logger ?? pino({ level: 'silent' });
    const now = () => Date.now();
    const clock = new SimClock(options.timeScale ?? 1);
    const recordings = new RecordingStore();
    const core: SimCore = {
      clock,
      hub: new EventHub('02:fc:00:00:00:01', now, logger),
      channels: new ChannelStore(now),
      bridges: new BridgeStore(),
      playbacks: new PlaybackEngine(new SoundLibrary(options.sounds), options.playbackItemMs ?? 300),
      recordings,
      endpoints: new EndpointDirectory(),
      endpointSubscriptions: new EndpointSubscriptions(),
      logger,
      now,
      stasisEntryDelayMs: options.stasisEntryDelayMs ?? 5,
    };
    core.channels.onChange = (ch, added) => endpointChannelChanged(core, ch, added);
    const router = new AriRouter();
    registerChannelRoutes(router, core);
    registerBridgeRoutes(router, core);
    registerMiscRoutes(router, core, now());
    const faults: RequestFault[] = [];
    const limit = options.requestLogLimit ?? 10_000;
    const requests: RequestLogEntry[] = [];
    const server = await startAriServer({
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      username: options.username ?? 'asterisk',
      password: options.password ?? 'asterisk',
      apiDocsDir: options.apiDocsDir ?? DEFAULT_API_DOCS_DIR,
      router,
      hub: core.hub,
      logger,
      takeFault: (method, path) => {
        const at = faults.findIndex((f) => f.method === method && f.path.test(path));
        return at >= 0 ? faults.splice(at, 1)[0] : undefined;
      },
      onRequest: (entry) => {
        requests.push(entry);
        if (requests.length > limit) requests.splice(0, requests.length - limit);
      },
    });
    logger.info({ url: server.url, timeScale: clock.timeScale }, 'PBX simulator listening');
    return new Simulator(core, server, requests, faults);
  }

  /** `http://127.0.0.1:PORT` (ARI lives under `/ari`). */
  get url(): string {
    return this.server.url;
  }

  get port(): number {
    return this.server.port;
  }

  get timeScale(): number {
    return this.core.clock.timeScale;
  }

  /** How the phone behind a dial string behaves (any technology: `PJSIP/1001`, `SIP/x`, `Local/1001@agents`...). */
  setEndpoint(endpoint: string, behaviour: EndpointBehaviour): void {
    this.core.endpoints.set(endpoint, behaviour);
  }

  clearEndpoint(endpoint: string): void {
    this.core.endpoints.delete(endpoint);
  }

  /** A caller dials in: returns the id of the channel that enters Stasis(app, args...). */
  placeCall(opts: PlaceCallOptions = {}): string {
    const args = opts.args ?? (opts.queue !== undefined ? [opts.queue] : []);
    const id = opts.id ?? `sim-caller-${Date.now()}-${++this.callSequence}`;
    startCaller(this.core, {
      id,
      exten: opts.queue !== undefined ? `q-${opts.queue}` : 's',
      app: opts.app ?? 'acd',
      args,
      caller: { name: opts.callerName ?? '', number: opts.callerNumber ?? '' },
      variables: opts.variables,
      script: () => ({ holdMs: opts.holdMs, digits: opts.digits }),
    });
    return `${id};2`;
  }

  /**
   * The phone behind `endpoint` (`PJSIP/1001`) is in a call the ACD has nothing to do with (it
   * dialed `number`): a channel on the endpoint, never in Stasis. Returns its id; end it with `hangup`.
   */
  placeDirectCall(endpoint: string, opts: { number?: string; id?: string } = {}): string {
    const ch = startDirectCall(this.core, endpoint, opts);
    if (!ch) throw new SimControlError('no_endpoint', `${endpoint} is not <technology>/<resource> of a technology with endpoints`);
    return ch.id;
  }

  /** The far end of the channel hangs up (Q.850 cause, default 16 normal clearing). */
  hangup(channelId: string, cause = 16): void {
    const ch = this.channelOrThrow(channelId);
    if (ch.remote) ch.remote.hangup(cause);
    else hangupChannel(this.core, ch, { request: { cause }, cause });
  }

  /** The far end of a ringing outbound channel picks up. */
  answer(channelId: string): void {
    const ch = this.channelOrThrow(channelId);
    if (!ch.remote?.answer()) throw new SimControlError('not_ringing', `channel ${channelId} is not ringing`);
  }

  /** DTMF reaches the channel from its far end (ChannelDtmfReceived per digit). */
  sendDtmf(channelId: string, digits: string): void {
    receiveDtmf(this.core, this.channelOrThrow(channelId), digits);
  }

  channels(): ChannelView[] {
    return this.core.channels.all().map(viewOf);
  }

  channel(id: string): ChannelView | undefined {
    const ch = this.core.channels.get(id);
    return ch ? viewOf(ch) : undefined;
  }

  bridges(): BridgeView[] {
    return this.core.bridges.all().map((b) => ({ id: b.id, type: b.type, name: b.name, channelIds: [...b.channelIds] }));
  }

  /** Every event the simulator sends to an app (also while no socket is connected); returns the unsubscribe. */
  onEvent(listener: EventListener): () => void {
    return this.core.hub.onEvent(listener);
  }

  /** The next event matching `match` (a type or a predicate). */
  waitForEvent(match: string | ((e: AriEvent) => boolean), timeoutMs = 5000): Promise<AriEvent> {
    const test = typeof match === 'string' ? (e: AriEvent) => e.type === match : match;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no ${typeof match === 'string' ? match : 'matching'} event within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onEvent((e) => {
        if (!test(e)) return;
        clearTimeout(timer);
        off();
        resolve(e);
      });
    });
  }

  /** Whether an app has a WebSocket connected. */
  isConnected(app = 'acd'): boolean {
    return this.core.hub.isActive(app);
  }

  /** The next REST request matching `fault.method` and `fault.path` (e.g. /\/answer$/) misbehaves once as `fault` says. */
  injectFault(fault: RequestFault): void {
    this.faults.push(fault);
  }

  /** Injected faults no request has met yet (a faulted request is not in `requests`). */
  get faultsPending(): number {
    return this.faults.length;
  }

  /**
   * Closes the app WebSockets abruptly (a network fault); channels stay in Stasis. With
   * `refuseForMs`, new ones are refused that long (a fault that lasts).
   */
  dropConnections(opts: { refuseForMs?: number } = {}): void {
    this.core.hub.refusingUntil = Date.now() + (opts.refuseForMs ?? 0);
    this.core.hub.dropAll();
  }

  /**
   * Like dropConnections, once, just before the first event matching `match` would be sent: that
   * event is lost (a fault at an exact step of a flow). Events already sent were delivered.
   */
  dropConnectionsBefore(match: (event: AriEvent) => boolean, opts: { refuseForMs?: number } = {}): void {
    this.core.hub.dropBefore(match, opts.refuseForMs ?? 0);
  }

  async close(): Promise<void> {
    this.core.clock.stopAll();
    await this.server.close();
  }

  private channelOrThrow(id: string): SimChannel {
    const ch = this.core.channels.get(id);
    if (!ch) throw new SimControlError('channel_not_found', `no channel ${id}`);
    return ch;
  }
}

export const startSimulator = (options?: SimulatorOptions): Promise<Simulator> => Simulator.start(options);
