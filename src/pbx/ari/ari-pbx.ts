import type { Logger } from 'pino';
import {
  PbxError,
  endpointOfDialString,
  isPbxError,
  type BridgeInfo,
  type ChannelInfo,
  type CreateChannelRequest,
  type OriginateRequest,
  type DialRequest,
  type EndpointInfo,
  type Pbx,
  type PbxEvent,
  type PbxListener,
  type RecordingFile,
} from '../port.js';
import { toBridgeInfo, toChannelInfo, toEndpointInfo, type AriBridgeJson, type AriChannelJson, type AriEndpointJson } from './ari-json.js';
import type { BackoffOptions } from './backoff.js';
import { classifyAriError, toPbxError } from './errors.js';
import { AriRest, DEFAULT_ARI_CONNECTIONS, seg, type Query } from './rest.js';
import { HANDLED_ARI_EVENT_TYPES } from './normalize-event.js';
import { ConnectionSupervisor } from './supervisor.js';

export interface AriPbxOptions {
  /** ARI base URL, e.g. `http://127.0.0.1:8088` (ari-client uses only its protocol and host). */
  url: string;
  username: string;
  password: string;
  /** Stasis application name. */
  app: string;
  logger: Logger;
  /** Reconnect backoff; default 200 ms doubling up to 10 s. */
  reconnect?: BackoffOptions;
  /** Bound on each REST request; past it the request fails as `unavailable`. Default 10 s. */
  requestTimeoutMs?: number;
  /** Keep-alive HTTP connections for REST at most (Asterisk allows 100 sessions in all). Default DEFAULT_ARI_CONNECTIONS (48). */
  maxRestConnections?: number;
  /** Bound on each step of a connect attempt. Default 10 s. */
  connectTimeoutMs?: number;
  /** Wait before taking the app back after ApplicationReplaced. Default 1 s (jittered, growing while instances fight over the app). */
  appReplacedDelayMs?: number;
  /** WebSocket ping interval to detect dead connections; 0 disables. Default 20 s. */
  heartbeatMs?: number;
  /**
   * 'websocket' (the engine's default, config.ts): over the event WebSocket once Asterisk answered
   * there (supervisor.ts; HTTP until then, and for good with an Asterisk that does not), at most
   * two requests in flight there (SOCKET_REST_MAX_IN_FLIGHT), listings always over HTTP (UNBOUNDED_ANSWERS):
   * ~1.5 ms less engine CPU per call and a lower join → bridged at 20 calls/s, no caller lost at
   * 200 and 250 (docs/performance.md). 'http' (this adapter's default when not given): every
   * request over HTTP.
   */
  restTransport?: AriRestTransport;
}

export type AriRestTransport = 'http' | 'websocket';

type AriResource = 'channels' | 'bridges' | 'playbacks' | 'recordings' | 'applications' | 'endpoints';
/** `resource.nickname` as in the api-docs, e.g. `channels.answer`; also the `operation` of a PbxError. */
type Operation = `${AriResource}.${string}`;

const BRIDGE_TYPE = 'mixing';

/**
 * Operations whose answer grows with the PBX (every channel, every bridge, the app's channel ids).
 * They always go over HTTP: an answer of more than ~450 KB over the WebSocket kills Asterisk
 * 22.10.1 (measured: 427 KB answered, 518 and 788 KB a segfault near the thread's stack;
 * docs/performance.md), and under load thousands of channels make GET /channels that large.
 */
const UNBOUNDED_ANSWERS: ReadonlySet<Operation> = new Set<Operation>(['channels.list', 'bridges.list', 'applications.get', 'applications.subscribe', 'applications.filter']);

/**
 * Asterisk carries out one socket's requests one after another: a request goes over the socket
 * while it has fewer than two in flight, else over HTTP (a thread per connection), so none waits
 * behind more than one other there and a busy Asterisk still gets requests in parallel. With one
 * (until 2026-12-06) a sixth of the requests went over HTTP at 20 calls/s (a call's hang-up often
 * meets another call's originate or addChannel), with two 16 in 5,000. An HTTP exchange costs
 * Asterisk and the engine ~1 ms of CPU more (all-HTTP against all-socket runs); the share moved
 * saves less than the bench's noise shows (docs/performance.md).
 */
