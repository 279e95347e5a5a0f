/**
 * The engine: wires PBX events (through the event router) to the call-journey steps and the
 * features, and runs the router, the timers and reconcile.
 * It holds no call state of its own; stopping it (or killing it) loses nothing but in-flight
 * REST requests, which reconcile repairs on the next start.
 */
import type { ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { Clock } from '../infra/clock.js';
import { isAcdError } from '../domain/errors.js';
import { isPbxError, type Pbx } from '../pbx/port.js';
import type { AdminOps } from '../store/adminOps.js';
import type { AcdStore } from '../store/types.js';
import { createAdminCommands, type AdminCommands } from './adminCommands.js';
import { divertToCallback, onCallbackTimer } from './callback.js';
import { holdForAnswer } from './control/answer.js';
import { startQueueRecording } from './control/recording.js';
import { createCallHooks } from './hooks.js';
import { createAgentCommands, type AgentCommands, type ReasonLists } from './agentCommands.js';
import { createCallCommands, type CallCommands } from './callCommands.js';
import { onCallerTimer } from './waitTimers.js';
import { BridgePool } from './bridgePool.js';
import { DEFAULT_SETTINGS, type AcdContext, type EngineSettings } from './context.js';
import { watchDeviceState } from './deviceState.js';
import { QueueLegs } from './dispatcher.js';
import { EventRouter, type ChannelEvent, type ConnectionEvent } from './eventRouter.js';
import { onPlaybackFinished } from './holdMedia.js';
import { KeyedLock } from './keyedLock.js';
import { destroyBridgeQuietly } from './legs.js';
import { createEntryRepair } from './entryRepair.js';
import { reconcile } from './reconcile.js';
import { onLostTalkLeg, unrecordedTalkCount } from './lostTalks.js';
import { onRoutingTimer, Router, type RouteTrigger } from './router.js';
import { sweepTimers } from './timerSweep.js';
import { createTimers, type TimerJob, type TimerRetry, type Timers } from './timers.js';
import { endWrapup } from './wrapup.js';
import { createCallControl, type CallControl, type OutboundSettings, type ParkSettings } from './control/index.js';

export interface EngineDeps {
  pbx: Pbx;
  store: AcdStore;
  logger: Logger;
  nodeId: string;
  reasons: ReasonLists;
  /** BullMQ connection and key prefix (the tenant's hash tag) for the timers. */
  timers: { connection: ConnectionOptions; prefix: string; retry?: TimerRetry; clock?: Clock };
  settings?: Partial<EngineSettings>;
  /** Outbound calls from agents: dial pattern, wrap-up, ring time (src/acd/control/outbound.ts). */
  outbound?: Partial<OutboundSettings>;
  /** Park and announce: slot range and timeout (src/acd/control/park.ts). */
  park?: Partial<ParkSettings>;
  /**
   * A repair after a failed event is due (`pending`, with what failed) or done (src/app.ts shows it
   * in `/readyz` as the reconcile's state).
   */
  onRepair?: (pending: boolean, detail: string) => void;
}

export interface Engine {
  readonly agents: AgentCommands;
  /** Priority, withdraw and hang-up of queue calls (src/acd/callCommands.ts). */
  readonly calls: CallCommands;
  /** Call control for the CTI channel and REST (src/acd/control). */
  readonly control: CallControl;
  /** Administration (the store's admin operations, queue and agent definitions) as engine commands: each kicks the router after a change that can route a caller. */
  admin(ops: AdminOps): AdminCommands;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once routing and reconcile in flight are done (tests, shutdown). */
  idle(): Promise<void>;
  /**
   * Resolves once nothing is in flight at all: PBX events being handled, every step under a
   * call's lock (control calls included), routing, device-state updates, timer handlers and
   * reconcile, including the work each of them started meanwhile.
   */
  settled(): Promise<void>;
  /** A repair after a failed event is due or failing: what the store holds may be behind the PBX. */
  readonly repairPending: boolean;
  /** Talks going on that Redis has no record of (its data was lost; src/acd/lostTalks.ts). */
  unrecordedTalks(): number;
}

/** The longest wait between two repairs after failed events while they keep failing. */
const MAX_REPAIR_DELAY_MS = 60_000;

export function createEngine(deps: EngineDeps): Engine {
  const logger = deps.logger.child({ component: 'engine' });
  let timers: Timers | undefined;
  // Routing waits until ARI is connected and reconciled: an offer made before would fail ("not
  // connected to ARI") and count against its agent. Kicks meanwhile are kept and run then.
  let routingOpen = false;
  const heldKicks = new Map<string, RouteTrigger>();
  const kick = (trigger: RouteTrigger) => {
    if (routingOpen) router.kick(trigger);
    else heldKicks.set(JSON.stringify(trigger), trigger);
  };
  const openRouting = () => {
    routingOpen = true;
    for (const trigger of heldKicks.values()) router.kick(trigger);
    heldKicks.clear();
  };
  const bridges = new BridgePool();
  // Filled before start(); the context is shared by every step.
  const ctx: AcdContext = {
    pbx: bridges.trackBridgeUse(deps.pbx),
    store: deps.store,
    get timers(): Timers {
      if (!timers) throw new Error('engine not started');
      return timers;
    },
    logger,
    nodeId: deps.nodeId,
    locks: new KeyedLock(),
    kick,
    settings: { ...DEFAULT_SETTINGS, ...deps.settings },
    hooks: createCallHooks(),
    bridges,
    eventFailed: (err) => {
      if (!isPbxError(err) && !isAcdError(err)) scheduleRepair(err);
    },
  };
  bridges.onDiscard = (bridgeId) => void destroyBridgeQuietly(ctx, bridgeId);
  // Optional features plug into the core steps here (src/acd/hooks.ts), not in the steps.
  ctx.hooks.legInStasis.push((callId, agentChannel, agentId, ringTimeoutS) => holdForAnswer(ctx, callId, agentChannel, agentId, ringTimeoutS));
  ctx.hooks.legAnswered.push((callId, agentChannel) => divertToCallback(ctx, callId, agentChannel));
  ctx.hooks.callConnected.push((call) => startQueueRecording(ctx, call));
  ctx.hooks.callbackTimer.push((job) => onCallbackTimer(ctx, job));
  const router = new Router(ctx);

  let reconciling: Promise<void> = Promise.resolve();
  const runReconcile = () => {
    reconciling = reconciling
      .then(() => repairedAfter(reconcile(ctx)))
      .catch((err: unknown) => {
        // E.g. Redis refusing writes just then: what the socket missed is repaired later (below).
        logger.error({ err }, 'reconcile failed');
        scheduleRepair(err);
      })
      .then(openRouting);
  };
  // An event whose handling failed on Redis (writes refused: OOM, MISCONF; a script error) is as
  // good as missed: the store never took it in (an agent's hang-up lost leaves its caller bridged
  // alone and the agent busy for good). So the reconnect's repair runs for it too, a delay later
  // (failures meanwhile join that run), and again, each time twice as late, while it fails. PBX
  // errors do not count: each step has its own fallback for them, and under overload they come by
  // the hundred, where a repair (listing every channel) every few seconds would add to the load;
  // nor does a script's refusal (AcdError), given before it wrote anything.
  let repairTimer: NodeJS.Timeout | undefined;
  let repairDelayMs = ctx.settings.failureRepairDelayMs;
  let repairPending = false;
  /** Failures so far: a repair clears the pending state only if none came after it started. */
  let failures = 0;
  let stopped = false;
  const repairedAfter = async (run: Promise<void>) => {
    const failuresBefore = failures;
    await run;
    repairDelayMs = ctx.settings.failureRepairDelayMs;
    if (!repairPending || failures !== failuresBefore) return;
    repairPending = false;
    deps.onRepair?.(false, 'done');
  };
  /** What a reconnect runs: reconcile and the features' repairs. */
  const reconcileAll = async () => {
    await reconcile(ctx);
    await Promise.all(ctx.hooks.connected.map((hook) => hook()));
  };
  const scheduleRepair = (cause: unknown) => {
    const detail = `repairing after a failure: ${cause instanceof Error ? cause.message : String(cause)}`;
    failures++;
    if (!repairPending) deps.onRepair?.(true, detail);
    repairPending = true;
    if (repairTimer || stopped) return;
    repairTimer = setTimeout(() => {
      repairTimer = undefined;
      if (!routingOpen) return; // disconnected: the reconnect repairs
      logger.warn('an event could not be handled; reconciling');
      reconciling = reconciling.then(() => repairedAfter(reconcileAll())).catch((err: unknown) => {
        logger.error({ err }, 'reconcile after a failed event failed; trying again');
        repairDelayMs = Math.min(repairDelayMs * 2, MAX_REPAIR_DELAY_MS);
        scheduleRepair(err);
      });
    }, repairDelayMs);
  };
  const onConnection = async (event: ConnectionEvent) => {
    if (event.type === 'disconnected') {
      routingOpen = false;
      logger.warn({ reason: event.reason }, 'PBX connection lost; channels stay in Stasis until we are back');
    } else if (event.type === 'connected') {
      logger.info({ reconnect: event.reconnect }, 'PBX connected; reconciling');
      runReconcile();
      await Promise.all(ctx.hooks.connected.map((hook) => hook()));
    }
  };
  // Between reconnects, entries a PBX fault interrupted are finished here (after a reconcile in flight).
  const entryRepair = createEntryRepair(ctx);
  let entryRepairTimer: NodeJS.Timeout | undefined;
  let entryRepairQueued = false;
  const runEntryRepair = () => {
    if (!routingOpen) return; // not connected: the reconcile on connect does it
    // One pass waiting at most: passes slower than the interval (a loaded PBX) must not pile up.
    if (entryRepairQueued) return;
    entryRepairQueued = true;
    reconciling = reconciling
      .then(() => {
        entryRepairQueued = false;
        return entryRepair.run();
      })
      .catch((err) => logger.error({ err }, 'entry repair failed'));
  };

  const timerTasks = new Set<Promise<void>>();
  const onTimer = (job: TimerJob): Promise<void> => {
    const task = handleTimer(job);
    const tracked = task.catch(() => undefined);
    timerTasks.add(tracked);
    void tracked.finally(() => timerTasks.delete(tracked));
    return task;
  };
  const handleTimer = async (job: TimerJob) => {
    if (job.kind === 'caller') return onCallerTimer(ctx, job);
    if (job.kind === 'route' || job.kind === 'ringNext') return onRoutingTimer(ctx, job);
    if (job.kind === 'control') return control.onTimer(job);
    if (job.kind === 'wrapup') await endWrapup(ctx, job.agentId, job.version);
    else kick({ agentId: job.agentId });
  };

  let unsubscribe: (() => void) | undefined;
  const devices = watchDeviceState(ctx);
  const agents = createAgentCommands(deps.store, deps.reasons, (agentId) => kick({ agentId }), (agent) => devices.track(agent));
  const { control, events: controlEvents } = createCallControl(ctx, agents, deps.outbound, deps.park);
  ctx.hooks.legEvent.push(
    (event) => controlEvents.queueLeg(event),
    (event) => onLostTalkLeg(ctx, event),
  );
  ctx.hooks.connected.push(
    () => devices.resync(),
    () => controlEvents.repair(),
  );
  const queueLegs = new QueueLegs(ctx);
  // A control leg can have become a queue leg meanwhile (a completed consult): its StasisEnd,
  // once call control is done with it, is the queue flow's too (nothing when it is no queue leg).
  const controlLeg = async (e: ChannelEvent) => {
    await controlEvents.controlLeg(e);
    if (e.type === 'channelLeftApp') await queueLegs.channelGone(e.channelId);
  };
  // Every PBX event goes to exactly one of these, by its kind (src/acd/eventRouter.ts).
  const events = new EventRouter(
    {
      callerLeg: (e) => queueLegs.callerLeg(e),
      agentLeg: (e) => queueLegs.agentLeg(e),
      callbackLeg: (e) => queueLegs.callbackLeg(e),
      consultLeg: controlLeg,
      supervisorLeg: controlLeg,
      controlLeg,
      callerPlayback: (e) => onPlaybackFinished(ctx, e.playbackId),
      parkAnnouncement: (e) => controlEvents.parkAnnouncementFinished(e),
      recording: (e) => controlEvents.recordingFinished(e),
      deviceState: (e) => devices.onEndpointState(e),
      connection: onConnection,
      unknown: () => undefined,
    },
    (channelId) => controlEvents.follows(channelId),
    logger,
    ctx.eventFailed,
  );
  return {
    agents,
    control,
    calls: createCallCommands(ctx),
    admin: (ops) => createAdminCommands(ops, deps.store, kick),
    async start() {
      timers = createTimers({ ...deps.timers, handler: onTimer, logger, nodeId: deps.nodeId });
      await sweepTimers(ctx);
      unsubscribe = deps.pbx.onEvent((e) => {
        if (e.type === 'channelEnteredBridge') bridges.entered(e.bridgeId, e.channelId);
        events.handle(e);
      });
      await deps.pbx.start();
      if (ctx.settings.entryRepairIntervalMs > 0) entryRepairTimer = setInterval(runEntryRepair, ctx.settings.entryRepairIntervalMs).unref();
    },
    async stop() {
      stopped = true;
      clearTimeout(repairTimer);
      clearInterval(entryRepairTimer);
      unsubscribe?.();
      // Idle pooled bridges go with this engine, while ARI is still up: left behind, the next
      // engine's reconcile deletes them once its app is registered again, the path of
      // asterisk/asterisk#1201 (docs/operations.md). Bridges of calls still talking stay.
      const idle = bridges.drainIdle();
      if (deps.pbx.connected) await Promise.all(idle.map((bridgeId) => destroyBridgeQuietly(ctx, bridgeId)));
      await deps.pbx.stop();
      await devices.idle();
      await router.idle();
      await reconciling;
      await timers?.close();
    },
    async idle() {
      await reconciling;
      await devices.idle();
      await router.idle();
    },
    get repairPending() {
      return repairPending;
    },
    unrecordedTalks: () => unrecordedTalkCount(ctx),
    async settled() {
      for (;;) {
        await Promise.all([reconciling, events.idle(), ctx.locks.idle(), devices.idle(), router.idle(), ...timerTasks]);
        if (events.pending === 0 && ctx.locks.size === 0 && !router.busy && timerTasks.size === 0) return;
      }
    },
  };
}
