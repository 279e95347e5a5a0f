/**
 * Supervisor on a call: silent monitor (hears agent and caller), whisper / coach (the agent hears
 * the supervisor, the caller does not) and barge (a third party in the call's bridge). The
 * supervisor's phone is rung first (Stasis role `monitor`); once it answers, monitor and whisper
 * put it in a bridge with a snoop channel (role `snoop`) on the agent's leg, barge puts it into
 * the call's own bridge. Modes can be switched during the call; the session ends when either the
 * supervisor's phone or the agent's leg goes (hang-up, transfer).
 * Each session is also kept in Redis (control call `sv-<supervisorId>`, kind `supervisor`: the
 * supervisor and snoop channel ids, bridge, mode, agent, call, node), so a restarted engine takes
 * it up again (re-bridging the snoop, or a new one) or, when a channel or the call is gone, ends
 * it cleanly: phones hung up and a CallControl `supervisor` / `gone` event for the console.
 */
import { randomUUID } from 'node:crypto';
import { AcdError } from '../../domain/errors.js';
import type { CallSnapshot } from '../../domain/call.js';
import { isPbxError } from '../../pbx/port.js';
import { hangupQuietly } from '../legs.js';
import { MONITOR_MODES, type MonitorMode, type SupervisorSession } from '../../domain/controlCall.js';
import type { AcdContext } from '../context.js';
import { agentCall, controlEvent, invalidState } from './calls.js';
import type { ChannelWatch } from './watch.js';
import { monitorBridgeId, snoopChannelId, supervisorLegId, supervisorRecordId } from '../../domain/idPrefixes.js';

export { MONITOR_MODES, type MonitorMode };

export interface MonitorRequest {
  supervisorId: string;
  agentId: string;
  /** Dial string of the supervisor's phone. */
  endpoint: string;
  mode: MonitorMode;
}

export interface MonitorView {
  supervisorId: string;
  agentId: string;
  callId: string;
  mode: MonitorMode;
  /** The supervisor's phone answered. */
  connected: boolean;
  supervisorChannel: string;
}

interface Session extends MonitorView {
  call: CallSnapshot;
  snoopChannel: string;
  monitorBridge: string;
  stops: (() => void)[];
  ended: boolean;
}

const SUPERVISOR_RING_S = 30;
const SNOOP_ENTRY_TIMEOUT_MS = 5_000;

function withTimeout(pending: Promise<void>, ms: number, message: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new AcdError('pbx_error', message)), ms);
  });
  return Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
}