const SOCKET_REST_MAX_IN_FLIGHT = 2;

/** The adapter, and how its REST goes now. */
export interface AriPbx extends Pbx {
  /** True once this connection's Asterisk answered REST over the event WebSocket (requests go there); false: HTTP. */
  readonly restOverSocket: boolean;
  /** REST requests sent since the start, by the way they went (`acd_ari_rest_requests_total`). */
  readonly restRequests: Readonly<Record<AriRestTransport, number>>;
}

/** Creates the ari-client adapter of the PBX port; nothing connects before `start()`. */
export function createAriPbx(options: AriPbxOptions): AriPbx {
  return new AriPbxAdapter(options);
}

class AriPbxAdapter implements AriPbx {
  private readonly listeners = new Set<PbxListener>();
  private readonly supervisor: ConnectionSupervisor;
  private readonly log: Logger;
  private readonly requestTimeoutMs: number;
  private readonly restCounts: Record<AriRestTransport, number> = { websocket: 0, http: 0 };
  private readonly http: AriRest;

  constructor(private readonly options: AriPbxOptions) {
    this.log = options.logger.child({ component: 'ari-pbx' });
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.http = new AriRest({ url: options.url, username: options.username, password: options.password, timeoutMs: this.requestTimeoutMs, maxSockets: options.maxRestConnections ?? DEFAULT_ARI_CONNECTIONS });
    this.supervisor = new ConnectionSupervisor({
      url: options.url,
      username: options.username,
      password: options.password,
      app: options.app,
      logger: options.logger,
      reconnect: options.reconnect ?? { minDelayMs: 200, maxDelayMs: 10_000 },
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      appReplacedDelayMs: options.appReplacedDelayMs ?? 1_000,
      heartbeatMs: options.heartbeatMs ?? 20_000,
      requestTimeoutMs: this.requestTimeoutMs,
      restOverSocket: options.restTransport === 'websocket',
      emit: (event) => this.dispatch(event),
    });
  }

  get restOverSocket(): boolean {
    return this.supervisor.restOverSocket;
  }

  get restRequests(): Readonly<Record<AriRestTransport, number>> {
    return this.restCounts;
  }

  get connected(): boolean {
    return this.supervisor.client !== undefined;
  }

  onEvent(listener: PbxListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): Promise<void> {
    return this.supervisor.start();
  }

  async stop(): Promise<void> {
    await this.supervisor.stop();
    this.http.close();
  }

