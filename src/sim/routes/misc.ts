/** /playbacks, /recordings, /applications, /endpoints, /asterisk. */
import type { SimCore } from '../core.js';
import { badRequest, notFound } from '../errors.js';
import type { AriRouter } from '../http.js';
import { ariTimestamp } from '../json.js';
import { appsOfChannel } from '../model/notify.js';
import { getEndpoint, listEndpoints, subscribe } from '../deviceEndpoints.js';

const NO_CONTENT = { status: 204 } as const;
export const ASTERISK_VERSION = '22.10.1';

function applicationJson(core: SimCore, app: string) {
  return {
    name: app,
    channel_ids: core.channels.all().filter((ch) => appsOfChannel(ch).has(app)).map((ch) => ch.id),
    bridge_ids: core.bridges.all().filter((b) => b.subscribers.has(app)).map((b) => b.id),
    endpoint_ids: core.endpointSubscriptions.endpointsOf(app),
    device_names: [],
    events_allowed: core.hub.filterOf(app).allowed.map((type) => ({ type })),
    events_disallowed: core.hub.filterOf(app).disallowed.map((type) => ({ type })),
  };
}

/** `{"allowed": [{"type": "StasisStart"}, ...]}` → ['StasisStart', ...]; a malformed list is a 400 as in Asterisk. */
function eventTypes(body: unknown, key: 'allowed' | 'disallowed'): string[] {
  const list = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
  if (list === undefined) return [];
  if (!Array.isArray(list) || !list.every((f) => typeof f === 'object' && f !== null && typeof (f as { type?: unknown }).type === 'string')) {
    throw badRequest(`Invalid ${key} event filter`);
  }
  return list.map((f) => (f as { type: string }).type);
}

export function registerMiscRoutes(router: AriRouter, core: SimCore, startedAt: number): void {
  router
    .on('GET', '/playbacks/:playbackId', (req) => ({ status: 200, body: core.playbacks.get(req.params.playbackId!) }))
    .on('DELETE', '/playbacks/:playbackId', (req) => {
      core.playbacks.stop(core, req.params.playbackId!);
      return NO_CONTENT;
    })
    .on('GET', '/recordings/stored', () => ({ status: 200, body: core.recordings.listStored() }))
    .on('GET', '/recordings/stored/:name/file', (req) => {
      const { contentType, data } = core.recordings.file(req.params.name!);
      return { status: 200, body: data, headers: { 'Content-Type': contentType } };
    })
    .on('GET', '/recordings/stored/:name', (req) => ({ status: 200, body: core.recordings.getStored(req.params.name!) }))
    .on('DELETE', '/recordings/stored/:name', (req) => {
      core.recordings.deleteStored(req.params.name!);
      return NO_CONTENT;
    })
    .on('GET', '/recordings/live/:name', (req) => ({ status: 200, body: core.recordings.getLive(req.params.name!) }))
    .on('POST', '/recordings/live/:name/stop', (req) => {
      core.recordings.stop(core, req.params.name!);
      return NO_CONTENT;
    })
    .on('POST', '/recordings/live/:name/pause', (req) => {
      core.recordings.setPaused(core, req.params.name!, true);
      return NO_CONTENT;
    })
    .on('DELETE', '/recordings/live/:name/pause', (req) => {
      core.recordings.setPaused(core, req.params.name!, false);
      return NO_CONTENT;
    })
    .on('GET', '/applications', () => ({ status: 200, body: core.hub.registeredApps().map((app) => applicationJson(core, app)) }))
    .on('GET', '/applications/:app', (req) => {
      const app = req.params.app!;
      if (!core.hub.isRegistered(app)) throw notFound('Application not found');
      return { status: 200, body: applicationJson(core, app) };
    })
    .on('POST', '/applications/:app/subscription', (req) => {
      const app = req.params.app!;
      if (!core.hub.isRegistered(app)) throw notFound('Application not found');
      subscribe(core, app, req.args.eventSource);
      return { status: 200, body: applicationJson(core, app) };
    })
    .on('PUT', '/applications/:app/eventFilter', (req) => {
      const app = req.params.app!;
      if (!core.hub.isRegistered(app)) throw notFound('Application not found');
      core.hub.setFilter(app, { allowed: eventTypes(req.body, 'allowed'), disallowed: eventTypes(req.body, 'disallowed') });
      return { status: 200, body: applicationJson(core, app) };
    })
    .on('GET', '/endpoints', () => ({ status: 200, body: listEndpoints(core) }))
    .on('GET', '/endpoints/:tech', (req) => ({ status: 200, body: listEndpoints(core, req.params.tech!) }))
    .on('GET', '/endpoints/:tech/:resource', (req) => ({ status: 200, body: getEndpoint(core, req.params.tech!, req.params.resource!) }))
    .on('GET', '/asterisk/info', () => ({
      status: 200,
      body: {
        build: { os: 'Linux', kernel: '', machine: 'x86_64', options: '', date: '', user: 'acd-sim' },
        system: { version: ASTERISK_VERSION, entity_id: core.hub.asteriskId },
        config: { name: 'acd-sim', default_language: 'en', setid: { user: '', group: '' } },
        status: { startup_time: ariTimestamp(startedAt), last_reload_time: ariTimestamp(startedAt) },
      },
    }))
    .on('GET', '/asterisk/ping', () => ({
      status: 200,
      body: { asterisk_id: core.hub.asteriskId, ping: 'pong', timestamp: ariTimestamp(core.now()) },
    }));
}
