/**
 * Park and announce. The agent parks its connected caller: the store takes the call out of the
 * queues into control call `pk-<callId>` holding the lowest free slot of the tenant's range and
 * the agent wraps up as after a normal call (one atomic step, park-3.lua).
 * Then the caller moves from the call's bridge into a holding bridge of its own with music, the
 * slot is played to the agent, and the agent leg goes when the announcement ends.
 * A parked call leaves its slot (unpark-3.lua) when
 *   retrieved    any ready agent asks for the slot: the call is back in its queue (its place)
 *                and offered to that agent at once;
 *   timeout      after `timeoutS` (a fenced BullMQ timer): offered to the parking agent if it is
 *                ready, else waiting in its queue at its old place;
 *   hangup       the caller hung up: the slot is free.
 * The record lives in Redis, so after a reconnect a live parked caller keeps its slot and timer
 * and a gone one is cleaned up.
 */
import { AcdError } from '../../domain/errors.js';
import { isPartyGone, isPbxError } from '../../pbx/port.js';
import type { UnparkRequest } from '../../store/controlOps.js';
import type { ParkedCall } from '../../domain/controlCall.js';
import { bridgeIdOf, callIdOfParkRecord, parkAnnouncementId, parkRecordId } from '../../domain/idPrefixes.js';
import { offerToAgent } from '../agentLeg.js';
import { hangupQuietly } from '../legs.js';
import { callIdOf } from '../callerEntry.js';
import type { AcdContext } from '../context.js';
import { newAgentChannelId } from '../router.js';
import { controlCallOf, forOwnControlCalls, withAgentCall, type CallTarget } from './calls.js';
import { TrackedCalls, type ChannelWatch } from './watch.js';
import { agentLeftCall } from '../wrapup.js';

export interface ParkSettings {
  /** Slot range, lowest free first. */
  firstSlot: number;
  lastSlot: number;
  /** An unretrieved call returns after this long. */
  timeoutS: number;
  /** Played to the agent before the slot's digits. */
  announcement: string;
}

export const DEFAULT_PARK: ParkSettings = { firstSlot: 701, lastSlot: 720, timeoutS: 60, announcement: 'sound:beep' };

export class Parking extends TrackedCalls {
  /** Announcement playback id → the agent leg to hang up when it ends. */
  private readonly announcing = new Map<string, string>();

  constructor(
    private readonly ctx: AcdContext,
    private readonly watch: ChannelWatch,
    private readonly settings: ParkSettings,
  ) {
    super();
  }

  /** The event router's `parkAnnouncement` handler: the slot was announced, the agent leg goes. */
  async announcementFinished(playbackId: string): Promise<void> {
    const leg = this.announcing.get(playbackId);
    if (leg === undefined) return;
    this.announcing.delete(playbackId);
    await hangupQuietly(this.ctx, leg);
  }

  park(t: CallTarget): Promise<{ slot: number; callId: string }> {
    return withAgentCall(this.ctx, t, ['connected'], 'park', async (call, control) => {
      if (control.consult) throw new AcdError('invalid_state', 'park: a consult is running');
      const id = parkRecordId(call.id);
      const bridgeId = bridgeIdOf(id);
      const result = await this.ctx.store.transferCall({
        callId: call.id,
        agentChannel: call.agentChannel,
        target: { park: `${this.settings.firstSlot}-${this.settings.lastSlot}`, bridgeId, node: this.ctx.nodeId },
        by: t.by,
      });
      const r = (await controlCallOf(this.ctx, id, 'park'))!;
      this.track(r);
      await this.ctx.timers.scheduleControl({ what: 'park', id, fence: String(r.startedAt) }, this.settings.timeoutS * 1000);
      await agentLeftCall(this.ctx, t.agentId, result.wrapup);
      this.ctx.logger.info({ callId: call.id, agentId: t.agentId, slot: result.slot, by: t.by }, 'call parked');
      const playbackId = parkAnnouncementId(call.id, r.startedAt);
      try {
        if (control.held === '1') await this.ctx.pbx.unmute(call.callerChannel, 'in');
        await this.hold(r);
        // Out of the bridge before the announcement: a playback that reaches a channel still being
        // pushed out of a destroyed bridge is dropped by Asterisk 22 without a PlaybackFinished
        // (3 in 65 tries), which would leave the agent's leg up for good; after removeChannel, none in 80.
        await this.ctx.pbx.removeFromBridge(call.bridgeId, [call.agentChannel]);
        await this.ctx.pbx.destroyBridge(call.bridgeId);
        this.announcing.set(playbackId, call.agentChannel);
        await this.ctx.pbx.play(call.agentChannel, [this.settings.announcement, `digits:${result.slot}`], playbackId);
      } catch (err) {
        // A party left meanwhile (gone, or hanging up and out of Stasis already).
        this.announcing.delete(playbackId);
        await hangupQuietly(this.ctx, call.agentChannel);
        if (!isPartyGone(err)) throw err;
        // The caller's StasisEnd may have come before its watch: free the slot now.
        if (!(await this.ctx.pbx.getChannel(call.callerChannel))) await this.locked(id, () => this.unparkIfParked(id, 'caller'));
      }
      return { slot: result.slot, callId: call.id };
    });
  }

