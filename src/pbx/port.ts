/**
 * The PBX port: everything the engine needs from Asterisk, in our own types. The engine never
 * sees ari-client; the adapter in `./ari/` implements this over ARI, and tests run that same
 * adapter against the simulator in `src/sim/` over real HTTP and WebSocket.
 */

export type ChannelState = 'Down' | 'Rsrvd' | 'OffHook' | 'Dialing' | 'Ring' | 'Ringing' | 'Up' | 'Busy' | 'Dialing Offhook' | 'Pre-ring' | 'Unknown';

export interface ChannelInfo {
  id: string;
  name: string;
  state: ChannelState;
  callerNumber: string;
  callerName: string;
  /** Dialplan position; for a channel inside Stasis `appName` is 'Stasis' and `appData` e.g. 'acd,sales,priority=5'. */
  context: string;
  exten: string;
  appName: string;
  appData: string;
  /** ms epoch */
  createdAt: number;
  /**
   * The variables Asterisk puts in every channel snapshot when ari.conf's `[general]` has
   * `channelvars = ACD_SKILLS,...` ('' when unset); absent without it. Spares a variable read per caller.
   */
  variables?: Record<string, string>;
}

/** ARI endpoint state: 'online' / 'offline' (registration), 'unknown'. Use is read from `channelIds`. */
export type EndpointState = 'online' | 'offline' | 'unknown';

/** An ARI endpoint (`PJSIP/1001`: technology + resource) and the channels currently on it. */
export interface EndpointInfo {
  /** `<technology>/<resource>`, e.g. `PJSIP/1001`. */
  endpoint: string;
  state: EndpointState;
  channelIds: string[];
}

/**
 * The Asterisk endpoint a dial string rings: `PJSIP/1001` (or `PJSIP/1001/sip:...`) → `PJSIP/1001`.
 * Undefined for Local channels (Asterisk gives them no endpoint) and strings not of that form.
 */
export function endpointOfDialString(dialString: string): string | undefined {
  const match = /^([A-Za-z0-9_-]+)\/([^/]+)/.exec(dialString);
  if (!match || match[1]!.toLowerCase() === 'local') return undefined;
  return `${match[1]}/${match[2]}`;
}

export interface BridgeInfo {
  id: string;
  name: string;
  channelIds: string[];
}

/**
 * A dial's outcome as reported by Asterisk's `Dial` event (`dialstatus`). Its interim statuses
 * ('' dial started, RINGING, PROGRESS) are dropped by the adapter: nothing acts on them, and each
 * cost the engine a look-up of the leg's call (two per offer, issue 12).
 */
export type DialStatus = 'ANSWER' | 'BUSY' | 'NOANSWER' | 'CANCEL' | 'CONGESTION' | 'CHANUNAVAIL' | 'DONTCALL' | 'TORTURE';

/** Normalized events. Unknown ARI event types are dropped by the adapter, never thrown. */
export type PbxEvent =
  /** StasisStart: the channel is now controlled by the app. `args` are the Stasis() args after the app name. */
  | { type: 'channelEnteredApp'; channel: ChannelInfo; args: string[] }
  /** StasisEnd: the app gets nothing more about this channel; treat it as gone. */
  | { type: 'channelLeftApp'; channelId: string }
  | { type: 'channelDestroyed'; channelId: string; cause: number; causeText: string }
  /**
   * Dial event about the dialed leg (`peer`): its outcome (see DialStatus). `peerInApp`: the leg is
   * in our Stasis app (created, then dialed); false for an originated leg, which enters Stasis only
   * once it answered (its ANSWER comes before its StasisStart, and no bridge takes it before that).
   */
  | { type: 'dialProgress'; peerChannelId: string; callerChannelId: string; status: DialStatus; peerInApp: boolean }
  | { type: 'dtmfReceived'; channelId: string; digit: string; durationMs: number }
  | { type: 'playbackStarted'; playbackId: string; channelId: string; mediaUri: string }
  | { type: 'playbackFinished'; playbackId: string; channelId: string; mediaUri: string; failed: boolean }
  | { type: 'channelEnteredBridge'; bridgeId: string; channelId: string }
  | { type: 'recordingStarted'; name: string; target: string }
  | { type: 'recordingFinished'; name: string; target: string; durationS: number; failed: boolean }
  /** EndpointStateChange of an endpoint the app subscribed to (`subscribeEndpoint`); sent when its channels or state change. */
  | { type: 'endpointStateChanged'; endpoint: string; state: EndpointState; channelIds: string[] }
  /**
   * Connection lifecycle from the adapter's supervisor. `connected` comes after every (re)connect,
   * and the engine reconciles then: events may have been missed while the socket was down.
   */
  | { type: 'connected'; reconnect: boolean }
  | { type: 'disconnected'; reason: string }
  /** Another WebSocket took over the app (ApplicationReplaced); the supervisor reconnects. */
  | { type: 'appReplaced' };

