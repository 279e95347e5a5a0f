/**
 * Consult: the agent puts its caller on hold and calls another agent (who must be ready, and is
 * busy on the consult from then on) or an extension (through the dial pattern), Stasis role
 * `consult`. Once the consulted party answers, the agent talks to it in a consult bridge while
 * the caller stays in the call's bridge with music. Then:
 *   complete   the caller is bridged with the consulted party, the agent wraps up (a consulted
 *              agent becomes the call's agent; an extension takes the caller out of the queues
 *              like a blind transfer to it);
 *   cancel     the consult leg goes, the agent is back with its caller;
 *   conference all three in the call's bridge (complete / cancel still apply).
 * The consult ends by itself when the consulted party hangs up or fails (back to the caller),
 * or when the caller or the agent leg goes. Everything runs under the queue call's lock.
 */
import { randomUUID } from 'node:crypto';
import type { CallSnapshot } from '../../domain/call.js';
import { AcdError } from '../../domain/errors.js';
import { isPbxError } from '../../pbx/port.js';
import { hangupQuietly } from '../agentLeg.js';
import type { AcdContext } from '../context.js';
import { controlEvent, invalidState, withAgentCall, type CallTarget } from './calls.js';
import { holdCaller, retrieveCaller } from './media.js';
import { checkDestination, dialStringOf, type OutboundSettings } from './outbound.js';
import type { Redirects } from './redirect.js';
import { DIAL_FAILED, TrackedCalls, type ChannelWatch } from './watch.js';

export type ConsultTarget = { agentId: string } | { extension: string };

export class Consults extends TrackedCalls {
  constructor(
    private readonly ctx: AcdContext,
    private readonly watch: ChannelWatch,
    private readonly settings: OutboundSettings,
    private readonly redirects: Redirects,
  ) {
    super();
  }

  start(t: CallTarget, target: ConsultTarget): Promise<{ consultId: string }> {
    if ('extension' in target) checkDestination(target.extension);
    return withAgentCall(this.ctx, t, ['connected'], 'consult', async (call, control) => {
      if (control.consult) throw invalidState('consult: a consult is already running on this call');
      let endpoint: string;
      let agentId = '';
      if ('agentId' in target) {
        if (target.agentId === t.agentId) throw invalidState('consult: an agent cannot consult itself');
        const agent = await this.ctx.store.getAgent(target.agentId);
        if (!agent) throw new AcdError('agent_not_found', `agent '${target.agentId}' does not exist`, { field: 'agentId' });
        endpoint = agent.endpoint;
        agentId = agent.id;
      } else {
        endpoint = dialStringOf(this.settings.dialPattern, target.extension);
      }
      const id = `cs-${call.id}`;
      const leg = `acd-cs-${randomUUID()}`;
      const what = 'agentId' in target ? `agent:${target.agentId}` : `extension:${target.extension}`;
      await this.ctx.store.startControlCall({
        id,
        agentId,
        kind: 'consult',
        fields: { callId: call.id, from: t.agentId, leg, bridgeId: `bridge-${id}`, target: what, node: this.ctx.nodeId },
        by: t.by,
        acceptedIn: ['ready'],
      });
      if (control.held !== '1') await holdCaller(this.ctx, call.callerChannel);
      await this.ctx.store.updateControl(call.id, call.agentChannel, { consult: id, held: '1' }, controlEvent(call, 'consult', `dialing ${what}`, t.by));
      this.track(id, leg, call);
      try {
        await this.ctx.pbx.createChannel({ endpoint, channelId: leg, appArgs: ['consult', id], originator: call.agentChannel, callerId: t.agentId });
      } catch (err) {
        await this.teardown(call, id, 'failed');
        if (isPbxError(err, 'allocation_failed') || isPbxError(err, 'invalid')) throw invalidState(`consult: ${endpoint} cannot be reached`);
        throw err;
      }
      return { consultId: id };
    });
  }

  cancel(t: CallTarget): Promise<void> {
    return withAgentCall(this.ctx, t, ['connected'], 'cancelConsult', async (call, control) => {
      if (!control.consult) throw invalidState('cancelConsult: no consult on this call');
      await this.teardown(call, control.consult, 'cancelled');
    });
  }

  conference(t: CallTarget): Promise<void> {
    return withAgentCall(this.ctx, t, ['connected'], 'conference', async (call, control) => {
      const r = control.consult ? await this.ctx.store.getControlCall(control.consult) : undefined;
      if (!r || r.state !== 'connected') throw invalidState('conference: no answered consult on this call');
      if (control.conference === '1') throw invalidState('conference: already in conference');
      await this.ctx.pbx.addToBridge(call.bridgeId, [call.agentChannel, r.fields.leg!]);
      await retrieveCaller(this.ctx, call.callerChannel);
      await this.destroyBridge(r.fields.bridgeId!);
      await this.ctx.store.updateControl(call.id, call.agentChannel, { conference: '1', held: '' }, controlEvent(call, 'conference', r.fields.target!, t.by));
    });
  }

