/**
 * Manual outbound and click-to-call: the agent's phone is rung first (Stasis role `outbound`);
 * once it answers it hears ringing while the destination (through the dial pattern) is rung;
 * when that answers both are bridged. The agent is busy from the first ring to the end and
 * wraps up after. Either leg failing or hanging up ends the whole call. The record lives in
 * Redis (`cc:<id>`), so a reconnect (or another start) can finish or repair it.
 * Once connected the in-call commands work as on a queue call, the destination playing the
 * caller's part: hold / retrieve, mute / unmute, DTMF both ways (control fields `held`, `muted`
 * on the record; CallControl events with action `outbound`), and blind transfer to a queue (the
 * destination becomes a caller of that queue, call id = its channel id).
 */
import { randomUUID } from 'node:crypto';
import { AGENT_LIFECYCLE, allowedFrom } from '../../domain/lifecycle.js';
import { AcdError } from '../../domain/errors.js';
import { isPartyGone, isPbxError, type DialStatus } from '../../pbx/port.js';
import type { OutboundCall } from '../../domain/controlCall.js';
import { bridgeIdOf, outboundLegIds, outboundRecordId } from '../../domain/idPrefixes.js';
import { hangupQuietly } from '../legs.js';
import { callIdOf } from '../callerEntry.js';
import type { AcdContext } from '../context.js';
import { controlCallOf, forOwnControlCalls, invalidState, type CallTarget } from './calls.js';
import { holdCaller, retrieveCaller } from './media.js';
import { DIAL_FAILED, TrackedCalls, type ChannelWatch } from './watch.js';
import { agentLeftCall } from '../wrapup.js';

export interface OutboundSettings {
  /** Dial string for a destination number: `{dest}` is replaced, e.g. `PJSIP/{dest}@trunk`. */
  dialPattern: string;
  /** After-call work after an outbound call when the agent has no wrap-up of its own. */
  wrapupS: number;
  ringTimeoutS: number;
}

export const DEFAULT_OUTBOUND: OutboundSettings = { dialPattern: 'PJSIP/{dest}', wrapupS: 5, ringTimeoutS: 30 };

export interface OutboundRequest {
  agentId: string;
  destination: string;
  /** Caller id shown to the destination (click-to-call). */
  callerId?: string;
  /** Channel variables for the destination leg. */
  variables?: Record<string, string>;
  by: string;
}