  /** A throwing listener must not starve the others nor reach ari-client's socket handler. */
  private dispatch(event: PbxEvent): void {
    if (event.type === 'connected') this.filterEvents();
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log.error({ err, eventType: event.type }, 'PBX event listener threw');
      }
    }
  }

  /**
   * Asterisk sends an app every event of its channels (per call about 10 ChannelVarset, a
   * ChannelDialplan...) and the engine ignores most: the filter stops them at the source. Best
   * effort: without it (an older Asterisk) the adapter drops them itself, as before.
   */
  private filterEvents(): void {
    // RESTResponse: the answers to REST over the WebSocket pass the filter like events (wsRest.ts).
    const allowed = [...HANDLED_ARI_EVENT_TYPES, 'RESTResponse'].map((type) => ({ type }));
    this.rest('applications.filter', 'PUT', `/applications/${seg(this.options.app)}/eventFilter`, undefined, { allowed }).catch((err: unknown) =>
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'ARI event filter not set; ignored events are dropped here instead'),
    );
  }

  /** Every REST call: over the event WebSocket once Asterisk answered there (wsRest.ts) unless its answer can grow large or the socket is busy, else the thin keep-alive HTTP client (rest.ts); refused while the event socket is down. */
  private rest<T = unknown>(operation: Operation, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, query?: Query, body?: unknown): Promise<T> {
    if (!this.supervisor.client) return Promise.reject(new PbxError('unavailable', 0, 'not connected to ARI', operation));
    const overSocket = this.supervisor.restOverSocket && !UNBOUNDED_ANSWERS.has(operation) && this.supervisor.socketRestInFlight < SOCKET_REST_MAX_IN_FLIGHT;
    this.restCounts[overSocket ? 'websocket' : 'http'] += 1;
    const sent = overSocket ? this.supervisor.sendRest<T>(operation, method, path, query, body) : this.http.send<T>(operation, method, path, query, body);
    return sent.catch((err: unknown) => {
      const error = toPbxError(err, operation);
      this.log.debug({ operation, kind: error.kind, status: error.status, msg: error.message }, 'ARI request failed');
      throw error;
    });
  }

  async answer(channelId: string): Promise<void> {
    await this.rest('channels.answer', 'POST', `/channels/${seg(channelId)}/answer`);
  }

  async hangup(channelId: string, reason?: 'normal' | 'busy' | 'congestion' | 'no_answer'): Promise<void> {
    await this.rest('channels.hangup', 'DELETE', `/channels/${seg(channelId)}`, { reason });
  }

  async ring(channelId: string): Promise<void> {
    await this.rest('channels.ring', 'POST', `/channels/${seg(channelId)}/ring`);
  }

  async ringStop(channelId: string): Promise<void> {
    await this.rest('channels.ringStop', 'DELETE', `/channels/${seg(channelId)}/ring`);
  }

  async startMoh(channelId: string, mohClass?: string): Promise<void> {
    await this.rest('channels.startMoh', 'POST', `/channels/${seg(channelId)}/moh`, { mohClass });
  }

  async stopMoh(channelId: string): Promise<void> {
    await this.rest('channels.stopMoh', 'DELETE', `/channels/${seg(channelId)}/moh`);
  }

  async play(channelId: string, media: string[], playbackId?: string, lang?: string): Promise<string> {
    // ARI takes several media as one comma-separated `media` value.
    const query = { media: media.join(','), lang };
    const playback = playbackId
      ? await this.rest<{ id?: string }>('channels.playWithId', 'POST', `/channels/${seg(channelId)}/play/${seg(playbackId)}`, query)
      : await this.rest<{ id?: string }>('channels.play', 'POST', `/channels/${seg(channelId)}/play`, query);
    return playback?.id ?? playbackId ?? '';
  }

  async stopPlayback(playbackId: string): Promise<void> {
    await this.rest('playbacks.stop', 'DELETE', `/playbacks/${seg(playbackId)}`);
  }

  async hold(channelId: string): Promise<void> {
    await this.rest('channels.hold', 'POST', `/channels/${seg(channelId)}/hold`);
  }

  async unhold(channelId: string): Promise<void> {
    await this.rest('channels.unhold', 'DELETE', `/channels/${seg(channelId)}/hold`);
  }

  async mute(channelId: string, direction: 'in' | 'out' | 'both'): Promise<void> {
    await this.rest('channels.mute', 'POST', `/channels/${seg(channelId)}/mute`, { direction });
  }

  async unmute(channelId: string, direction: 'in' | 'out' | 'both'): Promise<void> {
    await this.rest('channels.unmute', 'DELETE', `/channels/${seg(channelId)}/mute`, { direction });
  }

  async sendDtmf(channelId: string, dtmf: string): Promise<void> {
    await this.rest('channels.sendDTMF', 'POST', `/channels/${seg(channelId)}/dtmf`, { dtmf });
  }

  async setVariable(channelId: string, name: string, value: string): Promise<void> {
    await this.rest('channels.setChannelVar', 'POST', `/channels/${seg(channelId)}/variable`, { variable: name, value });
  }

  /** ARI answers 404 both for a missing channel and for an unset variable; only the first is an error. */
  async getVariable(channelId: string, name: string): Promise<string | undefined> {
    try {
      const answer = await this.rest<{ value?: string }>('channels.getChannelVar', 'GET', `/channels/${seg(channelId)}/variable`, { variable: name });
      return answer?.value;
    } catch (err) {
      if (isPbxError(err, 'not_found') && /variable/i.test(err.message)) return undefined;
      throw err;
    }
  }

  async continueInDialplan(channelId: string): Promise<void> {
    await this.rest('channels.continueInDialplan', 'POST', `/channels/${seg(channelId)}/continue`);
  }

  async createChannel(req: CreateChannelRequest): Promise<ChannelInfo> {
    // channels/create has no callerId parameter; the CALLERID function does the same at creation.
    const variables = req.callerId === undefined ? req.variables : { ...req.variables, 'CALLERID(all)': req.callerId };
    const query = { endpoint: req.endpoint, app: this.options.app, appArgs: req.appArgs.join(','), channelId: req.channelId, otherChannelId: req.otherChannelId, originator: req.originator };
    const channel = await this.rest<AriChannelJson>('channels.create', 'POST', '/channels/create', query, variables ? { variables } : undefined);
    return toChannelInfo(channel);
  }

  async originate(req: OriginateRequest): Promise<ChannelInfo> {
    const query = {
      endpoint: req.endpoint,
      app: this.options.app,
      appArgs: req.appArgs.join(','),
      channelId: req.channelId,
      otherChannelId: req.otherChannelId,
      originator: req.originator,
      callerId: req.callerId,
      timeout: req.timeoutS,
    };
    return toChannelInfo(await this.rest<AriChannelJson>('channels.originate', 'POST', '/channels', query, req.variables ? { variables: req.variables } : undefined));
  }

  async dial(channelId: string, req: DialRequest): Promise<void> {
    await this.rest('channels.dial', 'POST', `/channels/${seg(channelId)}/dial`, { caller: req.callerChannelId, timeout: req.timeoutS });
  }

  async snoop(
    channelId: string,
    opts: { snoopId: string; spy: 'none' | 'in' | 'out' | 'both'; whisper: 'none' | 'in' | 'out' | 'both'; appArgs: string[] },
  ): Promise<ChannelInfo> {
    const query = { spy: opts.spy, whisper: opts.whisper, app: this.options.app, appArgs: opts.appArgs.join(',') };
    return toChannelInfo(await this.rest<AriChannelJson>('channels.snoopChannelWithId', 'POST', `/channels/${seg(channelId)}/snoop/${seg(opts.snoopId)}`, query));
  }

  async createBridge(opts: { bridgeId?: string; name?: string }): Promise<BridgeInfo> {
    const query = { type: BRIDGE_TYPE, name: opts.name };
    if (!opts.bridgeId) return toBridgeInfo(await this.rest<AriBridgeJson>('bridges.create', 'POST', '/bridges', query));
    try {
      return toBridgeInfo(await this.rest<AriBridgeJson>('bridges.createWithId', 'POST', `/bridges/${seg(opts.bridgeId)}`, query));
    } catch (err) {
      // Asterisk answers 409 "Bridge with id '…' already exists": ours from before a restart; adopt it.
      if (!isPbxError(err, 'conflict')) throw err;
      return toBridgeInfo(await this.rest<AriBridgeJson>('bridges.get', 'GET', `/bridges/${seg(opts.bridgeId)}`));
    }
  }

  async addToBridge(bridgeId: string, channelIds: string[]): Promise<void> {
    await this.rest('bridges.addChannel', 'POST', `/bridges/${seg(bridgeId)}/addChannel`, { channel: channelIds.join(',') });
  }

  async removeFromBridge(bridgeId: string, channelIds: string[]): Promise<void> {
    await this.rest('bridges.removeChannel', 'POST', `/bridges/${seg(bridgeId)}/removeChannel`, { channel: channelIds.join(',') });
  }

  async destroyBridge(bridgeId: string): Promise<void> {
    await this.rest('bridges.destroy', 'DELETE', `/bridges/${seg(bridgeId)}`);
  }

  async recordBridge(bridgeId: string, opts: { name: string; format: string }): Promise<void> {
    await this.rest('bridges.record', 'POST', `/bridges/${seg(bridgeId)}/record`, { name: opts.name, format: opts.format });
  }

  async stopRecording(name: string): Promise<void> {
    await this.rest('recordings.stopLive', 'POST', `/recordings/live/${seg(name)}/stop`);
  }

  async pauseRecording(name: string): Promise<void> {
    await this.rest('recordings.pause', 'POST', `/recordings/live/${seg(name)}/pause`);
  }

  async unpauseRecording(name: string): Promise<void> {
    await this.rest('recordings.unpause', 'DELETE', `/recordings/live/${seg(name)}/pause`);
  }

  /** Audio, not JSON: fetched directly, with the same base URL and credentials. */
  async getRecordingFile(name: string): Promise<RecordingFile> {
    const operation = 'recordings.getStoredFile';
    const base = new URL(this.options.url);
    const url = `${base.protocol}//${base.host}/ari/recordings/stored/${encodeURIComponent(name)}/file`;
    const authorization = `Basic ${Buffer.from(`${this.options.username}:${this.options.password}`).toString('base64')}`;
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization }, signal: AbortSignal.timeout(this.requestTimeoutMs) });
    } catch (err) {
      throw new PbxError('unavailable', 0, err instanceof Error ? err.message : String(err), operation);
    }
    if (!res.ok) throw classifyAriError(res.status, await res.text(), operation);
    return { contentType: res.headers.get('content-type') ?? 'application/octet-stream', data: Buffer.from(await res.arrayBuffer()) };
  }

  async getChannel(channelId: string): Promise<ChannelInfo | undefined> {
    try {
      return toChannelInfo(await this.rest<AriChannelJson>('channels.get', 'GET', `/channels/${seg(channelId)}`));
    } catch (err) {
      if (isPbxError(err, 'not_found')) return undefined;
      throw err;
    }
  }

  async listChannels(): Promise<ChannelInfo[]> {
    return (await this.rest<AriChannelJson[]>('channels.list', 'GET', '/channels')).map(toChannelInfo);
  }

  async listBridges(): Promise<BridgeInfo[]> {
    return (await this.rest<AriBridgeJson[]>('bridges.list', 'GET', '/bridges')).map(toBridgeInfo);
  }

  async appChannelIds(): Promise<string[]> {
    const app = await this.rest<{ channel_ids?: string[] }>('applications.get', 'GET', `/applications/${seg(this.options.app)}`);
    return [...(app.channel_ids ?? [])];
  }

  async subscribeEndpoint(endpoint: string): Promise<void> {
    const eventSource = `endpoint:${endpointParts(endpoint, 'applications.subscribe').join('/')}`;
    await this.rest('applications.subscribe', 'POST', `/applications/${seg(this.options.app)}/subscription`, { eventSource });
  }

  async getEndpoint(endpoint: string): Promise<EndpointInfo | undefined> {
    const [tech, resource] = endpointParts(endpoint, 'endpoints.get');
    try {
      return toEndpointInfo(await this.rest<AriEndpointJson>('endpoints.get', 'GET', `/endpoints/${seg(tech)}/${seg(resource)}`));
    } catch (err) {
      if (isPbxError(err, 'not_found')) return undefined;
      throw err;
    }
  }
}

/** `PJSIP/1001` → ['PJSIP', '1001']; anything without an Asterisk endpoint is refused before a request goes out. */
function endpointParts(endpoint: string, operation: Operation): [string, string] {
  const device = endpointOfDialString(endpoint);
  if (!device) throw new PbxError('invalid', 0, `'${endpoint}' is not the <technology>/<resource> of an endpoint`, operation);
  const slash = device.indexOf('/');
  return [device.slice(0, slash), device.slice(slash + 1)];
}