export type PbxEventType = PbxEvent['type'];
export type PbxListener = (event: PbxEvent) => void;

/** Error from a PBX request, keeping the HTTP status that ari-client alone would lose. */
export type PbxErrorKind =
  | 'not_found' // 404: channel/bridge/playback gone
  | 'not_in_stasis' // 409 "Channel not in Stasis application"
  | 'conflict' // other 409
  | 'invalid' // 400, e.g. invalid endpoint
  | 'allocation_failed' // 500 {"error":"Allocation failed"}: the endpoint cannot be reached
  | 'server' // other 5xx
  | 'unavailable'; // no connection to the PBX

export class PbxError extends Error {
  constructor(
    readonly kind: PbxErrorKind,
    readonly status: number,
    message: string,
    /** The REST operation, e.g. 'channels.dial', for logs. */
    readonly operation: string,
  ) {
    super(message);
    this.name = 'PbxError';
  }
}

export const isPbxError = (e: unknown, kind?: PbxErrorKind): e is PbxError =>
  e instanceof PbxError && (kind === undefined || e.kind === kind);

/**
 * A request refused because a channel it names is gone or leaving: 404, or for a bridge's
 * addChannel / removeChannel 400 "Channel not found" (gone) and 422 "Channel not in Stasis
 * application" (hanging up). Its StasisEnd, if any, is on its way.
 */
export const isPartyGone = (e: unknown): e is PbxError =>
  isPbxError(e, 'not_found') || isPbxError(e, 'not_in_stasis') || (isPbxError(e, 'invalid') && /channel not found/i.test(e.message));

export interface CreateChannelRequest {
  /** Dial string, e.g. 'PJSIP/1001' or 'Local/1001@agents'. */
  endpoint: string;
  /** Our id for the new channel (idempotent retries, restart safety). */
  channelId: string;
  /** Id of the `;2` half when the endpoint is a Local channel. */
  otherChannelId?: string;
  /** Stasis args for the new channel's StasisStart, e.g. ['agent', '1001', '<callId>']. */
  appArgs: string[];
  /** Channel that causes this one (for linkedid / CDRs). */
  originator?: string;
  callerId?: string;
  variables?: Record<string, string>;
}

/** POST /channels: the channel is dialed at once and enters Stasis only when it answers. */
export interface OriginateRequest extends CreateChannelRequest {
  /** Ring timeout in seconds: when it runs out the channel is destroyed with cause 19. */
  timeoutS: number;
}

export interface DialRequest {
  /** The channel we are dialing for (the caller), so Dial events carry it. */
  callerChannelId?: string;
  /** Ring timeout in seconds: when it runs out the leg is hung up with cause 19 and no final Dial event. */
  timeoutS: number;
}

/** A stored recording's audio, as the PBX serves it. */
export interface RecordingFile {
  contentType: string;
  data: Buffer;
}

export interface Pbx {
  /** Subscribe to normalized events; returns the unsubscribe function. */
  onEvent(listener: PbxListener): () => void;
  /** Connect and keep connected (own reconnect loop, never gives up) until `stop()`. */
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly connected: boolean;

