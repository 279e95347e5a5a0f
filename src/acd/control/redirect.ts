/**
 * Blind transfer to an extension (and PBXIS `redirect-to`): the caller has left the queues (the
 * store turned its call into control call `rd-<callId>` in the same step that released the
 * agent) and keeps hearing music while the destination rings through the dial pattern. Answer →
 * caller and destination are bridged; no answer / busy / unreachable → the caller goes back to
 * its queue with its priority, so a failed transfer never loses it. Either side hanging up after
 * the answer ends both.
 */
import { isPartyGone, isPbxError } from '../../pbx/port.js';
import type { RedirectCall } from '../../domain/controlCall.js';
import { hangupQuietly } from '../legs.js';
import { callIdOf } from '../callerEntry.js';
import type { AcdContext } from '../context.js';
import { dialStringOf, type OutboundSettings } from './outbound.js';
import { controlCallOf, forOwnControlCalls } from './calls.js';
import { DIAL_FAILED, TrackedCalls, type ChannelWatch } from './watch.js';

export class Redirects extends TrackedCalls {
  constructor(
    private readonly ctx: AcdContext,
    private readonly watch: ChannelWatch,
    private readonly settings: OutboundSettings,
  ) {
    super();
  }

  /** Rings the destination of a redirect the store just recorded. */
  async start(id: string): Promise<void> {
    await this.locked(id, async () => {
      const r = await controlCallOf(this.ctx, id, 'redirect');
      if (!r) return;
      this.track(r);
      try {
        await this.ctx.pbx.createChannel({
          endpoint: dialStringOf(this.settings.dialPattern, r.destination),
          channelId: r.destLeg,
          appArgs: ['transfer', id],
          originator: r.callerChannel,
          callerId: r.callerName ? `"${r.callerName}" <${r.callerNumber}>` : r.callerNumber,
        });
      } catch (err) {
        this.ctx.logger.warn({ err, id }, 'transfer destination cannot be dialed; caller back to its queue');
        await this.requeue(id);
      }
    });
  }

  /** Takes over a destination that already answered (a completed consult to an extension). */
  async adopt(id: string): Promise<void> {
    await this.locked(id, async () => {
      const r = await controlCallOf(this.ctx, id, 'redirect');
      if (!r) return;
      this.track(r);
      // A party that left before the watches above existed (e.g. the consulted extension hanging up
      // while the consult was being completed) had its StasisEnd heard by nobody: look now.
      if (!(await this.ctx.pbx.getChannel(r.callerChannel))) return this.finish(id);
      if (!(await this.ctx.pbx.getChannel(r.destLeg))) return this.requeue(id);
      await this.connect(id);
    });
  }

  async repair(): Promise<void> {
    await forOwnControlCalls(this.ctx, 'redirect', async (r) => {
      const followed = this.owns(r.id);
      if (!followed) this.track(r);
      const caller = await this.ctx.pbx.getChannel(r.callerChannel);
      const dest = await this.ctx.pbx.getChannel(r.destLeg);
      if (!caller) await this.finish(r.id);
      else if (!dest) await (r.state === 'connected' ? this.finish(r.id) : this.requeue(r.id));
      else if (r.state === 'connected') await this.bridge(r);
      // It answered while the socket was down (its Dial ANSWER lost).
      else if (dest.state === 'Up') await this.connect(r.id);
      // Its StasisStart lost: never dialed (known only to the process that made it). Not awaited:
      // its dial takes the lock this repair holds.
      else if (followed) void this.watch.catchUpEntry(dest);
    });
  }

  private locked(id: string, task: () => Promise<void>): Promise<void> {
    return this.ctx.locks.run(`cc:${id}`, task);
  }

  private track(r: RedirectCall): void {
    const { destLeg } = r;
    const failed = () => this.locked(r.id, async () => ((await this.ctx.store.getControlCall(r.id))?.state === 'connected' ? this.finish(r.id) : this.requeue(r.id)));
    this.keep(r.id, [
      this.watch.watch(destLeg, {
        entered: () => this.locked(r.id, () => this.ctx.pbx.dial(destLeg, { callerChannelId: r.callerChannel, timeoutS: this.settings.ringTimeoutS })),
        dial: (status) => (status === 'ANSWER' ? this.locked(r.id, () => this.connect(r.id)) : DIAL_FAILED.includes(status) ? failed() : undefined),
        gone: failed,
      }),
      this.watch.watch(r.callerChannel, { gone: () => this.locked(r.id, () => this.finish(r.id)) }),
    ]);
  }

  private async connect(id: string): Promise<void> {
    const r = await controlCallOf(this.ctx, id, 'redirect');
    if (!r || r.state !== 'dialing') return;
    await this.ctx.store.setControlCall(id, { state: 'connected' }, { step: 'connected' });
    await this.bridge(r);
    this.ctx.logger.info({ id, destination: r.destination }, 'transferred caller connected');
  }

  private async bridge(r: RedirectCall): Promise<void> {
    try {
      await this.ctx.pbx.createBridge({ bridgeId: r.bridgeId, name: `acd-${r.id}` });
      await this.ctx.pbx.stopMoh(r.callerChannel);
      await this.ctx.pbx.addToBridge(r.bridgeId, [r.callerChannel, r.destLeg]);
    } catch (err) {
      // A party left meanwhile: its StasisEnd ends the transfer.
      if (!isPartyGone(err)) throw err;
    }
  }

  /** Forgets the redirect and hangs its destination up; its record, or undefined when already over. */
  private async close(id: string): Promise<RedirectCall | undefined> {
    const ended = await this.ctx.store.endControlCall(id, 0);
    this.untrack(id);
    if (ended?.record.kind !== 'redirect') return undefined;
    await hangupQuietly(this.ctx, ended.record.destLeg);
    return ended.record;
  }

  /** The destination did not answer: the caller waits in its queue again, same priority. */
  private async requeue(id: string): Promise<void> {
    const f = await this.close(id);
    if (!f || !(await this.ctx.pbx.getChannel(f.callerChannel))) return;
    await this.ctx.store.enqueue({
      callId: callIdOf(f.callerChannel),
      queue: f.queue,
      callerChannel: f.callerChannel,
      callerNumber: f.callerNumber,
      callerName: f.callerName,
      priority: f.priority,
      node: this.ctx.nodeId,
    });
    // The caller may have hung up while it was re-queued (its StasisEnd found no call): end it then.
    if (!(await this.ctx.pbx.getChannel(f.callerChannel))) await this.ctx.store.endCall(callIdOf(f.callerChannel), 'caller');
    this.ctx.logger.info({ id, queue: f.queue }, 'transfer not answered; caller back in its queue');
    this.ctx.kick({ queue: f.queue });
  }

  private async finish(id: string): Promise<void> {
    const f = await this.close(id);
    if (!f) return;
    await hangupQuietly(this.ctx, f.callerChannel);
    try {
      await this.ctx.pbx.destroyBridge(f.bridgeId);
    } catch (err) {
      if (!isPbxError(err, 'not_found')) this.ctx.logger.warn({ err, id }, 'transfer bridge destroy failed');
    }
  }
}
