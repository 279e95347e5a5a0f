import type { DialStatus, PbxEvent } from '../port.js';
import { toChannelInfo, toEndpointInfo, type AriBridgeJson, type AriChannelJson, type AriEndpointJson } from './ari-json.js';

/** An ARI WebSocket message, read defensively: any field may be missing or of the wrong type. */
interface AriEventJson {
  type?: unknown;
  channel?: AriChannelJson;
  peer?: AriChannelJson;
  caller?: AriChannelJson;
  bridge?: AriBridgeJson;
  endpoint?: AriEndpointJson;
  playback?: { id?: string; media_uri?: string; target_uri?: string; state?: string };
  recording?: { name?: string; target_uri?: string; duration?: number };
  args?: unknown;
  cause?: number;
  cause_txt?: string;
  dialstatus?: string;
  digit?: string;
  duration_ms?: number;
}

const DIAL_STATUSES: ReadonlySet<string> = new Set<DialStatus>(['ANSWER', 'BUSY', 'NOANSWER', 'CANCEL', 'CONGESTION', 'CHANUNAVAIL', 'DONTCALL', 'TORTURE']);

/** `channel:abc;2` → `abc;2`; a playback on a bridge has no channel, so ''. */
const channelIdOfTarget = (targetUri: string | undefined): string =>
  targetUri?.startsWith('channel:') ? targetUri.slice('channel:'.length) : '';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

type Normalizer = (e: AriEventJson) => PbxEvent | undefined;

/** Events that need a channel with an id; without one they are dropped. */
const withChannel = (make: (e: AriEventJson, channelId: string) => PbxEvent): Normalizer => (e) =>
  e.channel?.id ? make(e, e.channel.id) : undefined;

const withBridgeAndChannel = (type: 'channelEnteredBridge'): Normalizer => (e) =>
  e.bridge?.id && e.channel?.id ? { type, bridgeId: e.bridge.id, channelId: e.channel.id } : undefined;

const recordingFinished = (failed: boolean): Normalizer => (e) =>
  e.recording?.name
    ? { type: 'recordingFinished', name: e.recording.name, target: e.recording.target_uri ?? '', durationS: e.recording.duration ?? 0, failed }
    : undefined;

const NORMALIZERS: Record<string, Normalizer> = {
  StasisStart: withChannel((e) => ({
    type: 'channelEnteredApp',
    channel: toChannelInfo(e.channel ?? {}),
    args: Array.isArray(e.args) ? e.args.map(String) : [],
  })),
  StasisEnd: withChannel((_e, channelId) => ({ type: 'channelLeftApp', channelId })),
  ChannelDestroyed: withChannel((e, channelId) => ({ type: 'channelDestroyed', channelId, cause: e.cause ?? 0, causeText: e.cause_txt ?? '' })),
  ChannelDtmfReceived: withChannel((e, channelId) => ({ type: 'dtmfReceived', channelId, digit: e.digit ?? '', durationMs: e.duration_ms ?? 0 })),
  Dial: (e) => {
    const status = e.dialstatus ?? '';
    // Statuses outside the port's list (interim ones: '', RINGING, PROGRESS; PROCEEDING, INVALIDARGS...) carry nothing the engine acts on.
    if (!e.peer?.id || !DIAL_STATUSES.has(status)) return undefined;
    const peerInApp = e.peer.dialplan?.app_name === 'Stasis';
    return { type: 'dialProgress', peerChannelId: e.peer.id, callerChannelId: e.caller?.id ?? '', status: status as DialStatus, peerInApp };
  },
  PlaybackStarted: (e) =>
    e.playback?.id
      ? { type: 'playbackStarted', playbackId: e.playback.id, channelId: channelIdOfTarget(e.playback.target_uri), mediaUri: e.playback.media_uri ?? '' }
      : undefined,
  PlaybackFinished: (e) =>
    e.playback?.id
      ? {
          type: 'playbackFinished',
          playbackId: e.playback.id,
          channelId: channelIdOfTarget(e.playback.target_uri),
          mediaUri: e.playback.media_uri ?? '',
          failed: e.playback.state === 'failed',
        }
      : undefined,
  ChannelEnteredBridge: withBridgeAndChannel('channelEnteredBridge'),
  RecordingStarted: (e) =>
    e.recording?.name ? { type: 'recordingStarted', name: e.recording.name, target: e.recording.target_uri ?? '' } : undefined,
  RecordingFinished: recordingFinished(false),
  RecordingFailed: recordingFinished(true),
  ApplicationReplaced: () => ({ type: 'appReplaced' }),
  EndpointStateChange: (e) => {
    if (!e.endpoint?.technology || !e.endpoint.resource) return undefined;
    const { endpoint, state, channelIds } = toEndpointInfo(e.endpoint);
    return { type: 'endpointStateChanged', endpoint, state, channelIds };
  },
};

/**
 * The ARI event types the engine uses: the app's event filter lets only these through.
 * ChannelHangupRequest is left out: three of a call's fourteen events, and the ChannelDestroyed
 * that follows carries the same cause in every recorded trace (../shared/ari-traces) — the one
 * the engine waits for anyway (src/acd/hangupCauses.ts).
 */
export const HANDLED_ARI_EVENT_TYPES: readonly string[] = Object.keys(NORMALIZERS);

/**
 * Maps one raw ARI event to a port event. Types the engine does not use (ChannelVarset,
 * ChannelDialplan, ChannelHangupRequest, ChannelStateChange, ChannelLeftBridge, BridgeDestroyed, PlaybackContinuing, ...)
 * and malformed events give `undefined`; this never throws.
 */
export function normalizeAriEvent(raw: unknown): PbxEvent | undefined {
  if (!isObject(raw) || typeof raw.type !== 'string' || !Object.hasOwn(NORMALIZERS, raw.type)) return undefined;
  try {
    return NORMALIZERS[raw.type]!(raw as AriEventJson);
  } catch {
    // Wrong field types from a misbehaving server (e.g. `caller: 5`): drop rather than crash the socket.
    return undefined;
  }
}
