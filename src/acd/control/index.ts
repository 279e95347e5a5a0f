/**
 * Call control for agent desktops and supervisor consoles (the CTI channel and REST use it):
 * in-call media commands, blind transfer, supervisor monitor / whisper / barge, forced agent
 * state. The engine hands it the PBX events of the channels it creates or watches (its
 * ControlEvents handlers, src/acd/eventRouter.ts), and after every (re)connect it takes up its
 * calls and supervisor sessions again from Redis and hangs up control channels it no longer
 * knows (rather than leaving a phone listening to nothing).
 */
import type { AgentCommands } from '../agentCommands.js';
import type { AcdContext } from '../context.js';
import { argsFromAppData, parseStasisArgs } from '../stasisArgs.js';
import { hangupQuietly } from '../legs.js';
import type { CallTarget } from './calls.js';
import { forceAgentState, type ForcedState } from './forceState.js';
import { checkDtmf, createMediaCommands, forwardCallerDtmf, type MediaCommands } from './media.js';
import { SupervisorSessions, type MonitorRequest, type MonitorView } from './supervisor.js';
import { blindTransfer, type TransferTarget } from './transfer.js';
import { ChannelWatch } from './watch.js';
import { Redirects } from './redirect.js';
import { Consults, type ConsultTarget } from './consult.js';
import { createRecordingCommands, recordingFinished } from './recording.js';
import type { RecordingInfo } from '../../store/controlOps.js';
import type { RecordingFile } from '../../pbx/port.js';
import { DEFAULT_OUTBOUND, OutboundCalls, type OutboundCommand, type OutboundRequest, type OutboundSettings } from './outbound.js';
import type { AgentSnapshot } from '../../domain/agent.js';
import { AcdError } from '../../domain/errors.js';
import type { ControlTimerJob } from '../timers.js';
import { DEFAULT_PARK, Parking, type ParkSettings } from './park.js';
import { answerOffer, answerTimedOut } from './answer.js';
import type { ChannelEvent, EventsByKind } from '../eventRouter.js';

export type { CallTarget } from './calls.js';
export type { TransferTarget } from './transfer.js';
export type { ConsultTarget } from './consult.js';
export type { MonitorMode, MonitorRequest, MonitorView } from './supervisor.js';
export type { ForcedState } from './forceState.js';
export type { OutboundRequest, OutboundSettings } from './outbound.js';
export type { ParkSettings } from './park.js';

export interface CallControl extends MediaCommands {
  /** Manual outbound / click-to-call from an agent; returns the call's (action) id. */
  dial(req: OutboundRequest): Promise<{ id: string }>;
  transfer(t: CallTarget, target: TransferTarget): Promise<void>;
  /** Consult call (the caller is held); then completeTransfer, cancelConsult or conference. */
  consult(t: CallTarget, target: ConsultTarget): Promise<{ consultId: string }>;
  completeTransfer(t: CallTarget): Promise<void>;
  cancelConsult(t: CallTarget): Promise<void>;
  conference(t: CallTarget): Promise<void>;
  monitor(req: MonitorRequest): Promise<MonitorView>;
  endMonitor(supervisorId: string): Promise<void>;
  monitorOf(supervisorId: string): MonitorView | undefined;
  forceState(req: { supervisorId: string; agentId: string; state: ForcedState; reason?: string }): Promise<AgentSnapshot>;
  /** The agent asks for after-call work (not-ready reason `acw`): ready again after its wrap-up time. */
  afterCallWork(agentId: string, by: string): Promise<AgentSnapshot>;
  startRecording(t: CallTarget): Promise<{ name: string }>;
  stopRecording(t: CallTarget): Promise<{ name: string }>;
  /** Paused time is left out of the recording; resume goes on recording. */
  pauseRecording(t: CallTarget): Promise<{ name: string }>;
  resumeRecording(t: CallTarget): Promise<{ name: string }>;
  /** A listed recording's info and audio (AcdError not_found for unknown names). */
  recordingFile(name: string): Promise<{ info: RecordingInfo; file: RecordingFile }>;
  /** Parks the agent's connected caller; the slot is announced to the agent, whose leg then goes. */
  park(t: CallTarget): Promise<{ slot: number; callId: string }>;
  /** A ready agent takes the call parked in `slot` (it is offered to that agent). */
  retrieveParked(req: { agentId: string; slot: number; by: string }): Promise<{ callId: string }>;
  /** A manual-answer agent takes its offered call: its phone is dialed now. */
  answer(t: CallTarget): Promise<void>;
  /** The engine's call-control timers (park return, manual-answer ring timeout). */
  onTimer(job: ControlTimerJob): Promise<void>;
}

