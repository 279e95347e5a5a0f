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
 * or when the caller goes. The consulting agent hanging up its phone (app_queue / attended
 * transfer behaviour) completes the transfer once the consulted party answered (in a conference:
 * the caller stays with the consulted party); before the answer it cancels the consult and the
 * caller waits in its queue again with its priority (no caller lost, no agent stranded).
 * Everything runs under the queue call's lock.
 *
 * Consult to a queue: the consult leg is the `;1` half of `Local/<queue>@acd-consult`, whose
 * `;2` half runs Stasis(acd,<queue>) and so waits in that queue exactly like a caller (its music,
 * its strategy, RONA...), as a call of its own: id `acd-csq-<uuid>` (ID_PREFIXES.consultCall, we
 * name the `;2` half; statistics skip such calls). Two calls, two channel sets: the store's
 * one-call-per-channel index and invariants hold unchanged, the queue flow needs no special case.
 * The `;1` half is answered when the queue answers the `;2` half: the consult is `queued` (the
 * agent hears the queue's music in the consult bridge). When the queue's flow bridges the `;2`
 * half with one of its agents the consult becomes `connected` (talking to that agent through the
 * Local pair). complete: one store step (transferCall mode consult with `queueCall`) makes that
 * agent, on its own leg, the agent of the held call and removes the consult call without an end
 * (QueueCallerLeave reason `consult`); its leg moves into the call's bridge and the Local pair is
 * hung up. Before an agent answered, complete and conference are `invalidState`; cancel and every
 * hangup go through the usual paths (the Local pair going ends the consult call: abandoned while
 * waiting, completed by its agent once connected).
 */
import { randomUUID } from 'node:crypto';
import type { CallSnapshot } from '../../domain/call.js';
import { bridgeIdOf, consultCallId, consultLegId, consultRecordId, redirectRecordId } from '../../domain/idPrefixes.js';
import { AcdError, isAcdError } from '../../domain/errors.js';
import { isPartyGone, isPbxError } from '../../pbx/port.js';
import { hangupQuietly } from '../legs.js';
import type { AcdContext } from '../context.js';
import { controlCallOf, controlEvent, invalidState, withAgentCall, type CallTarget } from './calls.js';
import { holdCaller, retrieveCaller } from './media.js';
import { checkDestination, dialStringOf, type OutboundSettings } from './outbound.js';
import type { Redirects } from './redirect.js';
import type { TransferResult } from '../../store/controlOps.js';
import type { ConsultCall, ConsultTarget } from '../../domain/controlCall.js';
import { DIAL_FAILED, TrackedCalls, type ChannelWatch } from './watch.js';
import { agentLeftCall } from '../wrapup.js';
import { callerBackInQueue } from '../backInQueue.js';
import { AGENT_LIFECYCLE, allowedFrom } from '../../domain/lifecycle.js';

export type { ConsultTarget } from '../../domain/controlCall.js';

export class Consults extends TrackedCalls {
  /** Per consult this process follows: what the socket missed, caught up after a reconnect (repair). */
  private readonly catchUps = new Map<string, () => Promise<void>>();

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
      let queueCall = '';
      if ('queue' in target) {
        if (!(await this.ctx.store.getQueue(target.queue))) throw new AcdError('queue_not_found', `queue '${target.queue}' does not exist`, { field: 'queue' });
        endpoint = `Local/${target.queue}@acd-consult`;
        queueCall = consultCallId(randomUUID());
      } else if ('agentId' in target) {
        if (target.agentId === t.agentId) throw invalidState('consult: an agent cannot consult itself');
        const agent = await this.ctx.store.getAgent(target.agentId);
        if (!agent) throw new AcdError('agent_not_found', `agent '${target.agentId}' does not exist`, { field: 'agentId' });
        endpoint = agent.endpoint;
        agentId = agent.id;
      } else {
        endpoint = dialStringOf(this.settings.dialPattern, target.extension);
      }
      const id = consultRecordId(call.id);
      const leg = consultLegId(randomUUID());
      await this.ctx.store.startControlCall({
        call: { kind: 'consult', id, agentId, callId: call.id, from: t.agentId, leg, bridgeId: bridgeIdOf(id), target, queueCall, node: this.ctx.nodeId },
        by: t.by,
        acceptedIn: allowedFrom(AGENT_LIFECYCLE, 'consulted'),
      });
      if (control.held !== '1') await holdCaller(this.ctx, call.callerChannel);
      await this.ctx.store.updateControl(call.id, call.agentChannel, { consult: id, held: '1' }, controlEvent(call, { action: 'consult', step: 'dialing', target }, t.by));
      this.track(id, leg, call, queueCall);
      try {
        await this.ctx.pbx.createChannel({ endpoint, channelId: leg, ...(queueCall ? { otherChannelId: queueCall } : {}), appArgs: ['consult', id], originator: call.agentChannel, callerId: t.agentId });
      } catch (err) {
        // No answer (the socket went with the request): whether the leg was made is known once the
        // PBX answers again. The catch-up decides then, now or after the reconnect (repair): a leg
        // in Stasis is dialed, none gives the agent its caller back. Its outcome comes as its events.
        if (isPbxError(err, 'unavailable')) {
          this.ctx.logger.warn({ callId: call.id, consult: id, err: err.message }, 'consult leg: no answer to its create; looked at once the PBX answers');
          void this.catchUps.get(id)?.().catch((e: unknown) => this.ctx.logger.warn({ err: e, consult: id }, 'consult leg not looked at yet; the reconnect will'));
          return { consultId: id };
        }
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
      const r = control.consult ? await controlCallOf(this.ctx, control.consult, 'consult') : undefined;
      if (!r || r.state !== 'connected') throw invalidState('conference: no answered consult on this call');
      if (control.conference === '1') throw invalidState('conference: already in conference');
      await this.ctx.pbx.addToBridge(call.bridgeId, [call.agentChannel, r.leg]);
      await retrieveCaller(this.ctx, call.callerChannel);
      await this.destroyBridge(r.bridgeId);
      await this.ctx.store.updateControl(call.id, call.agentChannel, { conference: '1', held: '' }, controlEvent(call, { action: 'conference', target: r.target }, t.by));
    });
  }

  complete(t: CallTarget): Promise<void> {
    return withAgentCall(this.ctx, t, ['connected'], 'completeTransfer', (call, control) => this.completeOn(call, control, t.by));
  }

  /** completeTransfer under the call's lock (also when the consulting agent hangs up). */
  private async completeOn(call: CallSnapshot, control: Record<string, string>, by: string): Promise<void> {
    const r = control.consult ? await controlCallOf(this.ctx, control.consult, 'consult') : undefined;
    if (!r || r.state !== 'connected') throw invalidState('completeTransfer: no answered consult on this call');
    if (r.queueCall) return this.ctx.locks.run(r.queueCall, () => this.completeFromQueue(call, r, by));
    const { leg, target } = r;
    const toAgent = r.agentId !== '';
    if (!toAgent && !('extension' in target)) throw invalidState('completeTransfer: the consult has no party to hand the call to');
    const result = await this.ctx.store.transferCall({
      callId: call.id,
      agentChannel: call.agentChannel,
      target: toAgent ? { consultAgent: r.agentId, agentChannel: leg } : { destination: (target as { extension: string }).extension, destChannel: leg, node: this.ctx.nodeId },
      by,
    });
    this.untrack(r.id);
    if (toAgent) {
      await this.ctx.pbx.addToBridge(call.bridgeId, [leg]);
      await retrieveCaller(this.ctx, call.callerChannel);
    } else {
      await this.ctx.store.endControlCall(r.id, 0);
      await this.ctx.pbx.destroyBridge(call.bridgeId).catch(() => undefined);
      await this.ctx.pbx.unmute(call.callerChannel, 'in');
      await this.redirects.adopt(redirectRecordId(call.id));
    }
    await this.handedOver(call, r, result);
  }

  /** Complete of a consult to a queue (under both calls' locks): the consult call's agent takes the held caller. */
  private async completeFromQueue(call: CallSnapshot, r: ConsultCall, by: string): Promise<void> {
    const consultCall = await this.ctx.store.getCall(r.queueCall);
    if (!consultCall || consultCall.state !== 'connected') throw invalidState('completeTransfer: no agent of the queue answered the consult');
    const result = await this.ctx.store.transferCall({
      callId: call.id,
      agentChannel: call.agentChannel,
      target: { consultAgent: consultCall.agentId, agentChannel: consultCall.agentChannel, queueCall: consultCall.id },
      by,
    });
    this.untrack(r.id);
    await this.ctx.pbx.addToBridge(call.bridgeId, [consultCall.agentChannel]);
    await retrieveCaller(this.ctx, call.callerChannel);
    await hangupQuietly(this.ctx, r.leg);
    await this.destroyBridge(consultCall.bridgeId);
    await this.handedOver(call, r, result);
  }

  /** After a completed consult: the consulting agent's leg goes and it wraps up. */
  private async handedOver(call: CallSnapshot, r: ConsultCall, result: TransferResult): Promise<void> {
    await hangupQuietly(this.ctx, call.agentChannel);
    await this.destroyBridge(r.bridgeId);
    await agentLeftCall(this.ctx, call.agentId, result.wrapup);
    this.ctx.logger.info({ callId: call.id, from: call.agentId, to: r.target }, 'consult completed: call transferred');
  }

  /**
   * After a (re)connect. Consults this process does not follow (it restarted) end as a cancel
   * would: the consulting agent, still on the call, has its caller back (in the call's bridge,
   * music off, heard again). Those it follows catch up with what the socket missed meanwhile
   * (catchUps).
   */
  async repair(): Promise<void> {
    for (const r of await this.ctx.store.listControlCalls()) {
      if (r.kind !== 'consult' || r.node !== this.ctx.nodeId) continue;
      const catchUp = this.catchUps.get(r.id);
      const step = catchUp
        ? catchUp()
        : this.ctx.locks.run(r.callId, async () => {
            const call = await this.ctx.store.getCall(r.callId);
            if (call?.state === 'connected' && call.agentId === r.from) return this.teardown(call, r.id, 'ended');
            await this.drop(r.id);
            if (call) await this.ctx.store.updateControl(call.id, call.agentChannel, { consult: '', conference: '' }, controlEvent(call, { action: 'consult', step: 'ended' }, 'system'));
          });
      await step.catch((err: unknown) => this.ctx.logger.error({ err, id: r.id }, 'consult repair failed'));
    }
  }

  protected override untrack(id: string): void {
    this.catchUps.delete(id);
    super.untrack(id);
  }

  private track(id: string, leg: string, call: CallSnapshot, queueCall: string): void {
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
    const answered = () => locked(() => this.answered(id, call));
    // The call itself ended (caller or agent gone, transfer): the consult goes with it.
    const callerGone = async () => void (await this.drop(id));
    const agentGone = () => this.agentLeft(id, call);
    this.keep(id, [
      this.watch.watch(leg, {
        entered: () =>
          locked(async () => {
            this.ctx.logger.info({ callId: call.id, consult: id, leg }, 'consult leg in Stasis: dialing');
            await this.ctx.pbx.dial(leg, { callerChannelId: call.agentChannel, timeoutS: this.settings.ringTimeoutS });
          }),
        dial: (status) => (status === 'ANSWER' ? answered() : DIAL_FAILED.includes(status) ? lost() : undefined),
        gone: lost,
      }),
      this.watch.watch(call.callerChannel, { gone: callerGone }),
      this.watch.watch(call.agentChannel, { gone: agentGone }),
      // A consult to a queue: its call is bridged with an agent of that queue.
      ...(queueCall ? [this.watch.watch(queueCall, { bridged: () => locked(() => this.agentAnswered(id)) })] : []),
    ]);
    // Events lost while the socket was down (a hang-up, the consulted party's answer or entry, a
    // queue agent's answer) are read from the PBX after the reconnect and go to the handlers above,
    // as the events would have. Read under the call's lock (a consult still being started has made
    // its leg by then), acted on after it (the handlers take it).
    this.catchUps.set(id, async () => {
      const channel = (channelId: string) => this.ctx.pbx.getChannel(channelId);
      const [caller, agent, consulted, record] = await this.ctx.locks.run(call.id, () =>
        Promise.all([channel(call.callerChannel), channel(call.agentChannel), channel(leg), this.ctx.store.getControlCall(id)]),
      );
      if (!caller) return callerGone();
      if (!agent) return agentGone();
      if (!consulted) return lost();
      if (record?.state === 'dialing') {
        if (consulted.state === 'Up') await answered();
        // Its StasisStart lost: never dialed.
        else await this.watch.catchUpEntry(consulted);
      }
      // A consult to a queue whose call an agent took meanwhile (its ChannelEnteredBridge lost).
      else if (record?.state === 'queued') await locked(() => this.agentAnswered(id));
    });
  }

  /**
   * The consulting agent hung up. Called synchronously from the event, so it holds the call's
   * lock before the queue flow's own StasisEnd step (which would end the call with the caller):
   * by then the store no longer has the call on this leg and that step changes nothing.
   */
  private agentLeft(id: string, call: CallSnapshot): Promise<void> {
    return this.ctx.locks.run(call.id, async () => {
      const now = await this.ctx.store.getCall(call.id);
      const r = await controlCallOf(this.ctx, id, 'consult');
      if (!r || !now || now.state !== 'connected' || now.agentChannel !== call.agentChannel) return void (await this.drop(id));
      const by = `hangup:${call.agentId}`;
      if (r.state === 'connected') {
        try {
          return await this.completeOn(now, await this.ctx.store.getControl(call.id), by);
        } catch (err) {
          // The consulted side went under us (e.g. a queue consult's agent): requeue the caller instead.
          if (!isAcdError(err) || err.code !== 'invalid_state') throw err;
        }
      }
      await this.drop(id);
      const result = await this.ctx.store.transferCall({ callId: call.id, agentChannel: call.agentChannel, target: { queue: now.queue }, by });
      await callerBackInQueue(this.ctx, call, call.bridgeId, result, true);
      this.ctx.logger.info({ callId: call.id, agentId: call.agentId }, 'agent hung up before the consult was answered: caller back in its queue');
    });
  }

  private async answered(id: string, call: CallSnapshot): Promise<void> {
    const r = await controlCallOf(this.ctx, id, 'consult');
    if (!r || r.state !== 'dialing') {
      this.ctx.logger.info({ callId: call.id, consult: id, state: r?.state }, 'consult answer ignored: the consult is not dialing');
      return;
    }
    // A consult to a queue is answered by the queue: connected once one of its agents answers.
    const state = r.queueCall ? 'queued' : 'connected';
    this.ctx.logger.info({ callId: call.id, consult: id, state }, 'consult answered');
    await this.ctx.store.setControlCall(id, { state }, { step: state });
    await this.ctx.pbx.createBridge({ bridgeId: r.bridgeId, name: `consult-${call.id}` });
    // The agent leaves the call's bridge for the consult bridge; the caller stays, with music.
    await this.ctx.pbx.addToBridge(r.bridgeId, [call.agentChannel, r.leg]);
    await this.ctx.store.updateControl(call.id, call.agentChannel, {}, controlEvent(call, { action: 'consult', step: state }, 'system'));
    if (r.queueCall) await this.agentAnswered(id);
  }

  /** A queued consult whose call an agent of the queue took is connected (with that agent). */
  private async agentAnswered(id: string): Promise<void> {
    const r = await controlCallOf(this.ctx, id, 'consult');
    const consultCall = r?.state === 'queued' ? await this.ctx.store.getCall(r.queueCall) : undefined;
    if (consultCall?.state !== 'connected') return;
    await this.ctx.store.setControlCall(id, { state: 'connected' }, { step: 'connected', answeredBy: consultCall.agentId });
  }

  /** Ends the consult and gives the agent its caller back. */
  private async teardown(call: CallSnapshot, id: string, why: 'failed' | 'cancelled' | 'ended'): Promise<void> {
    const r = await this.drop(id);
    try {
      await this.ctx.pbx.addToBridge(call.bridgeId, [call.agentChannel]);
      await retrieveCaller(this.ctx, call.callerChannel);
    } catch (err) {
      // The agent or the caller left meanwhile: its StasisEnd ends the call.
      if (!isPartyGone(err)) throw err;
    }
    await this.ctx.store.updateControl(call.id, call.agentChannel, { consult: '', held: '', conference: '' }, controlEvent(call, { action: 'consult', step: why }, 'system'));
    this.ctx.logger.info({ callId: call.id, consult: r?.target, why }, 'consult ended');
  }

  /** Hangs the consult leg up and forgets the consult; the consulted agent wraps up. */
  private async drop(id: string) {
    this.untrack(id);
    const ended = await this.ctx.store.endControlCall(id, 0);
    if (ended?.record.kind !== 'consult') return undefined;
    await hangupQuietly(this.ctx, ended.record.leg);
    await this.destroyBridge(ended.record.bridgeId);
    await agentLeftCall(this.ctx, ended.record.agentId, ended.wrapup);
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
