/** /bridges: create, list, delete, add/remove channels, record. */
import type { SimCore } from '../core.js';
import { badRequest, conflict, notFound, unprocessable } from '../errors.js';
import type { AriRequest, AriRouter } from '../http.js';
import { bridgeJson } from '../json.js';
import { destroyBridge, joinBridge, leaveBridge, type BridgeType, type SimBridge } from '../model/bridges.js';
import type { SimChannel } from '../model/channels.js';

const NO_CONTENT = { status: 204 } as const;

function bridgeById(core: SimCore, id: string): SimBridge {
  const bridge = core.bridges.get(id);
  if (!bridge) throw notFound('Bridge not found');
  return bridge;
}

/** The `channel` list of addChannel/removeChannel: 400 when a channel does not exist, 422 when it is not in Stasis. */
function stasisChannels(core: SimCore, list: string | undefined): SimChannel[] {
  const ids = (list ?? '').split(',').map((id) => id.trim()).filter(Boolean);
  if (ids.length === 0) throw badRequest('Missing parameter channel');
  return ids.map((id) => {
    const ch = core.channels.get(id);
    if (!ch) throw badRequest('Channel not found');
    if (!ch.stasis) throw unprocessable('Channel not in Stasis application');
    return ch;
  });
}

/** `type` is a comma list of features (`mixing,dtmf_events`); holding wins, anything else mixes. */
const bridgeType = (type: string | undefined): BridgeType => ((type ?? '').split(',').includes('holding') ? 'holding' : 'mixing');

function createHandler(core: SimCore) {
  return (req: AriRequest) => {
    const id = req.params.bridgeId ?? req.args.bridgeId;
    // As Asterisk 22: an id in use is a 409, not an update.
    if (id && core.bridges.get(id)) throw conflict(`Bridge with id '${id}' already exists`);
    const bridge = core.bridges.create(core, { id, type: bridgeType(req.args.type), name: req.args.name ?? '' });
    return { status: 200, body: bridgeJson(bridge) };
  };
}

export function registerBridgeRoutes(router: AriRouter, core: SimCore): void {
  router
    .on('GET', '/bridges', () => ({ status: 200, body: core.bridges.all().map(bridgeJson) }))
    .on('POST', '/bridges', createHandler(core))
    .on('GET', '/bridges/:bridgeId', (req) => ({ status: 200, body: bridgeJson(bridgeById(core, req.params.bridgeId!)) }))
    .on('POST', '/bridges/:bridgeId', createHandler(core))
    .on('DELETE', '/bridges/:bridgeId', (req) => {
      destroyBridge(core, bridgeById(core, req.params.bridgeId!));
      return NO_CONTENT;
    })
    .on('POST', '/bridges/:bridgeId/addChannel', (req) => {
      const bridge = bridgeById(core, req.params.bridgeId!);
      for (const ch of stasisChannels(core, req.args.channel)) joinBridge(core, bridge, ch);
      return NO_CONTENT;
    })
    .on('POST', '/bridges/:bridgeId/removeChannel', (req) => {
      const bridge = bridgeById(core, req.params.bridgeId!);
      const channels = stasisChannels(core, req.args.channel);
      if (channels.some((ch) => ch.bridgeId !== bridge.id)) throw unprocessable('Channel not in this bridge');
      for (const ch of channels) leaveBridge(core, bridge, ch);
      return NO_CONTENT;
    })
    .on('POST', '/bridges/:bridgeId/record', (req) => {
      const bridge = bridgeById(core, req.params.bridgeId!);
      const recording = core.recordings.recordBridge(core, bridge, { name: req.args.name, format: req.args.format, ifExists: req.args.ifExists });
      return { status: 201, body: recording, headers: { Location: `/recordings/live/${encodeURIComponent(recording.name)}` } };
    });
}