/** What call control does with PBX events; the engine wires each to the event router or a hook. */
export interface ControlEvents {
  /** Events of the legs call control created (kinds consultLeg, supervisorLeg, controlLeg). */
  controlLeg(event: ChannelEvent): Promise<void>;
  /** Hook `legEvent`: a queue leg's event, for the control calls that follow it; a connected caller's key goes to the agent's desktop. */
  queueLeg(event: ChannelEvent): Promise<void>;
  /** Kind recording: a recording ended (its duration is stored). */
  recordingFinished(event: EventsByKind['recording']): Promise<void>;
  /** Kind parkAnnouncement. */
  parkAnnouncementFinished(event: EventsByKind['parkAnnouncement']): Promise<void>;
  /** Whether a control call follows this channel now (the event router's classification needs it). */
  follows(channelId: string): boolean;
  /** Hook `connected`: take up this node's control calls again. */
  repair(): Promise<void>;
}

/** Stasis roles of the channels this module creates. */
const OWN_ROLES = new Set(['monitor', 'snoop', 'outbound', 'transfer', 'consult']);

export function createCallControl(
  ctx: AcdContext,
  agents: AgentCommands,
  settings: Partial<OutboundSettings> = {},
  parkSettings: Partial<ParkSettings> = {},
): { control: CallControl; events: ControlEvents } {
  const logger = ctx.logger.child({ component: 'control' });
  const repair = async () => {
    const [channels, inApp] = await Promise.all([ctx.pbx.listChannels(), ctx.pbx.appChannelIds()]);
    const ids = new Set(inApp);
    await supervisors.repair();
    await outbound.repair();
    await redirects.repair();
    await consults.repair();
    await parking.repair();
    for (const ch of channels) {
      const entry = parseStasisArgs(argsFromAppData(ch.appData));
      if (!ids.has(ch.id) || entry.role !== 'other' || !OWN_ROLES.has(entry.name)) continue;
      const owner = entry.args[0] ?? '';
      if (supervisors.owns(ch.id) || outbound.owns(owner) || redirects.owns(owner) || consults.owns(owner)) continue;
      // An outbound call's destination transferred to a queue is a queue caller now.
      if (await ctx.store.callIdByChannel(ch.id)) continue;
      logger.info({ channelId: ch.id, role: entry.name }, 'unknown control channel after reconnect; hanging up');
      await hangupQuietly(ctx, ch.id);
    }
  };
  const watch = new ChannelWatch(
    (err, event) => {
      logger.error({ err, event: event.type }, 'control event handling failed');
      ctx.eventFailed(err);
    },
    (channelId) => ctx.pbx.getChannel(channelId),
  );
  const supervisors = new SupervisorSessions(ctx, watch);
  const outboundSettings = { ...DEFAULT_OUTBOUND, ...settings };
  const outbound = new OutboundCalls(ctx, watch, outboundSettings);
  const redirects = new Redirects(ctx, watch, outboundSettings);
  const consults = new Consults(ctx, watch, outboundSettings, redirects);
  const parking = new Parking(ctx, watch, { ...DEFAULT_PARK, ...parkSettings });
  const media = createMediaCommands(ctx);
  const recordings = createRecordingCommands(ctx);
  // In-call commands go to the agent's outbound call when that is its current call.
  const inCall = (command: OutboundCommand) => async (t: CallTarget) => {
    const own = await outbound.callOf(t);
    return own ? outbound.command(own.id, command) : media[command](t);
  };
  const events: ControlEvents = {
    async controlLeg(event) {
      const watched = watch.deliver(event);
      if (watched) return watched;
      // Its control call gave up on it before it entered (its create went unanswered and the look
      // found no leg): nobody would dial, bridge or hang it up.
      if (event.type !== 'channelEnteredApp') return;
      logger.info({ channelId: event.channel.id, args: event.args }, 'control leg nobody follows entered Stasis; hanging up');
      await hangupQuietly(ctx, event.channel.id);
    },
    async queueLeg(event) {
      const watched = watch.deliver(event);
      if (watched) return watched;
      if (event.type === 'dtmfReceived') await forwardCallerDtmf(ctx, event.channelId, event.digit);
    },
    recordingFinished: (event) => recordingFinished(ctx, event),
    parkAnnouncementFinished: (event) => parking.announcementFinished(event.playbackId),
    follows: (channelId) => watch.isWatched(channelId),
    async repair() {
      try {
        await repair();
      } catch (err) {
        logger.error({ err }, 'control repair failed');
      }
    },
  };
  const control: CallControl = {
    hold: inCall('hold'),
    retrieve: inCall('retrieve'),
    mute: inCall('mute'),
    unmute: inCall('unmute'),
    async sendDtmf(t, digits) {
      checkDtmf(digits);
      const own = await outbound.callOf(t);
      return own ? outbound.sendDtmf(own.id, digits) : media.sendDtmf(t, digits);
    },
    dial: (req) => outbound.dial(req),
    async release(t) {
      // An agent on a control call (outbound) hangs that up; otherwise its queue call.
      const agent = await ctx.store.getAgent(t.agentId);
      const own = agent?.callId ? await ctx.store.getControlCall(agent.callId) : undefined;
      if (own && own.agentId === t.agentId && (!t.callId || t.callId === own.id)) {
        // A consulted agent hangs up its consult leg: the consulting agent gets its caller back.
        return own.kind === 'consult' ? hangupQuietly(ctx, own.leg) : outbound.hangup(own.id);
      }
      return media.release(t);
    },
    ...recordings,
    async afterCallWork(agentId, by) {
      const { version, wrapupS, pending } = await ctx.store.enterAfterCallWork(agentId, by);
      if (!pending) await ctx.timers.scheduleWrapup(agentId, version, (wrapupS ?? outboundSettings.wrapupS) * 1000);
      return (await ctx.store.getAgent(agentId))!;
    },
    async transfer(t, target) {
      const own = await outbound.callOf(t);
      if (!own) return blindTransfer(ctx, t, target, redirects);
      if ('queue' in target) return outbound.transferToQueue(own.id, target.queue);
      throw new AcdError('invalid_state', 'transfer: an outbound call transfers to a queue only (agentId / extension: consult, then completeTransfer, is not available on outbound calls either)');
    },
    consult: (t, target) => consults.start(t, target),
    completeTransfer: (t) => consults.complete(t),
    cancelConsult: (t) => consults.cancel(t),
    conference: (t) => consults.conference(t),
    monitor: (req) => supervisors.start(req),
    endMonitor: (id) => supervisors.end(id),
    monitorOf: (id) => supervisors.get(id),
    forceState: (req) => forceAgentState(agents, req),
    park: (t) => parking.park(t),
    retrieveParked: (req) => parking.retrieve(req),
    answer: (t) => answerOffer(ctx, t),
    onTimer: (job) => (job.what === 'park' ? parking.timeout(job.id, job.fence) : answerTimedOut(ctx, job.id, job.fence)),
  };
  return { control, events };
}
