/**
 * Call bridges kept between calls (issue 12): making and destroying a mixing bridge for every call
 * costs two ARI requests and Asterisk's bridge set-up and tear-down. A call's bridge goes back to
 * the pool once its call ended and both its parties left Stasis (Asterisk takes a channel out of
 * its bridge before its StasisEnd), so a new call never joins a bridge someone is still in.
 *
 * Only a plain call's bridge is kept: caller and agent leg joined by bridgeParties, nothing else.
 * Any other request on it (a supervisor joining, a recording, a transfer, a consult, a destroy...)
 * marks it used (`trackBridgeUse` sees every PBX request of the engine), and so does any other
 * channel entering it (a transfer made on a phone: `entered`); its call's end destroys it as
 * before. In memory only: after a restart the pool starts empty and reconcile sweeps the idle
 * bridges left behind (they carry call-bridge ids).
 */
import { wrapOnce, type Wrapped } from '../infra/wrapOnce.js';
import type { Pbx } from '../pbx/port.js';

interface CallBridge {
  /** Parties joined by bridgeParties that have not left Stasis yet. */
  parties: Set<string>;
  /** Something other than the two parties used it: destroyed, never kept. */
  used: boolean;
  /** Its call ended and kept it: it goes idle once the parties are gone. */
  ended: boolean;
}

/** Idle bridges beyond this many are destroyed (a burst's worth; each is a small object in Asterisk). */
const MAX_IDLE = 500;

export class BridgePool {
  private readonly idle: string[] = [];
  private readonly bridges = new Map<string, CallBridge>();
  private readonly bridgeOfParty = new Map<string, string>();
  /** The parties bridgeParties is adding right now (their request must not mark the bridge used). */
  private readonly joining = new Map<string, string[]>();

  /** An idle bridge for a new call, if any (it exists on the PBX, empty). */
  take(): string | undefined {
    return this.idle.pop();
  }

  /** A bridge taken or made for an offer that was never answered: idle again. False: destroy it. */
  giveBack(bridgeId: string): boolean {
    if (this.bridges.has(bridgeId) || this.idle.length >= MAX_IDLE) return false;
    this.idle.push(bridgeId);
    return true;
  }

  /** bridgeParties is about to add the call's two parties: they are its parties, not a use. */
  joiningParties(bridgeId: string, parties: string[]): void {
    const bridge = this.bridges.get(bridgeId) ?? { parties: new Set<string>(), used: false, ended: false };
    this.bridges.set(bridgeId, bridge);
    for (const party of parties) {
      bridge.parties.add(party);
      this.bridgeOfParty.set(party, bridgeId);
    }
    this.joining.set(bridgeId, parties);
  }

  joined(bridgeId: string): void {
    this.joining.delete(bridgeId);
  }

  /** ChannelEnteredBridge: a channel other than the call's two parties makes the bridge used; an idle one is never handed out. */
  entered(bridgeId: string, channelId: string): void {
    const bridge = this.bridges.get(bridgeId);
    if (bridge) {
      if (!bridge.parties.has(channelId)) bridge.used = true;
    } else this.forget(bridgeId);
  }

  /** A channel left Stasis: out of its bridge. A kept bridge whose parties are all gone is idle. */
  partyLeft(channelId: string): void {
    const bridgeId = this.bridgeOfParty.get(channelId);
    if (bridgeId === undefined) return;
    this.bridgeOfParty.delete(channelId);
    const bridge = this.bridges.get(bridgeId);
    if (!bridge) return;
    bridge.parties.delete(channelId);
    if (bridge.parties.size > 0) return;
    if (bridge.ended) {
      this.bridges.delete(bridgeId);
      if (!this.giveBack(bridgeId)) this.onDiscard(bridgeId);
    } else if (bridge.used) {
      this.bridges.delete(bridgeId); // its call's end destroys it
    }
  }

  /**
   * The bridge's call ended: true when the pool keeps it (idle once its parties left Stasis), false
   * when the caller must destroy it (used by something else, or unknown to this engine).
   */
  keepEnded(bridgeId: string): boolean {
    const bridge = this.bridges.get(bridgeId);
    if (!bridge || bridge.used) {
      this.forget(bridgeId);
      return false;
    }
    bridge.ended = true;
    if (bridge.parties.size === 0) {
      this.bridges.delete(bridgeId);
      return this.giveBack(bridgeId);
    }
    return true;
  }

  /** bridgeParties failed (a party gone, a fault): the bridge is destroyed with its call, never kept. */
  markUsed(bridgeId: string): void {
    const bridge = this.bridges.get(bridgeId);
    if (bridge) bridge.used = true;
  }

  /** The engine stops: its idle bridges, for it to destroy while ARI is still connected (engine.ts). */
  drainIdle(): string[] {
    return this.idle.splice(0);
  }

  /**
   * The engine (re)connected: reconcile sweeps the empty call bridges no call uses, so none stays
   * idle here. Ended calls' bridges still waiting for their parties' StasisEnd (lost while the
   * socket was down) are destroyed, as a call's end did before the pool.
   */
  clearIdle(): void {
    this.idle.length = 0;
    for (const [bridgeId, bridge] of this.bridges) {
      if (!bridge.ended) continue;
      this.forget(bridgeId);
      this.onDiscard(bridgeId);
    }
  }

  /** Set by the engine: destroys a bridge the pool lets go of (full, or cleared on a reconnect). */
  onDiscard: (bridgeId: string) => void = () => undefined;

  private forget(bridgeId: string): void {
    const bridge = this.bridges.get(bridgeId);
    if (bridge) for (const party of bridge.parties) this.bridgeOfParty.delete(party);
    this.bridges.delete(bridgeId);
    const at = this.idle.indexOf(bridgeId);
    if (at >= 0) this.idle.splice(at, 1);
  }

  /** Any request on a bridge other than bridgeParties' own join marks it used (see the module comment). */
  private touched(bridgeId: string, channelIds?: string[]): void {
    const joining = this.joining.get(bridgeId);
    if (joining && channelIds?.every((c) => joining.includes(c))) return;
    const bridge = this.bridges.get(bridgeId);
    if (bridge) bridge.used = true;
    else this.forget(bridgeId); // e.g. destroyed while idle: never handed out again
  }

  /** The engine's PBX, with every bridge request seen by the pool (other members: the PBX's own, bound to it). */
  trackBridgeUse(pbx: Pbx): Pbx {
    const seen: Partial<Pbx> = {
      addToBridge: (bridgeId, channelIds) => {
        this.touched(bridgeId, channelIds);
        return pbx.addToBridge(bridgeId, channelIds);
      },
      removeFromBridge: (bridgeId, channelIds) => {
        this.touched(bridgeId);
        return pbx.removeFromBridge(bridgeId, channelIds);
      },
      destroyBridge: (bridgeId) => {
        this.touched(bridgeId);
        return pbx.destroyBridge(bridgeId);
      },
      recordBridge: (bridgeId, opts) => {
        this.touched(bridgeId);
        return pbx.recordBridge(bridgeId, opts);
      },
    };
    const members: Wrapped = new Map();
    return new Proxy(pbx, {
      get(target, prop) {
        if (Object.hasOwn(seen, prop)) return seen[prop as keyof Pbx];
        const value: unknown = Reflect.get(target, prop);
        if (typeof value !== 'function') return value;
        return wrapOnce(members, prop, value, () => (value as (...a: unknown[]) => unknown).bind(target));
      },
    });
  }
}
