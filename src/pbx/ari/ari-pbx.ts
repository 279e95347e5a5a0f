import type { ResourceApi } from 'ari-client';
import type { Logger } from 'pino';
import {
  PbxError,
  endpointOfDialString,
  isPbxError,
  type BridgeInfo,
  type ChannelInfo,
  type CreateChannelRequest,
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
  /** Bound on each step of a connect attempt. Default 10 s. */
  connectTimeoutMs?: number;
  /** Wait before taking the app back after ApplicationReplaced. Default 1 s (jittered, growing while instances fight over the app). */
  appReplacedDelayMs?: number;
  /** WebSocket ping interval to detect dead connections; 0 disables. Default 20 s. */
  heartbeatMs?: number;
}

type AriResource = 'channels' | 'bridges' | 'playbacks' | 'recordings' | 'applications' | 'endpoints';
/** `resource.nickname` as in the api-docs, e.g. `channels.answer`; also the `operation` of a PbxError. */
type Operation = `${AriResource}.${string}`;

const BRIDGE_TYPE = 'mixing';

/** Creates the ari-client adapter of the PBX port; nothing connects before `start()`. */
export function createAriPbx(options: AriPbxOptions): Pbx {
  return new AriPbx(options);
}

class AriPbx implements Pbx {
  private readonly listeners = new Set<PbxListener>();
  private readonly supervisor: ConnectionSupervisor;
  private readonly log: Logger;
  private readonly requestTimeoutMs: number;