export class SupervisorSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly ctx: AcdContext,
    private readonly watch: ChannelWatch,
  ) {}

  get(supervisorId: string): MonitorView | undefined {
    const s = this.sessions.get(supervisorId);
    return s && view(s);
  }

  /** Channels this module created and still tracks (reconnect repair hangs up the others). */
  owns(channelId: string): boolean {
    for (const s of this.sessions.values()) if (s.supervisorChannel === channelId || s.snoopChannel === channelId) return true;
    return false;
  }

  /** Starts a session, or switches the mode of the supervisor's running one. */
  start(req: MonitorRequest): Promise<MonitorView> {
    return this.ctx.locks.run(`supervisor:${req.supervisorId}`, async () => {
      const running = this.sessions.get(req.supervisorId);
      if (running) {
        if (running.agentId !== req.agentId) throw invalidState(`supervisor ${req.supervisorId} already monitors agent ${running.agentId}; end it first`);
        if (!running.connected) throw invalidState(`supervisor ${req.supervisorId}'s phone has not answered yet`);
        if (running.mode === req.mode) throw invalidState(`supervisor ${req.supervisorId} is already in ${req.mode} mode`);
        await this.applyMode(running, req.mode);
        return view(running);
      }
      const call = await agentCall(this.ctx, { agentId: req.agentId, by: '' }, ['connected'], req.mode);
      return view(await this.ring(req, call));
    });
  }

  end(supervisorId: string): Promise<void> {
    return this.ctx.locks.run(`supervisor:${supervisorId}`, async () => {
      const s = this.sessions.get(supervisorId);
      if (!s) throw invalidState(`supervisor ${supervisorId} monitors no call`);
      await this.finish(s);
    });
  }

  /**
   * After a (re)connect: take up this node's sessions the process does not follow (it restarted);
   * those it follows catch up with what the socket missed meanwhile.
   */
  async repair(): Promise<void> {
    for (const r of await this.ctx.store.listControlCalls()) {
      if (r.kind !== 'supervisor' || r.node !== this.ctx.nodeId) continue;
      const supervisorId = r.supervisor;
      const followed = this.sessions.get(supervisorId);
      await this.ctx.locks
        .run(`supervisor:${supervisorId}`, () => (followed ? this.catchUp(followed) : this.resume(r)))
        .catch((err: unknown) => this.ctx.logger.error({ err, supervisorId }, 'supervisor session repair failed'));
    }
  }

  /** A followed session whose events the socket may have lost: the phone or the agent gone ends it, the phone answered connects it. */
  private async catchUp(s: Session): Promise<void> {
    if (s.ended) return;
    const [phone, agentLeg] = await Promise.all([this.ctx.pbx.getChannel(s.supervisorChannel), this.ctx.pbx.getChannel(s.call.agentChannel)]);
    if (!phone || !agentLeg) return this.finish(s);
    if (!s.connected && phone.state === 'Up') await this.phoneAnswered(s);
    // Its StasisStart lost: never dialed. Not awaited: its dial takes the lock this catch-up holds.
    else if (!s.connected) void this.watch.catchUpEntry(phone);
  }

  private async phoneAnswered(s: Session): Promise<void> {
    s.connected = true;
    await this.applyMode(s, s.mode);
  }

  private async resume(r: SupervisorSession): Promise<void> {
    const call = await this.ctx.store.getCall(r.callId);
    const s: Session = {
      supervisorId: r.supervisor,
      agentId: r.agent,
      callId: r.callId,
      mode: r.mode,
      connected: r.connected,
      supervisorChannel: r.supervisorChannel,
      snoopChannel: r.snoopChannel,
      monitorBridge: r.monitorBridge,
      call: call ?? ({ id: r.callId, agentChannel: r.agentChannel, bridgeId: '' } as CallSnapshot),
      stops: [],
      ended: false,
    };
    this.sessions.set(s.supervisorId, s);
    const exists = async (id: string) => id !== '' && (await this.ctx.pbx.getChannel(id)) !== undefined;
    // A phone still ringing is not taken up either: its dial belonged to the old process.
    const alive = call?.state === 'connected' && call.agentChannel === r.agentChannel && s.connected && (await exists(s.supervisorChannel)) && (await exists(call.agentChannel));
    if (!alive) {
      this.ctx.logger.info({ supervisorId: s.supervisorId, callId: s.callId }, 'supervisor session not resumable after restart; ending it');
      return this.finish(s, true);
    }
    this.track(s);
    if (s.mode !== 'barge' && (await exists(s.snoopChannel))) {
      try {
        await this.ctx.pbx.createBridge({ bridgeId: s.monitorBridge, name: `monitor-${s.callId}` });
      } catch (err) {
        // The bridge outlived the engine (Asterisk keeps it): reuse it.
        if (!isPbxError(err, 'conflict') && !isPbxError(err, 'invalid')) throw err;
      }
      await this.ctx.pbx.addToBridge(s.monitorBridge, [s.snoopChannel, s.supervisorChannel]);
    } else {
      await this.applyMode(s, s.mode);
    }
    this.ctx.logger.info({ supervisorId: s.supervisorId, callId: s.callId, mode: s.mode }, 'supervisor session taken up after restart');
  }

  private track(s: Session): void {
    const locked = (task: () => Promise<void>) => () => this.ctx.locks.run(`supervisor:${s.supervisorId}`, task);
    s.stops.push(
      this.watch.watch(s.supervisorChannel, {
        entered: locked(async () => {
          if (!s.ended) await this.ctx.pbx.dial(s.supervisorChannel, { timeoutS: SUPERVISOR_RING_S });
        }),
        dial: (status) =>
          locked(async () => {
            if (s.ended) return;
            if (status === 'ANSWER') {
              // Once: the answer may also be read from the phone's state (watch.ts).
              if (!s.connected) await this.phoneAnswered(s);
            } else if (status === 'BUSY' || status === 'NOANSWER' || status === 'CHANUNAVAIL' || status === 'CONGESTION') {
              // The console hears why (CTI `error` event), then of the end.
              await this.ctx.store.updateControl(s.call.id, s.call.agentChannel, {}, controlEvent(s.call, { action: 'monitor', step: 'failed', dialStatus: status }, `supervisor:${s.supervisorId}`));
              await this.finish(s);
            }
          })(),
        gone: locked(() => this.finish(s)),
      }),
      this.watch.watch(s.call.agentChannel, { gone: locked(() => this.finish(s)) }),
    );
  }

  private async ring(req: MonitorRequest, call: CallSnapshot): Promise<Session> {
    const s: Session = {
      supervisorId: req.supervisorId,
      agentId: req.agentId,
      callId: call.id,
      mode: req.mode,
      connected: false,
      supervisorChannel: supervisorLegId(randomUUID()),
      snoopChannel: '',
      monitorBridge: monitorBridgeId(randomUUID()),
      call,
      stops: [],
      ended: false,
    };
    this.sessions.set(req.supervisorId, s);
    await this.ctx.store.startControlCall({
      call: {
        kind: 'supervisor',
        id: supervisorRecordId(s.supervisorId),
        agentId: '',
        supervisor: s.supervisorId,
        agent: s.agentId,
        callId: call.id,
        agentChannel: call.agentChannel,
        supervisorChannel: s.supervisorChannel,
        monitorBridge: s.monitorBridge,
        snoopChannel: '',
        mode: s.mode,
        connected: false,
        node: this.ctx.nodeId,
      },
      by: `supervisor:${s.supervisorId}`,
      acceptedIn: [],
    });
    this.track(s);
    try {
      await this.ctx.pbx.createChannel({
        endpoint: req.endpoint,
        channelId: s.supervisorChannel,
        appArgs: ['monitor', req.supervisorId, call.id],
        callerId: `"${req.mode} ${req.agentId}" <${req.agentId}>`,
      });
    } catch (err) {
      await this.finish(s);
      if (isPbxError(err, 'allocation_failed') || isPbxError(err, 'invalid')) {
        throw new AcdError('validation', `supervisor endpoint '${req.endpoint}' cannot be reached`, { field: 'endpoint' });
      }
      throw err;
    }
    this.ctx.logger.info({ supervisorId: req.supervisorId, agentId: req.agentId, callId: call.id, mode: req.mode }, 'supervisor phone ringing');
    return s;
  }

  private async applyMode(s: Session, mode: MonitorMode): Promise<void> {
    const { pbx } = this.ctx;
    if (s.snoopChannel) {
      await hangupQuietly(this.ctx, s.snoopChannel);
      s.snoopChannel = '';
    }
    if (mode === 'barge') {
      await pbx.addToBridge(s.call.bridgeId, [s.supervisorChannel]);
    } else {
      if (s.mode === 'barge' && s.connected) await pbx.removeFromBridge(s.call.bridgeId, [s.supervisorChannel]).catch(() => undefined);
      await pbx.createBridge({ bridgeId: s.monitorBridge, name: `monitor-${s.call.id}` });
      const snoopId = snoopChannelId(randomUUID());
      // The snoop may only be bridged once it is in Stasis: watch before creating it.
      const entered = new Promise<void>((resolve) => {
        const stop = this.watch.watch(snoopId, {
          entered: () => {
            stop();
            resolve();
          },
        });
      });
      await pbx.snoop(s.call.agentChannel, { snoopId, spy: 'both', whisper: mode === 'whisper' ? 'out' : 'none', appArgs: ['snoop', s.call.id] });
      s.snoopChannel = snoopId;
      await withTimeout(entered, SNOOP_ENTRY_TIMEOUT_MS, `snoop ${snoopId} did not enter Stasis`);
      await pbx.addToBridge(s.monitorBridge, [snoopId, s.supervisorChannel]);
    }
    s.mode = mode;
    await this.ctx.store.setControlCall(supervisorRecordId(s.supervisorId), { mode, snoopChannel: s.snoopChannel, connected: s.connected });
    await this.ctx.store.updateControl(s.call.id, s.call.agentChannel, { supervisor: s.supervisorId, monitorMode: mode }, controlEvent(s.call, { action: 'monitor', step: mode }, `supervisor:${s.supervisorId}`));
    this.ctx.logger.info({ supervisorId: s.supervisorId, callId: s.call.id, mode }, 'supervisor mode');
  }

  /** Ends the session; `gone`: its call or a channel vanished while no engine followed it. */
  private async finish(s: Session, gone = false): Promise<void> {
    if (s.ended) return;
    s.ended = true;
    if (this.sessions.get(s.supervisorId) === s) this.sessions.delete(s.supervisorId);
    for (const stop of s.stops) stop();
    await hangupQuietly(this.ctx, s.snoopChannel);
    await hangupQuietly(this.ctx, s.supervisorChannel);
    try {
      await this.ctx.pbx.destroyBridge(s.monitorBridge);
    } catch (err) {
      if (!isPbxError(err, 'not_found')) this.ctx.logger.warn({ err }, 'monitor bridge destroy failed');
    }
    const reported = await this.ctx.store.updateControl(s.call.id, s.call.agentChannel, { supervisor: '', monitorMode: '' }, controlEvent(s.call, { action: 'monitor', step: 'ended' }, `supervisor:${s.supervisorId}`));
    // No call left to report on: the console hears of the end through the session's own record.
    if (gone && !reported) await this.ctx.store.setControlCall(supervisorRecordId(s.supervisorId), {}, { step: 'gone' });
    await this.ctx.store.endControlCall(supervisorRecordId(s.supervisorId), 0);
    this.ctx.logger.info({ supervisorId: s.supervisorId, callId: s.call.id }, 'supervisor session ended');
  }
}

const view = (s: Session): MonitorView => ({
  supervisorId: s.supervisorId,
  agentId: s.agentId,
  callId: s.callId,
  mode: s.mode,
  connected: s.connected,
  supervisorChannel: s.supervisorChannel,
});
