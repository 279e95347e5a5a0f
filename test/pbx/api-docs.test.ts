import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { traceEvents } from './traces.js';

const DOCS = fileURLToPath(new URL('../../src/sim/api-docs/', import.meta.url));

interface Operation {
  httpMethod: string;
  nickname: string;
  parameters?: Array<{ name: string; paramType: string; required: boolean; allowMultiple: boolean; dataType: string }>;
}
interface ApiDeclaration {
  swaggerVersion: string;
  basePath: string;
  resourcePath: string;
  apis: Array<{ path: string; operations: Operation[] }>;
  models: Record<string, { id: string; properties: Record<string, { type: string }>; subTypes?: string[] }>;
}

const read = <T>(name: string): T => JSON.parse(readFileSync(`${DOCS}${name}.json`, 'utf8')) as T;

const RESOURCES = ['asterisk', 'channels', 'bridges', 'recordings', 'playbacks', 'events', 'applications', 'endpoints'];

/** What the simulator implements, as `METHOD path nickname`, with Asterisk's nicknames. */
const EXPECTED: Record<string, string[]> = {
  channels: [
    'GET /channels list',
    'POST /channels originate',
    'POST /channels/create create',
    'GET /channels/{channelId} get',
    'POST /channels/{channelId} originateWithId',
    'DELETE /channels/{channelId} hangup',
    'POST /channels/{channelId}/continue continueInDialplan',
    'POST /channels/{channelId}/answer answer',
    'POST /channels/{channelId}/ring ring',
    'DELETE /channels/{channelId}/ring ringStop',
    'POST /channels/{channelId}/dtmf sendDTMF',
    'POST /channels/{channelId}/mute mute',
    'DELETE /channels/{channelId}/mute unmute',
    'POST /channels/{channelId}/hold hold',
    'DELETE /channels/{channelId}/hold unhold',
    'POST /channels/{channelId}/moh startMoh',
    'DELETE /channels/{channelId}/moh stopMoh',
    'POST /channels/{channelId}/play play',
    'POST /channels/{channelId}/play/{playbackId} playWithId',
    'GET /channels/{channelId}/variable getChannelVar',
    'POST /channels/{channelId}/variable setChannelVar',
    'POST /channels/{channelId}/snoop snoopChannel',
    'POST /channels/{channelId}/snoop/{snoopId} snoopChannelWithId',
    'POST /channels/{channelId}/dial dial',
  ],
  bridges: [
    'GET /bridges list',
    'POST /bridges create',
    'POST /bridges/{bridgeId} createWithId',
    'GET /bridges/{bridgeId} get',
    'DELETE /bridges/{bridgeId} destroy',
    'POST /bridges/{bridgeId}/addChannel addChannel',
    'POST /bridges/{bridgeId}/removeChannel removeChannel',
    'POST /bridges/{bridgeId}/record record',
  ],
  playbacks: ['GET /playbacks/{playbackId} get', 'DELETE /playbacks/{playbackId} stop'],
  recordings: [
    'GET /recordings/stored listStored',
    'GET /recordings/stored/{recordingName} getStored',
    'DELETE /recordings/stored/{recordingName} deleteStored',
    'GET /recordings/stored/{recordingName}/file getStoredFile',
    'POST /recordings/live/{recordingName}/stop stopLive',
    'POST /recordings/live/{recordingName}/pause pause',
    'DELETE /recordings/live/{recordingName}/pause unpause',
  ],
  applications: ['GET /applications/{applicationName} get', 'POST /applications/{applicationName}/subscription subscribe'],
  endpoints: ['GET /endpoints list', 'GET /endpoints/{tech} listByTech', 'GET /endpoints/{tech}/{resource} get'],
  asterisk: ['GET /asterisk/info getInfo'],
  events: ['GET /events eventWebsocket'],
};

