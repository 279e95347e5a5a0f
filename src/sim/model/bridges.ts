/**
 * Bridges and what Asterisk reports when channels come and go: ChannelEnteredBridge /
 * ChannelLeftBridge carrying the member list, BRIDGEPEER updates, and the connected line of a
 * two-party call. A bridge stays until the app deletes it, even when empty.
 */
import { randomUUID } from 'node:crypto';
import type { SimCore } from '../core.js';
import { bridgeJson, channelJson } from '../json.js';
import type { SimChannel } from './channels.js';
import { appsOfChannel, setConnectedLine, setVariable } from './notify.js';

export type BridgeType = 'mixing' | 'holding';

export class SimBridge {
  /** Member channel ids, oldest first. */
  readonly channelIds: string[] = [];
  /** Names of media channels (a bridge recorder) that count as bridge peers but are not ARI channels. */
  readonly mediaMembers: string[] = [];
  readonly subscribers = new Set<string>();

  constructor(
    readonly id: string,
    readonly type: BridgeType,
    readonly name: string,
    readonly createdAt: number,
  ) {}
}

export class BridgeStore {
  private readonly byId = new Map<string, SimBridge>();

  create(core: SimCore, opts: { id?: string; type: BridgeType; name: string }): SimBridge {
    const bridge = new SimBridge(opts.id ?? randomUUID(), opts.type, opts.name, core.now());
    this.byId.set(bridge.id, bridge);
    return bridge;
  }

  get(id: string): SimBridge | undefined {
    return this.byId.get(id);
  }

  all(): SimBridge[] {
    return [...this.byId.values()];
  }

  delete(bridge: SimBridge): void {
    this.byId.delete(bridge.id);
  }
}

const appsOfBridge = (bridge: SimBridge, ch?: SimChannel): Set<string> => new Set([...bridge.subscribers, ...(ch ? appsOfChannel(ch) : [])]);

function emitBridgeChannelEvent(core: SimCore, type: string, bridge: SimBridge, ch: SimChannel): void {
  core.hub.emit(appsOfBridge(bridge, ch), type, { bridge: bridgeJson(bridge), channel: channelJson(ch) });
}

/** Each member's BRIDGEPEER: the names of the others, media channels (recorder) first. Reported only when it changes. */
export function refreshBridgePeers(core: SimCore, bridge: SimBridge): void {
  const members = bridge.channelIds.map((id) => core.channels.get(id)).filter((c): c is SimChannel => !!c);
  if (members.length < 2) return;
  for (const member of members) {
    const peers = [...bridge.mediaMembers, ...members.filter((m) => m !== member).map((m) => m.name)].join(',');
    if (peers === member.bridgePeer) continue;
    member.bridgePeer = peers;
    setVariable(core, member, 'BRIDGEPEER', peers);
  }
}

export function joinBridge(core: SimCore, bridge: SimBridge, ch: SimChannel): void {
  if (ch.bridgeId === bridge.id) return;
  const previous = ch.bridgeId ? core.bridges.get(ch.bridgeId) : undefined;
  if (previous) leaveBridge(core, previous, ch);
  bridge.channelIds.push(ch.id);
  ch.bridgeId = bridge.id;
  ch.leavingDestroyedBridgeUntil = 0; // it has departed by the time it is in another one
  // Asterisk subscribes a Stasis app to a bridge once one of its channels joins it.
  if (ch.stasis) bridge.subscribers.add(ch.stasis.app);
  emitBridgeChannelEvent(core, 'ChannelEnteredBridge', bridge, ch);
  refreshBridgePeers(core, bridge);
  if (bridge.type === 'mixing' && bridge.channelIds.length === 2) {
    // A two-party call: each side's connected line becomes the other's caller id (newcomer first).
    const other = core.channels.get(bridge.channelIds[0]!);
    if (other) {
      setConnectedLine(core, ch, other.caller);
      setConnectedLine(core, other, ch.caller);
    }
  }
}

export function leaveBridge(core: SimCore, bridge: SimBridge, ch: SimChannel): void {
  const index = bridge.channelIds.indexOf(ch.id);
  if (index < 0) return;
  bridge.channelIds.splice(index, 1);
  ch.bridgeId = undefined;
  if (ch.bridgePeer !== '') {
    ch.bridgePeer = '';
    setVariable(core, ch, 'BRIDGEPEER', '');
  }
  emitBridgeChannelEvent(core, 'ChannelLeftBridge', bridge, ch);
}

/**
 * How long a channel pushed out of a destroyed bridge is still leaving it. Asterisk 22 answers the
 * DELETE before its channels have departed, and drops a playback that reaches one meanwhile
 * (201, then no event at all: 3 of 65 tries on 22.10.1); the simulator does so every time within
 * this window, so an engine that plays there is caught.
 */
export const BRIDGE_DEPARTURE_MS = 50;

/** DELETE /bridges/{id}: members are put out (still leaving for BRIDGE_DEPARTURE_MS), then BridgeDestroyed. */
export function destroyBridge(core: SimCore, bridge: SimBridge): void {
  for (const id of [...bridge.channelIds].reverse()) {
    const ch = core.channels.get(id);
    if (!ch) continue;
    leaveBridge(core, bridge, ch);
    ch.leavingDestroyedBridgeUntil = Date.now() + BRIDGE_DEPARTURE_MS;
  }
  core.recordings.stopAllOnTarget(core, `bridge:${bridge.id}`);
  core.bridges.delete(bridge);
  core.hub.emit(appsOfBridge(bridge), 'BridgeDestroyed', { bridge: bridgeJson(bridge) });
}