const DESTINATION = /^[0-9A-Za-z*#+_.-]{1,64}$/;
export function checkDestination(destination: string): void {
  if (!DESTINATION.test(destination)) throw new AcdError('validation', `destination '${destination}' must be 1-64 of 0-9 A-Z a-z * # + _ . -`, { field: 'destination' });
}

/** In-call commands on a connected outbound call: the control field they set and the media step. */
export type OutboundCommand = 'hold' | 'retrieve' | 'mute' | 'unmute';
const COMMANDS: Record<OutboundCommand, { field: 'held' | 'muted'; on: boolean; apply: (ctx: AcdContext, agentLeg: string, destLeg: string) => Promise<void> }> = {
  hold: { field: 'held', on: true, apply: (ctx, _a, dest) => holdCaller(ctx, dest) },
  retrieve: { field: 'held', on: false, apply: (ctx, _a, dest) => retrieveCaller(ctx, dest) },
  mute: { field: 'muted', on: true, apply: (ctx, agent) => ctx.pbx.mute(agent, 'in') },
  unmute: { field: 'muted', on: false, apply: (ctx, agent) => ctx.pbx.unmute(agent, 'in') },
};

export const dialStringOf = (pattern: string, destination: string) => pattern.replaceAll('{dest}', destination);

export class OutboundCalls extends TrackedCalls {
  constructor(
    private readonly ctx: AcdContext,
    private readonly watch: ChannelWatch,
    private readonly settings: OutboundSettings,
  ) {
    super();
  }

  async dial(req: OutboundRequest): Promise<{ id: string }> {
    checkDestination(req.destination);
    const agent = await this.ctx.store.getAgent(req.agentId);
    if (!agent) throw new AcdError('agent_not_found', `agent '${req.agentId}' does not exist`, { field: 'agentId' });
    if (!agent.endpoint) throw invalidState(`agent ${req.agentId} is ${agent.status}: log in first`);
    const uuid = randomUUID();
    const id = outboundRecordId(uuid);
    const call = {
      kind: 'outbound' as const,
      id,
      agentId: req.agentId,
      ...outboundLegIds(uuid),
      bridgeId: bridgeIdOf(id),
      destination: req.destination,
      callerId: req.callerId ?? '',
      variables: req.variables ?? {},
      node: this.ctx.nodeId,
      answeredAt: 0,
      held: false,
      muted: false,
    };
    // Under the call's lock until the leg exists, so a reconnect's repair never judges it half-made.
    await this.locked(id, async () => {
      await this.ctx.store.startControlCall({ call, by: req.by, acceptedIn: allowedFrom(AGENT_LIFECYCLE, 'controlCall') });
      this.track(call);
      try {
        await this.ctx.pbx.createChannel({ endpoint: agent.endpoint, channelId: call.agentLeg, appArgs: ['outbound', id, 'agent'], callerId: req.destination });
      } catch (err) {
        await this.finish(id);
        if (isPbxError(err, 'allocation_failed') || isPbxError(err, 'invalid')) throw invalidState(`agent ${req.agentId}'s phone ${agent.endpoint} cannot be reached`);
        throw err;
      }
    });
    this.ctx.logger.info({ id, agentId: req.agentId, destination: req.destination, by: req.by }, 'outbound call: ringing the agent');
    return { id };
  }

  /** Hangs the call up (release by the agent). */
  async hangup(id: string): Promise<void> {
    await this.end(id);
  }

  /** The agent's outbound call `t` targets, if its current call is one (else undefined: a queue call). */
  async callOf(t: CallTarget): Promise<OutboundCall | undefined> {
    const agent = await this.ctx.store.getAgent(t.agentId);
    const own = agent?.callId ? await this.ctx.store.getControlCall(agent.callId) : undefined;
    return own && own.kind === 'outbound' && own.agentId === t.agentId && (!t.callId || t.callId === own.id) ? own : undefined;
  }

  /** hold / retrieve / mute / unmute on the connected outbound call `id`. */
  command(id: string, action: OutboundCommand): Promise<void> {
    const { field, on, apply } = COMMANDS[action];
    return this.connected(id, action, async (r) => {
      if (r[field] === on) throw invalidState(`${action}: the call is ${on ? 'already' : 'not'} ${field}`);
      await apply(this.ctx, r.agentLeg, r.destLeg);
      await this.ctx.store.setControlCall(id, { [field]: on }, { step: action });
    });
  }

  /** DTMF from the agent to the destination (digits already checked). */
  sendDtmf(id: string, digits: string): Promise<void> {
    return this.connected(id, 'dtmf', async (r) => {
      await this.ctx.pbx.sendDtmf(r.destLeg, digits);
      await this.ctx.store.setControlCall(id, {}, { step: 'dtmf', digits, direction: 'sent' });
    });
  }

  /**
   * Blind transfer to a queue: the destination joins it as a caller (music, priority 0), the
   * agent's leg goes and the agent wraps up. A full queue refuses it and the call goes on.
   */
  transferToQueue(id: string, queueId: string): Promise<void> {
    return this.connected(id, 'transfer', async (r) => {
      const queue = await this.ctx.store.getQueue(queueId);
      if (!queue) throw new AcdError('queue_not_found', `queue '${queueId}' does not exist`, { field: 'queue' });
      const { destLeg } = r;
      // Its own watch stops first: the destination's channel now belongs to the queue flow.
      this.untrack(id);
      const joined = await this.ctx.store.enqueue({ callId: callIdOf(destLeg), queue: queue.id, callerChannel: destLeg, callerNumber: r.destination, callerName: '', priority: 0, node: this.ctx.nodeId });
      if (joined.rejected) {
        this.track(r);
        throw invalidState(`transfer: queue ${queue.id} refused the call (${joined.rejected})`);
      }
      if (r.held) await this.ctx.pbx.unmute(destLeg, 'in').catch(() => undefined);
      await this.finish(id, destLeg);
      try {
        await this.ctx.pbx.startMoh(destLeg, queue.musicClass);
      } catch (err) {
        // The destination left meanwhile: its StasisEnd ends its queue call.
        if (!isPbxError(err, 'not_found')) throw err;
      }
      this.ctx.logger.info({ id, queue: queue.id, callId: callIdOf(destLeg) }, 'outbound call transferred to a queue');
      this.ctx.kick({ queue: queue.id });
    });
  }

  private connected(id: string, command: string, task: (r: OutboundCall) => Promise<void>): Promise<void> {
    return this.locked(id, async () => {
      const r = await controlCallOf(this.ctx, id, 'outbound');
      if (!r || r.state !== 'connected') throw invalidState(`${command}: the outbound call is ${r?.state ?? 'over'}, not connected`);
      try {
        await task(r);
      } catch (err) {
        if (isPbxError(err, 'not_found')) throw invalidState(`${command}: the call ended meanwhile`);
        throw err;
      }
    });
  }

  /** After a (re)connect: follow this node's calls again, end those whose legs are gone, re-bridge the others. */
  async repair(): Promise<void> {
    await forOwnControlCalls(this.ctx, 'outbound', async (r) => {
      const followed = this.owns(r.id);
      if (!followed) this.track(r);
      const destNeeded = r.state === 'ringing' || r.state === 'connected';
      const agent = await this.ctx.pbx.getChannel(r.agentLeg);
      const dest = destNeeded ? await this.ctx.pbx.getChannel(r.destLeg) : undefined;
      const ringingLeg = r.state === 'dialing' ? agent : r.state === 'ringing' ? dest : undefined;
      if (!agent || (destNeeded && !dest)) await this.finish(r.id);
      else if (r.state === 'connected') await this.bridge(r);
      // A leg that answered while the socket was down (its Dial ANSWER lost) moves the call on.
      else if (r.state === 'dialing' && agent.state === 'Up') await this.ringDestination(r.id);
      else if (r.state === 'ringing' && dest?.state === 'Up') await this.connect(r.id);
      // One whose StasisStart was lost was never dialed (known only to the process that made it).
      // Not awaited: its dial takes the lock this repair holds.
      else if (followed && ringingLeg) void this.watch.catchUpEntry(ringingLeg);
    });
  }

  private locked(id: string, task: () => Promise<void>): Promise<void> {
    return this.ctx.locks.run(`cc:${id}`, task);
  }

  private track(r: Pick<OutboundCall, 'id' | 'agentLeg' | 'destLeg'>): void {
    const { agentLeg, destLeg } = r;
    const onFail = (status: DialStatus) => (DIAL_FAILED.includes(status) ? this.fail(r.id, status) : undefined);
    this.keep(r.id, [
      this.watch.watch(agentLeg, {
        entered: () => this.locked(r.id, () => this.ctx.pbx.dial(agentLeg, { timeoutS: this.settings.ringTimeoutS })),
        dial: (status) => (status === 'ANSWER' ? this.locked(r.id, () => this.ringDestination(r.id)) : onFail(status)),
        gone: () => this.end(r.id),
      }),
      this.watch.watch(destLeg, {
        entered: () => this.locked(r.id, () => this.ctx.pbx.dial(destLeg, { callerChannelId: agentLeg, timeoutS: this.settings.ringTimeoutS })),
        dial: (status) => (status === 'ANSWER' ? this.locked(r.id, () => this.connect(r.id)) : onFail(status)),
        gone: () => this.end(r.id),
        dtmf: async (digit) => void (await this.ctx.store.setControlCall(r.id, {}, { step: 'dtmf', digits: digit, direction: 'received' })),
      }),
    ]);
  }

  private async ringDestination(id: string): Promise<void> {
    const r = await controlCallOf(this.ctx, id, 'outbound');
    if (!r || r.state !== 'dialing') return;
    await this.ctx.store.setControlCall(id, { state: 'ringing' }, { step: 'ringing' });
    await this.ctx.pbx.ring(r.agentLeg);
    try {
      await this.ctx.pbx.createChannel({
        endpoint: dialStringOf(this.settings.dialPattern, r.destination),
        channelId: r.destLeg,
        appArgs: ['outbound', id, 'dest'],
        originator: r.agentLeg,
        callerId: r.callerId || undefined,
        variables: r.variables,
      });
    } catch (err) {
      this.ctx.logger.warn({ err, id }, 'outbound destination cannot be dialed');
      void this.fail(id, 'ERROR');
    }
  }

  private async connect(id: string): Promise<void> {
    const r = await controlCallOf(this.ctx, id, 'outbound');
    if (!r || r.state !== 'ringing') return;
    await this.ctx.store.setControlCall(id, { state: 'connected', answeredAt: Date.now() }, { step: 'connected' });
    await this.bridge({ ...r, state: 'connected' });
    this.ctx.logger.info({ id, agentId: r.agentId }, 'outbound call connected');
  }

  private async bridge(r: OutboundCall): Promise<void> {
    try {
      await this.ctx.pbx.ringStop(r.agentLeg);
      await this.ctx.pbx.createBridge({ bridgeId: r.bridgeId, name: `acd-${r.id}` });
      await this.ctx.pbx.addToBridge(r.bridgeId, [r.agentLeg, r.destLeg]);
    } catch (err) {
      // A leg left meanwhile (gone, out of Stasis, or no longer up: ringStop's 412): its StasisEnd ends the call.
      if (!isPartyGone(err) && !isPbxError(err, 'conflict')) throw err;
    }
  }

  /**
   * A leg failed after `dial` answered: CallControl step `failed` with the DIALSTATUS (the agent's desktop
   * gets a CTI `error` event; nothing when the call already ended, e.g. released), then the end.
   */
  private fail(id: string, status: DialStatus | 'ERROR'): Promise<void> {
    return this.locked(id, async () => {
      if (status !== 'CANCEL') await this.ctx.store.setControlCall(id, {}, { step: 'failed', dialStatus: status });
      await this.finish(id);
    });
  }

  private end(id: string): Promise<void> {
    return this.locked(id, () => this.finish(id));
  }

  /** Ends the call (`keep`: a leg that lives on, transferred); the caller holds its lock. */
  private async finish(id: string, keep = ''): Promise<void> {
    const ended = await this.ctx.store.endControlCall(id, this.settings.wrapupS);
    this.untrack(id);
    if (!ended) return;
    const { record } = ended;
    if (record.kind !== 'outbound') return;
    for (const leg of [record.agentLeg, record.destLeg]) if (leg !== keep) await hangupQuietly(this.ctx, leg);
    try {
      await this.ctx.pbx.destroyBridge(record.bridgeId);
    } catch (err) {
      if (!isPbxError(err, 'not_found')) this.ctx.logger.warn({ err, id }, 'outbound bridge destroy failed');
    }
    await agentLeftCall(this.ctx, record.agentId, ended.wrapup);
    this.ctx.logger.info({ id, agentId: record.agentId }, 'outbound call ended');
  }
}