describe('simulator api-docs (Swagger 1.2, Asterisk format)', () => {
  it('resources.json lists one api declaration per implemented resource', () => {
    const listing = read<{ swaggerVersion: string; basePath: string; apis: Array<{ path: string }> }>('resources');
    expect(listing.swaggerVersion).toBe('1.2');
    expect(listing.basePath).toBe('http://localhost:8088/ari');
    expect(listing.apis.map((a) => a.path).sort()).toEqual(RESOURCES.map((r) => `/api-docs/${r}.{format}`).sort());
  });

  it.each(RESOURCES)('%s.json declares exactly the implemented operations', (resource) => {
    const doc = read<ApiDeclaration>(resource);
    expect(doc).toMatchObject({ swaggerVersion: '1.2', basePath: 'http://localhost:8088/ari', resourcePath: `/api-docs/${resource}.{format}` });
    const operations = doc.apis.flatMap((api) => api.operations.map((op) => `${op.httpMethod} ${api.path} ${op.nickname}`));
    expect(operations.sort()).toEqual([...EXPECTED[resource]!].sort());
    for (const api of doc.apis) {
      const pathParams = [...api.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const op of api.operations) {
        const declared = (op.parameters ?? []).filter((p) => p.paramType === 'path').map((p) => p.name);
        expect(declared.sort(), `${op.nickname} path params`).toEqual([...pathParams].sort());
        for (const p of op.parameters ?? []) expect(['path', 'query', 'body']).toContain(p.paramType);
      }
    }
  });

  it('keeps the parameter names the adapter and ari-client send', () => {
    const params = (resource: string, nickname: string) =>
      read<ApiDeclaration>(resource)
        .apis.flatMap((a) => a.operations)
        .find((op) => op.nickname === nickname)!
        .parameters!.map((p) => p.name);
    expect(params('channels', 'hangup')).toEqual(['channelId', 'reason_code', 'reason']);
    expect(params('channels', 'create')).toEqual(expect.arrayContaining(['endpoint', 'app', 'appArgs', 'channelId', 'originator', 'variables']));
    expect(params('channels', 'dial')).toEqual(['channelId', 'caller', 'timeout']);
    expect(params('channels', 'play')).toEqual(expect.arrayContaining(['media', 'lang', 'playbackId']));
    expect(params('bridges', 'addChannel')).toEqual(expect.arrayContaining(['bridgeId', 'channel']));
    expect(params('recordings', 'stopLive')).toEqual(['recordingName']);
    expect(params('recordings', 'pause')).toEqual(['recordingName']);
    expect(params('recordings', 'getStoredFile')).toEqual(['recordingName']);
    expect(params('applications', 'subscribe')).toEqual(['applicationName', 'eventSource']);
    expect(params('endpoints', 'get')).toEqual(['tech', 'resource']);
  });

  it('events.json models every Message subtype, including every event type in the traces', () => {
    const { models } = read<ApiDeclaration>('events');
    const subTypes = [...models.Message!.subTypes!, ...models.Event!.subTypes!];
    for (const type of subTypes) expect(models[type], type).toBeDefined();
    for (const type of new Set(traceEvents().map((e) => e.type))) expect(subTypes, type).toContain(type);
    expect(models.Event!.subTypes!.length).toBeGreaterThanOrEqual(42);
  });

  it('every model property type used by a served resource is a primitive or a served model', () => {
    const primitives = new Set(['string', 'int', 'long', 'double', 'boolean', 'Date', 'object', 'List[string]', 'List[object]']);
    const served = RESOURCES.filter((r) => r !== 'events').flatMap((r) => Object.entries(read<ApiDeclaration>(r).models));
    const names = new Set(served.map(([name]) => name));
    for (const [name, model] of served) {
      for (const [prop, { type }] of Object.entries(model.properties)) {
        expect(primitives.has(type) || names.has(type), `${name}.${prop}: ${type}`).toBe(true);
      }
    }
  });
});