  constructor(private readonly options: AriPbxOptions) {
    this.log = options.logger.child({ component: 'ari-pbx' });
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
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
      emit: (event) => this.dispatch(event),
    });
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

  stop(): Promise<void> {
    return this.supervisor.stop();
  }

  /** A throwing listener must not starve the others nor reach ari-client's socket handler. */
  private dispatch(event: PbxEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log.error({ err, eventType: event.type }, 'PBX event listener threw');
      }
    }
  }

  /** Every REST call: through ari-client's resource API, bounded in time, errors as PbxError. */
  private async call<T = unknown>(operation: Operation, params: Record<string, unknown>): Promise<T> {
    const client = this.supervisor.client;
    if (!client) throw new PbxError('unavailable', 0, 'not connected to ARI', operation);
    const [resource, nickname] = operation.split('.') as [AriResource, string];
    const api = (client as unknown as Partial<Record<AriResource, ResourceApi>>)[resource];
    const send = api?.[nickname];
    if (!send) throw new PbxError('invalid', 0, `${operation} is not in the server's api-docs`, operation);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PbxError('unavailable', 0, `no answer within ${this.requestTimeoutMs} ms`, operation)), this.requestTimeoutMs);
    });
    try {
      return (await Promise.race([send.call(api, params), timeout])) as T;
    } catch (err) {
      const error = toPbxError(err, operation);
      this.log.debug({ operation, kind: error.kind, status: error.status, msg: error.message }, 'ARI request failed');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async answer(channelId: string): Promise<void> {
    await this.call('channels.answer', { channelId });
  }

  async hangup(channelId: string, reason?: 'normal' | 'busy' | 'congestion' | 'no_answer'): Promise<void> {
    await this.call('channels.hangup', { channelId, reason });
  }

  async ring(channelId: string): Promise<void> {
    await this.call('channels.ring', { channelId });
  }

  async ringStop(channelId: string): Promise<void> {
    await this.call('channels.ringStop', { channelId });
  }

  async startMoh(channelId: string, mohClass?: string): Promise<void> {
    await this.call('channels.startMoh', { channelId, mohClass });
  }

  async stopMoh(channelId: string): Promise<void> {
    await this.call('channels.stopMoh', { channelId });
  }

  async play(channelId: string, media: string[], playbackId?: string, lang?: string): Promise<string> {
    // ARI takes several media as one comma-separated `media` value.
    const params = { channelId, media: media.join(','), lang };
    const playback = playbackId
      ? await this.call<{ id?: string }>('channels.playWithId', { ...params, playbackId })
      : await this.call<{ id?: string }>('channels.play', params);
    return playback.id ?? playbackId ?? '';
  }

  async stopPlayback(playbackId: string): Promise<void> {
    await this.call('playbacks.stop', { playbackId });
  }

  async hold(channelId: string): Promise<void> {
    await this.call('channels.hold', { channelId });
  }

  async unhold(channelId: string): Promise<void> {
    await this.call('channels.unhold', { channelId });
  }

  async mute(channelId: string, direction: 'in' | 'out' | 'both'): Promise<void> {
    await this.call('channels.mute', { channelId, direction });
  }

  async unmute(channelId: string, direction: 'in' | 'out' | 'both'): Promise<void> {
    await this.call('channels.unmute', { channelId, direction });
  }

  async sendDtmf(channelId: string, dtmf: string): Promise<void> {
    await this.call('channels.sendDTMF', { channelId, dtmf });
  }

  async setVariable(channelId: string, name: string, value: string): Promise<void> {
    await this.call('channels.setChannelVar', { channelId, variable: name, value });
  }

  /** ARI answers 404 both for a missing channel and for an unset variable; only the first is an error. */
  async getVariable(channelId: string, name: string): Promise<string | undefined> {
    try {
      const { value } = await this.call<{ value?: string }>('channels.getChannelVar', { channelId, variable: name });
      return value;
    } catch (err) {
      if (isPbxError(err, 'not_found') && /variable/i.test(err.message)) return undefined;
      throw err;
    }
  }

  async continueInDialplan(channelId: string): Promise<void> {
    await this.call('channels.continueInDialplan', { channelId });
  }

  async createChannel(req: CreateChannelRequest): Promise<ChannelInfo> {
    // channels/create has no callerId parameter; the CALLERID function does the same at creation.
    const variables = req.callerId === undefined ? req.variables : { ...req.variables, 'CALLERID(all)': req.callerId };
    const channel = await this.call<AriChannelJson>('channels.create', {
      endpoint: req.endpoint,
      app: this.options.app,
      appArgs: req.appArgs.join(','),
      channelId: req.channelId,
      otherChannelId: req.otherChannelId,
      originator: req.originator,
      variables,
    });
    return toChannelInfo(channel);
  }

  async dial(channelId: string, req: DialRequest): Promise<void> {
    await this.call('channels.dial', { channelId, caller: req.callerChannelId, timeout: req.timeoutS });
  }

  async snoop(
    channelId: string,
    opts: { snoopId: string; spy: 'none' | 'in' | 'out' | 'both'; whisper: 'none' | 'in' | 'out' | 'both'; appArgs: string[] },
  ): Promise<ChannelInfo> {
    const channel = await this.call<AriChannelJson>('channels.snoopChannelWithId', {
      channelId,
      snoopId: opts.snoopId,
      spy: opts.spy,
      whisper: opts.whisper,
      app: this.options.app,
      appArgs: opts.appArgs.join(','),
    });
    return toChannelInfo(channel);
  }

  async createBridge(opts: { bridgeId?: string; name?: string }): Promise<BridgeInfo> {
    if (!opts.bridgeId) return toBridgeInfo(await this.call<AriBridgeJson>('bridges.create', { type: BRIDGE_TYPE, name: opts.name }));
    try {
      return toBridgeInfo(await this.call<AriBridgeJson>('bridges.createWithId', { bridgeId: opts.bridgeId, type: BRIDGE_TYPE, name: opts.name }));
    } catch (err) {
      // Asterisk answers 409 "Bridge with id '…' already exists": ours from before a restart; adopt it.
      if (!isPbxError(err, 'conflict')) throw err;
      return toBridgeInfo(await this.call<AriBridgeJson>('bridges.get', { bridgeId: opts.bridgeId }));
    }
  }

  async addToBridge(bridgeId: string, channelIds: string[]): Promise<void> {
    await this.call('bridges.addChannel', { bridgeId, channel: channelIds.join(',') });
  }

  async removeFromBridge(bridgeId: string, channelIds: string[]): Promise<void> {
    await this.call('bridges.removeChannel', { bridgeId, channel: channelIds.join(',') });
  }

  async destroyBridge(bridgeId: string): Promise<void> {
    await this.call('bridges.destroy', { bridgeId });
  }

  async recordBridge(bridgeId: string, opts: { name: string; format: string }): Promise<void> {
    await this.call('bridges.record', { bridgeId, name: opts.name, format: opts.format });
  }

  async stopRecording(name: string): Promise<void> {
    await this.call('recordings.stopLive', { recordingName: name });
  }

  async pauseRecording(name: string): Promise<void> {
    await this.call('recordings.pause', { recordingName: name });
  }

  async unpauseRecording(name: string): Promise<void> {
    await this.call('recordings.unpause', { recordingName: name });
  }

  /**
   * ari-client's swagger layer reads every answer as text (and tries JSON on it), which mangles
   * audio: the file is fetched directly, with the same base URL and credentials.
   */
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
      return toChannelInfo(await this.call<AriChannelJson>('channels.get', { channelId }));
    } catch (err) {
      if (isPbxError(err, 'not_found')) return undefined;
      throw err;
    }
  }

  async listChannels(): Promise<ChannelInfo[]> {
    return (await this.call<AriChannelJson[]>('channels.list', {})).map(toChannelInfo);
  }

  async listBridges(): Promise<BridgeInfo[]> {
    return (await this.call<AriBridgeJson[]>('bridges.list', {})).map(toBridgeInfo);
  }

  async appChannelIds(): Promise<string[]> {
    const app = await this.call<{ channel_ids?: string[] }>('applications.get', { applicationName: this.options.app });
    return [...(app.channel_ids ?? [])];
  }

  async subscribeEndpoint(endpoint: string): Promise<void> {
    await this.call('applications.subscribe', { applicationName: this.options.app, eventSource: `endpoint:${endpointParts(endpoint, 'applications.subscribe').join('/')}` });
  }

  async getEndpoint(endpoint: string): Promise<EndpointInfo | undefined> {
    const [tech, resource] = endpointParts(endpoint, 'endpoints.get');
    try {
      return toEndpointInfo(await this.call<AriEndpointJson>('endpoints.get', { tech, resource }));
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
