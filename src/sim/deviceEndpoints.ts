/**
 * Asterisk endpoints as ARI shows them (`GET /endpoints/PJSIP/1001`): a state and the channels on
 * the endpoint. An app subscribes with `POST /applications/{app}/subscription?eventSource=endpoint:PJSIP/1001`
 * and then gets EndpointStateChange whenever a channel on the endpoint is created or destroyed
 * (Asterisk publishes a new endpoint snapshot then) and, like Asterisk forwarding the endpoint's
 * topic, the events of the endpoint's channels. Subscriptions outlive the app's WebSocket (the
 * app object stays in Asterisk); a restarted Asterisk would have none, hence apps re-subscribe.
 *
 * Which endpoints exist: any non-Local technology/resource (the simulated pjsip.conf has them all);
 * `online` when scripted with a behaviour other than `unavailable` or when it has channels, else
 * `offline` (not registered). Local and Snoop channels have no endpoint.
 */
import type { SimCore } from './core.js';
import { badRequest, notFound, unprocessable } from './errors.js';
import { SimChannel } from './model/channels.js';

const NO_ENDPOINT_TECHS = new Set(['local', 'snoop']);
/** `PJSIP/1001-0000000a` → `PJSIP/1001`: the name minus Asterisk's per-channel suffix. */
const CHANNEL_NAME = /^([^/]+)\/([^/]+?)(?:\/.*)?-[0-9a-f]{8}$/;

export interface EndpointJson {
  technology: string;
  resource: string;
  state: 'online' | 'offline' | 'unknown';
  channel_ids: string[];
}

/** `PJSIP/1001` of an endpoint string, undefined for technologies without endpoints. */
function endpointKey(tech: string, resource: string): string | undefined {
  if (!tech || !resource || NO_ENDPOINT_TECHS.has(tech.toLowerCase())) return undefined;
  return `${tech}/${resource}`;
}

export function endpointOfChannel(ch: SimChannel): string | undefined {
  const match = CHANNEL_NAME.exec(ch.name);
  return match ? endpointKey(match[1]!, match[2]!) : undefined;
}

/** Which apps are subscribed to which endpoints. */
export class EndpointSubscriptions {
  private readonly appsByEndpoint = new Map<string, Set<string>>();

  add(endpoint: string, app: string): void {
    const apps = this.appsByEndpoint.get(endpoint) ?? new Set<string>();
    apps.add(app);
    this.appsByEndpoint.set(endpoint, apps);
  }

  apps(endpoint: string): Set<string> {
    return this.appsByEndpoint.get(endpoint) ?? new Set();
  }

  endpointsOf(app: string): string[] {
    return [...this.appsByEndpoint].filter(([, apps]) => apps.has(app)).map(([endpoint]) => endpoint);
  }

  all(): string[] {
    return [...this.appsByEndpoint.keys()];
  }
}

export function endpointJson(core: SimCore, endpoint: string): EndpointJson {
  const slash = endpoint.indexOf('/');
  const channelIds = core.channels.all().filter((ch) => !ch.hangingUp && endpointOfChannel(ch) === endpoint).map((ch) => ch.id);
  const scripted = core.endpoints.get(endpoint);
  const online = channelIds.length > 0 || (scripted !== undefined && scripted.kind !== 'unavailable');
  return { technology: endpoint.slice(0, slash), resource: endpoint.slice(slash + 1), state: online ? 'online' : 'offline', channel_ids: channelIds };
}

/** GET /endpoints/{tech}/{resource}: 404 for technologies without endpoints. */
export function getEndpoint(core: SimCore, tech: string, resource: string): EndpointJson {
  const endpoint = endpointKey(tech, resource);
  if (!endpoint) throw notFound('Endpoint not found');
  return endpointJson(core, endpoint);
}

/** GET /endpoints[/{tech}]: the endpoints the simulator knows (scripted, subscribed, or with channels). */
export function listEndpoints(core: SimCore, tech?: string): EndpointJson[] {
  const known = new Set<string>(core.endpointSubscriptions.all());
  for (const ch of core.channels.all()) {
    const endpoint = endpointOfChannel(ch);
    if (endpoint) known.add(endpoint);
  }
  for (const endpoint of core.endpoints.names()) {
    const slash = endpoint.indexOf('/');
    if (endpointKey(endpoint.slice(0, slash), endpoint.slice(slash + 1))) known.add(endpoint);
  }
  return [...known]
    .filter((endpoint) => tech === undefined || endpoint.split('/')[0]!.toLowerCase() === tech.toLowerCase())
    .sort()
    .map((endpoint) => endpointJson(core, endpoint));
}

/** POST /applications/{app}/subscription: only `endpoint:` sources are simulated. */
export function subscribe(core: SimCore, app: string, eventSource: string | undefined): void {
  if (!eventSource) throw badRequest('Missing parameter eventSource');
  const sources = eventSource.split(',').map((s) => s.trim());
  const endpoints = sources.map((source) => {
    const match = /^endpoint:([^/]+)\/(.+)$/.exec(source);
    if (!match) {
      if (/^(channel|bridge|endpoint|deviceState):/.test(source)) throw badRequest(`Event source '${source}' is not simulated (only endpoint:{tech}/{resource})`);
      throw badRequest('Invalid event source URI scheme');
    }
    const endpoint = endpointKey(match[1]!, match[2]!);
    if (!endpoint) throw unprocessable('Event source does not exist');
    return endpoint;
  });
  for (const endpoint of endpoints) {
    core.endpointSubscriptions.add(endpoint, app);
    // Channels already on the endpoint are forwarded from now on too.
    for (const ch of core.channels.all()) if (endpointOfChannel(ch) === endpoint) ch.subscribers.add(app);
  }
}

/** A channel was created on / removed from its endpoint: EndpointStateChange to the subscribed apps. */
export function endpointChannelChanged(core: SimCore, ch: SimChannel, added: boolean): void {
  const endpoint = endpointOfChannel(ch);
  if (!endpoint) return;
  const apps = core.endpointSubscriptions.apps(endpoint);
  if (apps.size === 0) return;
  if (added) for (const app of apps) ch.subscribers.add(app);
  core.hub.emit(apps, 'EndpointStateChange', { endpoint: endpointJson(core, endpoint) });
}

/**
 * A call on the endpoint that the ACD has nothing to do with (the agent dials an extension from
 * its phone): an Up channel running Dial() in the dialplan, never in Stasis. Returns it; undefined
 * for an endpoint string without an endpoint (Local/...).
 */
export function startDirectCall(core: SimCore, endpoint: string, opts: { number?: string; id?: string }): SimChannel | undefined {
  const slash = endpoint.indexOf('/');
  const key = slash > 0 ? endpointKey(endpoint.slice(0, slash), endpoint.slice(slash + 1)) : undefined;
  if (!key) return undefined;
  const number = opts.number ?? '100';
  const ch = new SimChannel(opts.id ?? core.channels.nextUniqueId(), `${key}${core.channels.nextNameSuffix()}`, 'dialplan', {
    state: 'Up',
    caller: { name: '', number: key.slice(key.indexOf('/') + 1) },
    connected: { name: '', number },
    dialplan: { context: 'from-internal', exten: number, priority: 1, app_name: 'Dial', app_data: `PJSIP/${number}` },
    createdAt: core.now(),
  });
  return core.channels.add(ch);
}
