/**
 * Device state for ringInUse (app_queue `ringinuse`): whether each logged-in agent's phone is in
 * use by a call outside the ACD (a direct extension call, a call placed from the phone). The
 * store keeps the flag and takes the agent out of the routing pools of its queues with ringInUse
 * false (setDeviceInUse-2.lua); this module only feeds it from Asterisk:
 *   - at login, before the router hears the agent is ready: subscribe the app to the agent's
 *     endpoint and read its current state;
 *   - on EndpointStateChange: "in use" = the endpoint has a channel that is not one of our own
 *     legs: queue call legs are in the store's channel index, the legs of the agent's current
 *     control call (outbound, consult: src/acd/control) in that call's record;
 *   - after every (re)connect: re-subscribe every logged-in agent's endpoint (a restarted
 *     Asterisk has forgotten the subscriptions) and re-read the states (events were missed).
 * Updates of one endpoint run in order (each event carries the whole channel list: the last wins).
 * Local agent endpoints have no Asterisk endpoint, hence no device state: their flag stays clear.
 */
import type { AgentSnapshot } from '../domain/agent.js';
import { controlCallChannels } from '../domain/controlCall.js';
import { endpointOfDialString, type PbxEvent } from '../pbx/port.js';
import type { AcdContext } from './context.js';
import { KeyedLock } from './keyedLock.js';

const RESYNC_BATCH = 16;

type EndpointStateEvent = Extract<PbxEvent, { type: 'endpointStateChanged' }>;

export interface DeviceStateWatch {
  /** The event router's `deviceState` handler: an endpoint's channels changed. */
  onEndpointState(event: EndpointStateEvent): Promise<void>;
  /** After every (re)connect: follow every logged-in agent's endpoint again and re-read the states. */
  resync(): Promise<void>;
  /** After a login: follow the agent's endpoint. Never throws (a failure is logged; the next connect repairs). */
  track(agent: AgentSnapshot): Promise<void>;
  /** Resolves once the updates in flight are done (tests). */
  idle(): Promise<void>;
}

export function watchDeviceState(ctx: AcdContext): DeviceStateWatch {
  const log = ctx.logger.child({ component: 'device-state' });
  /** Endpoint → agents logged in on it (a hint: each update re-checks the agent in the store). */
  const agentsOf = new Map<string, Set<string>>();
  const lock = new KeyedLock();
  /** EndpointStateChange events received per endpoint: a read that raced one of them is stale. */
  const eventsSeen = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();

  const remember = (endpoint: string, agentId: string) => {
    for (const [other, ids] of agentsOf) if (other !== endpoint) ids.delete(agentId);
    agentsOf.set(endpoint, (agentsOf.get(endpoint) ?? new Set()).add(agentId));
  };

  const outsideAcd = async (agent: AgentSnapshot, channelIds: string[]): Promise<boolean> => {
    const controlCall = agent.callId ? await ctx.store.getControlCall(agent.callId) : undefined;
    const controlLegs = new Set(controlCall ? controlCallChannels(controlCall) : []);
    for (const id of channelIds) if (!controlLegs.has(id) && (await ctx.store.callIdByChannel(id)) === undefined) return true;
    return false;
  };

  /** Sets one agent's flag from its endpoint's channels; becoming free kicks the router. */
  const apply = async (agentId: string, endpoint: string, channelIds: string[]) => {
    const agent = await ctx.store.getAgent(agentId);
    if (!agent || agent.status === 'logged_out' || endpointOfDialString(agent.endpoint) !== endpoint) {
      agentsOf.get(endpoint)?.delete(agentId);
      return;
    }
    const inUse = await outsideAcd(agent, channelIds);
    if (!(await ctx.store.setDeviceInUse(agentId, inUse))) return;
    log.info({ agentId, endpoint, inUse }, 'agent device state changed');
    if (!inUse) ctx.kick({ agentId });
  };

  const update = (endpoint: string, channelIds: string[]) =>
    lock.run(endpoint, async () => {
      for (const agentId of [...(agentsOf.get(endpoint) ?? [])]) await apply(agentId, endpoint, channelIds);
    });

  /**
   * Subscribe, then read the state (in that order: no change can fall between the two). An event
   * that arrives while the read is out may be newer than what the read returns: it wins, and
   * every later change brings its own event.
   */
  const follow = async (endpoint: string) => {
    await ctx.pbx.subscribeEndpoint(endpoint);
    const seen = eventsSeen.get(endpoint) ?? 0;
    const info = await ctx.pbx.getEndpoint(endpoint);
    if ((eventsSeen.get(endpoint) ?? 0) !== seen) return;
    await update(endpoint, info?.channelIds ?? []);
  };

  const resync = async () => {
    agentsOf.clear();
    for (const agent of await ctx.store.listAgents()) {
      const endpoint = agent.status === 'logged_out' ? undefined : endpointOfDialString(agent.endpoint);
      if (endpoint) remember(endpoint, agent.id);
    }
    // A few endpoints at a time: thousands of agents must not mean thousands of requests at once.
    const endpoints = [...agentsOf.keys()];
    for (let i = 0; i < endpoints.length; i += RESYNC_BATCH) {
      await Promise.all(
        endpoints.slice(i, i + RESYNC_BATCH).map((endpoint) => follow(endpoint).catch((err: unknown) => log.warn({ err, endpoint }, 'endpoint subscription failed'))),
      );
    }
  };

  /** Tracked for idle(), and never failing: a failure is logged, the next event or connect repairs. */
  const background = (work: Promise<unknown>, what: string): Promise<void> => {
    const task = work.then(
      () => undefined,
      (err: unknown) => log.error({ err }, `${what} failed`),
    );
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    return task;
  };

  return {
    onEndpointState(event) {
      eventsSeen.set(event.endpoint, (eventsSeen.get(event.endpoint) ?? 0) + 1);
      return background(update(event.endpoint, event.channelIds), 'device state update');
    },
    resync: () => background(resync(), 'device state resync'),
    async track(agent) {
      const endpoint = endpointOfDialString(agent.endpoint);
      try {
        if (!endpoint) {
          // No device state for this endpoint: a flag left from an earlier login must not stick.
          if (await ctx.store.setDeviceInUse(agent.id, false)) ctx.kick({ agentId: agent.id });
          return;
        }
        remember(endpoint, agent.id);
        await follow(endpoint);
      } catch (err) {
        log.warn({ err, agentId: agent.id, endpoint }, 'cannot follow the agent endpoint yet; retried at the next connect');
      }
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