  complete(t: CallTarget): Promise<void> {
    return withAgentCall(this.ctx, t, ['connected'], 'completeTransfer', async (call, control) => {
      const r = control.consult ? await this.ctx.store.getControlCall(control.consult) : undefined;
      if (!r || r.state !== 'connected') throw invalidState('completeTransfer: no answered consult on this call');
      const leg = r.fields.leg!;
      const toAgent = r.agentId !== '';
      const result = await this.ctx.store.transferCall({
        callId: call.id,
        agentChannel: call.agentChannel,
        target: toAgent ? { consultAgent: r.agentId, agentChannel: leg } : { destination: r.fields.target!.replace(/^extension:/, ''), destChannel: leg, node: this.ctx.nodeId },
        by: t.by,
      });
      this.untrack(r.id);
      if (toAgent) {
        await this.ctx.pbx.addToBridge(call.bridgeId, [leg]);
        await retrieveCaller(this.ctx, call.callerChannel);
      } else {
        await this.ctx.store.endControlCall(r.id, 0);
        await this.ctx.pbx.destroyBridge(call.bridgeId).catch(() => undefined);
        await this.ctx.pbx.unmute(call.callerChannel, 'in');
        await this.redirects.adopt(`rd-${call.id}`);
      }
      await hangupQuietly(this.ctx, call.agentChannel);
      await this.destroyBridge(r.fields.bridgeId!);
      if (result.wrapup) await this.ctx.timers.scheduleWrapup(result.wrapup.agentId, result.wrapup.version, result.wrapup.seconds * 1000);
      else this.ctx.kick({ agentId: t.agentId });
      this.ctx.logger.info({ callId: call.id, from: t.agentId, to: r.fields.target }, 'consult completed: call transferred');
    });
  }

  /** After a (re)connect: consults this process does not follow (it restarted) end; the caller stays on hold. */
  async repair(): Promise<void> {
    for (const r of await this.ctx.store.listControlCalls()) {
      if (r.kind !== 'consult' || r.fields.node !== this.ctx.nodeId || this.owns(r.id)) continue;
      await this.ctx.locks
        .run(r.fields.callId!, async () => {
          await this.drop(r.id);
          const call = await this.ctx.store.getCall(r.fields.callId!);
          if (call) await this.ctx.store.updateControl(call.id, call.agentChannel, { consult: '', conference: '' }, controlEvent(call, 'consult', 'ended', 'system'));
        })
        .catch((err: unknown) => this.ctx.logger.error({ err, id: r.id }, 'consult repair failed'));
    }
  }

  private track(id: string, leg: string, call: CallSnapshot): void {
    const locked = (task: () => Promise<void>) => this.ctx.locks.run(call.id, task);
    const current = async () => {
      const now = await this.ctx.store.getCall(call.id);
      return now && now.agentChannel === call.agentChannel ? now : undefined;
    };
    // The consulted party hung up or never answered: back to the caller.
    const lost = () =>
      locked(async () => {
        const now = await current();
        if (now) await this.teardown(now, id, 'ended');
        else await this.drop(id);
      });
    this.keep(id, [
      this.watch.watch(leg, {
        entered: () => locked(() => this.ctx.pbx.dial(leg, { callerChannelId: call.agentChannel, timeoutS: this.settings.ringTimeoutS })),
        dial: (status) => (status === 'ANSWER' ? locked(() => this.answered(id, call)) : DIAL_FAILED.includes(status) ? lost() : undefined),
        gone: lost,
      }),
      // The call itself ended (caller or agent gone, transfer): the consult goes with it.
      this.watch.watch(call.callerChannel, { gone: async () => void (await this.drop(id)) }),
      this.watch.watch(call.agentChannel, { gone: async () => void (await this.drop(id)) }),
    ]);
  }

  private async answered(id: string, call: CallSnapshot): Promise<void> {
    const r = await this.ctx.store.getControlCall(id);
    if (!r || r.state !== 'dialing') return;
    await this.ctx.store.setControlCall(id, { state: 'connected' }, 'connected');
    await this.ctx.pbx.createBridge({ bridgeId: r.fields.bridgeId, name: `consult-${call.id}` });
    // The agent leaves the call's bridge for the consult bridge; the caller stays, with music.
    await this.ctx.pbx.addToBridge(r.fields.bridgeId!, [call.agentChannel, r.fields.leg!]);
    await this.ctx.store.updateControl(call.id, call.agentChannel, {}, controlEvent(call, 'consult', 'connected', 'system'));
  }

  /** Ends the consult and gives the agent its caller back. */
  private async teardown(call: CallSnapshot, id: string, why: string): Promise<void> {
    const r = await this.drop(id);
    try {
      await this.ctx.pbx.addToBridge(call.bridgeId, [call.agentChannel]);
      await retrieveCaller(this.ctx, call.callerChannel);
    } catch (err) {
      if (!isPbxError(err, 'not_found')) throw err;
    }
    await this.ctx.store.updateControl(call.id, call.agentChannel, { consult: '', held: '', conference: '' }, controlEvent(call, 'consult', why, 'system'));
    this.ctx.logger.info({ callId: call.id, consult: r?.fields.target, why }, 'consult ended');
  }

  /** Hangs the consult leg up and forgets the consult; the consulted agent wraps up. */
  private async drop(id: string) {
    this.untrack(id);
    const ended = await this.ctx.store.endControlCall(id, 0);
    if (!ended) return undefined;
    await hangupQuietly(this.ctx, ended.record.fields.leg!);
    await this.destroyBridge(ended.record.fields.bridgeId!);
    if (ended.wrapup) await this.ctx.timers.scheduleWrapup(ended.wrapup.agentId, ended.wrapup.version, ended.wrapup.seconds * 1000);
    else if (ended.record.agentId) this.ctx.kick({ agentId: ended.record.agentId });
    return ended.record;
  }

  private async destroyBridge(bridgeId: string): Promise<void> {
    try {
      await this.ctx.pbx.destroyBridge(bridgeId);
    } catch (err) {
      if (!isPbxError(err, 'not_found')) this.ctx.logger.warn({ err, bridgeId }, 'consult bridge destroy failed');
    }
  }

}
