import type { BridgeInfo, ChannelInfo, ChannelState, EndpointInfo, EndpointState } from '../port.js';

/** ARI `Channel` model, as far as we read it. Every field is optional: we never trust the wire. */
export interface AriChannelJson {
  id?: string;
  name?: string;
  state?: string;
  caller?: { name?: string; number?: string };
  dialplan?: { context?: string; exten?: string; app_name?: string; app_data?: string };
  creationtime?: string;
  /** Only with ari.conf `channelvars`: those variables, '' when unset. */
  channelvars?: Record<string, unknown>;
}

export interface AriBridgeJson {
  id?: string;
  name?: string;
  channels?: string[];
}

const CHANNEL_STATES: ReadonlySet<string> = new Set<ChannelState>(['Down', 'Rsrvd', 'OffHook', 'Dialing', 'Ring', 'Ringing', 'Up', 'Busy', 'Dialing Offhook', 'Pre-ring', 'Unknown']);

const toChannelState = (state: string | undefined): ChannelState =>
  state !== undefined && CHANNEL_STATES.has(state) ? (state as ChannelState) : 'Unknown';

/**
 * ARI timestamps look like `2026-11-21T07:48:38.626+0000`; the offset lacks the colon ISO 8601
 * wants, so add it before parsing. Returns ms epoch, or 0 when absent or unreadable.
 */
export function parseAriTimestamp(value: string | undefined): number {
  if (!value) return 0;
  const ms = Date.parse(value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isNaN(ms) ? 0 : ms;
}

export function toChannelInfo(json: AriChannelJson): ChannelInfo {
  return {
    id: json.id ?? '',
    name: json.name ?? '',
    state: toChannelState(json.state),
    callerNumber: json.caller?.number ?? '',
    callerName: json.caller?.name ?? '',
    context: json.dialplan?.context ?? '',
    exten: json.dialplan?.exten ?? '',
    appName: json.dialplan?.app_name ?? '',
    appData: json.dialplan?.app_data ?? '',
    createdAt: parseAriTimestamp(json.creationtime),
    ...(isObject(json.channelvars) ? { variables: Object.fromEntries(Object.entries(json.channelvars).map(([k, v]) => [k, String(v ?? '')])) } : {}),
  };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function toBridgeInfo(json: AriBridgeJson): BridgeInfo {
  return { id: json.id ?? '', name: json.name ?? '', channelIds: [...(json.channels ?? [])] };
}

/** ARI `Endpoint` model. */
export interface AriEndpointJson {
  technology?: string;
  resource?: string;
  state?: string;
  channel_ids?: unknown;
}

const ENDPOINT_STATES: ReadonlySet<string> = new Set<EndpointState>(['online', 'offline', 'unknown']);

export function toEndpointInfo(json: AriEndpointJson): EndpointInfo {
  return {
    endpoint: `${json.technology ?? ''}/${json.resource ?? ''}`,
    state: json.state !== undefined && ENDPOINT_STATES.has(json.state) ? (json.state as EndpointState) : 'unknown',
    channelIds: Array.isArray(json.channel_ids) ? json.channel_ids.filter((id): id is string => typeof id === 'string') : [],
  };
}