  /** A ready agent takes the call parked in `slot`: it is offered to that agent. */
  async retrieve(req: { agentId: string; slot: number; by: string }): Promise<{ callId: string }> {
    if (!Number.isInteger(req.slot) || req.slot < this.settings.firstSlot || req.slot > this.settings.lastSlot) {
      throw new AcdError('validation', `slot must be an integer ${this.settings.firstSlot}-${this.settings.lastSlot}`, { field: 'slot' });
    }
    const id = await this.ctx.store.parkedIn(req.slot);
    if (!id) throw new AcdError('call_not_found', `no call is parked in slot ${req.slot}`, { field: 'slot' });
    let done = false;
    await this.locked(id, async () => {
      const r = await controlCallOf(this.ctx, id, 'park');
      if (!r) return;
      done = await this.unpark(r, { reason: 'retrieved', by: req.agentId, agentId: req.agentId, mode: 'strict' });
    });
    if (!done) throw new AcdError('call_not_found', `no call is parked in slot ${req.slot} any more`, { field: 'slot' });
    this.ctx.logger.info({ id, slot: req.slot, agentId: req.agentId, by: req.by }, 'parked call retrieved');
    return { callId: callIdOfParkRecord(id) ?? id };
  }

  /** The park timer: back to the parking agent if ready, else to the caller's queue. */
  async timeout(id: string, fence: string): Promise<void> {
    await this.locked(id, async () => {
      const r = await controlCallOf(this.ctx, id, 'park');
      if (!r || String(r.startedAt) !== fence) return;
      await this.unpark(r, { reason: 'timeout', by: 'system', agentId: r.parkedBy, mode: 'fallback', startedAt: r.startedAt });
      this.ctx.logger.info({ id, slot: r.slot }, 'parked call not retrieved; returned');
    });
  }

  /** After a (re)connect: follow this node's parked calls again; a gone caller frees its slot. */
  async repair(): Promise<void> {
    await forOwnControlCalls(this.ctx, 'park', async (r) => {
      if (!this.owns(r.id)) this.track(r);
      if (!(await this.ctx.pbx.getChannel(r.callerChannel))) return this.unparkIfParked(r.id, 'system');
      // An announcement cut short by the restart: its agent leg is not needed any more.
      await hangupQuietly(this.ctx, r.agentLeg);
      await this.hold(r);
    });
  }

  private locked(id: string, task: () => Promise<void>): Promise<void> {
    return this.ctx.locks.run(`cc:${id}`, task);
  }

  private track(r: ParkedCall): void {
    this.keep(r.id, [this.watch.watch(r.callerChannel, { gone: () => this.locked(r.id, () => this.unparkIfParked(r.id, 'caller')) })]);
  }

  /** The parked caller hung up: its slot is free. */
  private async unparkIfParked(id: string, by: string): Promise<void> {
    const r = await controlCallOf(this.ctx, id, 'park');
    if (r) await this.unpark(r, { reason: 'hangup', by, agentId: '', mode: 'fallback' });
  }

  /** The caller in its holding bridge with music (idempotent). */
  private async hold(r: ParkedCall): Promise<void> {
    const { bridgeId } = r;
    const queue = await this.ctx.store.getQueue(r.queue);
    await this.ctx.pbx.createBridge({ bridgeId, name: `acd-park-${r.slot}` });
    await this.ctx.pbx.addToBridge(bridgeId, [r.callerChannel]);
    await this.ctx.pbx.startMoh(r.callerChannel, queue?.musicClass);
  }

  /** Leaves the slot; the caller is offered to the agent or waits in its queue. False when it was not parked any more. */
  private async unpark(r: ParkedCall, req: Omit<UnparkRequest, 'id' | 'agentChannel'>): Promise<boolean> {
    const res = await this.ctx.store.unpark({ ...req, id: r.id, agentChannel: req.agentId ? newAgentChannelId() : '' });
    if (!res) return false;
    this.untrack(r.id);
    const caller = r.callerChannel;
    try {
      await this.ctx.pbx.destroyBridge(r.bridgeId);
    } catch (err) {
      if (!isPbxError(err, 'not_found')) this.ctx.logger.warn({ err, id: r.id }, 'parking bridge destroy failed');
    }
    if (res.to === 'gone') return true;
    if (res.to === 'noqueue') {
      this.ctx.logger.warn({ id: r.id, queue: r.queue }, 'parked call returns to a deleted queue; hanging up');
      await hangupQuietly(this.ctx, caller);
      return true;
    }
    // The caller may have hung up while it came back (its StasisEnd found no call): end it then.
    if (!(await this.ctx.pbx.getChannel(caller))) {
      await this.ctx.store.endCall(callIdOf(caller), 'caller');
      return true;
    }
    if (res.to === 'agent') await offerToAgent(this.ctx, res.assignment, true);
    else this.ctx.kick({ queue: res.queue });
    return true;
  }
}