  answer(channelId: string): Promise<void>;
  hangup(channelId: string, reason?: 'normal' | 'busy' | 'congestion' | 'no_answer'): Promise<void>;
  ring(channelId: string): Promise<void>;
  ringStop(channelId: string): Promise<void>;
  startMoh(channelId: string, mohClass?: string): Promise<void>;
  stopMoh(channelId: string): Promise<void>;
  /** Plays one or more media URIs (`sound:x`, `number:3`, `digits:12`) in order; returns the playback id. */
  play(channelId: string, media: string[], playbackId?: string, lang?: string): Promise<string>;
  stopPlayback(playbackId: string): Promise<void>;
  hold(channelId: string): Promise<void>;
  unhold(channelId: string): Promise<void>;
  mute(channelId: string, direction: 'in' | 'out' | 'both'): Promise<void>;
  unmute(channelId: string, direction: 'in' | 'out' | 'both'): Promise<void>;
  sendDtmf(channelId: string, dtmf: string): Promise<void>;
  setVariable(channelId: string, name: string, value: string): Promise<void>;
  getVariable(channelId: string, name: string): Promise<string | undefined>;
  /** Leaves Stasis and goes on in the dialplan after the Stasis() application. */
  continueInDialplan(channelId: string): Promise<void>;

  /** POST /channels/create: the channel enters Stasis (StasisStart) before it may be dialed. */
  createChannel(req: CreateChannelRequest): Promise<ChannelInfo>;
  dial(channelId: string, req: DialRequest): Promise<void>;
  /**
   * POST /channels with the app: one request instead of create + dial. The app hears the channel's
   * Dial events (peerInApp false), then its StasisStart (Up) when it answered, or only its
   * ChannelDestroyed (cause 19 rang out, 21 rejected; 0 after a Dial BUSY) when it did not.
   */
  originate(req: OriginateRequest): Promise<ChannelInfo>;
  snoop(channelId: string, opts: { snoopId: string; spy: 'none' | 'in' | 'out' | 'both'; whisper: 'none' | 'in' | 'out' | 'both'; appArgs: string[] }): Promise<ChannelInfo>;

  createBridge(opts: { bridgeId?: string; name?: string }): Promise<BridgeInfo>;
  addToBridge(bridgeId: string, channelIds: string[]): Promise<void>;
  removeFromBridge(bridgeId: string, channelIds: string[]): Promise<void>;
  destroyBridge(bridgeId: string): Promise<void>;
  recordBridge(bridgeId: string, opts: { name: string; format: string }): Promise<void>;
  stopRecording(name: string): Promise<void>;
  /** Paused time is left out of the recording (and its duration); idempotent while it runs, PbxError conflict once it ended. */
  pauseRecording(name: string): Promise<void>;
  unpauseRecording(name: string): Promise<void>;
  /** The stored recording's audio bytes (GET /recordings/stored/{name}/file); PbxError not_found for an unknown name. */
  getRecordingFile(name: string): Promise<RecordingFile>;

  getChannel(channelId: string): Promise<ChannelInfo | undefined>;
  listChannels(): Promise<ChannelInfo[]>;
  listBridges(): Promise<BridgeInfo[]>;
  /**
   * Channel ids our Stasis application is subscribed to (GET /applications/{app}): those in Stasis,
   * and an originated channel still ringing with its Local far half (in Stasis: `appName` Stasis).
   */
  appChannelIds(): Promise<string[]>;
  /**
   * Subscribes the app to an endpoint's events (POST /applications/{app}/subscription,
   * eventSource=endpoint:<tech>/<resource>): EndpointStateChange, and the events of its channels.
   * Idempotent. PbxError not_found / invalid (422) when the endpoint does not exist.
   */
  subscribeEndpoint(endpoint: string): Promise<void>;
  /** GET /endpoints/{tech}/{resource}; undefined when it does not exist. */
  getEndpoint(endpoint: string): Promise<EndpointInfo | undefined>;
}
