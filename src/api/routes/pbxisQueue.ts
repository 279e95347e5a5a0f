/**
 * Queue routes of the PBXIS web service (`docs/compat-pbxis.md`): `GET /queue/status[?queue=]`
 * answers each queue with AsteriskJava's queue properties and its `members` (`location` and the
 * QueueMemberEvent properties); `POST /queue/add|remove|pause|reset` act for `agent` (extension
 * or agent id) through the engine's own commands. String parameters as query or JSON body.
 */
import { type Static, Type } from 'typebox';
import { type AgentDirectory, loadDirectory } from '../../compat/pbxis/directory.js';
import { deviceStatus, MEMBER_STATUS_CODE } from '../../compat/pbxis/events.js';
import { AcdError } from '../../domain/errors.js';
import type { QueueDef } from '../../domain/queue.js';
import type { Principal } from '../../auth/principal.js';
import { actor, ALL_ROLES, auth, principalOf, STAFF } from '../auth.js';
import { commandInput } from '../commandInput.js';
import type { ApiApp, ApiDeps } from '../deps.js';
import { errorResponses } from '../schemas.js';
import { callersInQueue } from '../../stats/figures.js';

const tags = ['pbxis'];
const Ok = Type.Object({ status: Type.Literal('ok') });
const ok = { status: 'ok' as const };
const Id = Type.String({ minLength: 1, maxLength: 128 });
const Agent = Type.String({ minLength: 1, maxLength: 128, description: "the agent's extension (or agent id)" });

const addInput = commandInput(
  Type.Object({
    queue: Id,
    agent: Agent,
    memberName: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'accepted; the engine names members after their agent' })),
    paused: Type.Optional(Type.Boolean({ default: false, description: 'log on paused in this queue' })),
    location: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: "beyond the document: the phone to log on with, a dial string or an extension (the agent's technology)" })),
  }),
);
const removeInput = commandInput(Type.Object({ queue: Id, agent: Agent }));
const pauseInput = commandInput(
  Type.Object({ queue: Id, agent: Agent, paused: Type.Optional(Type.Boolean({ default: true, description: 'false = unpause' })), reason: Type.Optional(Type.String({ maxLength: 200 })) }),
);
const resetInput = commandInput(Type.Object({ queue: Type.Optional(Id) }));

const Member = Type.Object(
  {
    queue: Type.String(),
    location: Type.String({ description: "the agent's dial string" }),
    agent: Type.String({ description: 'extension (PBXIS agent)' }),
    memberName: Type.String(),
    stateInterface: Type.String(),
    membership: Type.Literal('static'),
    penalty: Type.Number(),
    callsTaken: Type.Number(),
    lastCall: Type.Number({ description: 'seconds epoch of the last status change while on a call; 0 = unknown' }),
    status: Type.Integer({ description: 'AsteriskJava member status: 1 not in use, 2 in use, 5 unavailable, 6 ringing, 8 on hold' }),
    paused: Type.Boolean(),
    pausedReason: Type.String(),
    inCall: Type.Boolean(),
  },
  { additionalProperties: false },
);
const QueueParams = Type.Object({
  queue: Type.String(),
  max: Type.Number(),
  strategy: Type.String(),
  calls: Type.Number({ description: 'callers in the queue not yet connected to an agent (waiting or ringing one), as app_queue counts them' }),
  holdTime: Type.Number({ description: 'average wait of answered callers, s' }),
  talkTime: Type.Number({ description: 'average talk time, s' }),
  completed: Type.Number(),
  abandoned: Type.Number(),
  serviceLevel: Type.Number({ description: 'service-level threshold, s' }),
  serviceLevelPerf: Type.Number({ description: '% answered within the threshold' }),
  weight: Type.Number(),
  members: Type.Array(Member),
});

/** `location` as a dial string: as given, or an extension on the agent's own technology (`PJSIP/147` + `150` → `PJSIP/150`). */
function endpointOf(location: string | undefined, configured: string): string | undefined {
  if (location === undefined || location.includes('/')) return location;
  const technology = configured.includes('/') ? configured.slice(0, configured.indexOf('/')) : 'PJSIP';
  return `${technology}/${location}`;
}

/** An agent key may act only for its own agent (named here by extension). */
function assertMayActFor(principal: Principal, agentId: string): void {
  if (principal.role === 'agent' && principal.agentId !== agentId) throw new AcdError('forbidden', `an agent key may act only on its own agent (${principal.agentId})`, { field: 'agent' });
}

async function queueOf(deps: ApiDeps, id: string): Promise<QueueDef> {
  const queue = await deps.store.getQueue(id);
  if (!queue) throw new AcdError('queue_not_found', `queue '${id}' does not exist`, { field: 'queue' });
  return queue;
}

export function pbxisQueueRoutes(app: ApiApp, deps: ApiDeps): void {
  const { store, admin, stats, agents } = deps;
  /** The agent named by `agent`, checked against the caller's key. */
  const actingAgent = async (principal: Principal, name: string): Promise<{ dir: AgentDirectory; agentId: string }> => {
    const dir = await loadDirectory(store, admin);
    const agentId = dir.resolve(name, 'agent').agent.id;
    assertMayActFor(principal, agentId);
    return { dir, agentId };
  };

  app.get(
    '/queue/status',
    {
      config: auth(ALL_ROLES),
      schema: {
        tags,
        summary: 'Queues with their members, keyed by queue name',
        querystring: Type.Object({ queue: Type.Optional(Id) }),
        response: { 200: Type.Record(Type.String(), QueueParams), ...errorResponses },
      },
    },
    async (req) => {
      const queues = req.query.queue === undefined ? await store.listQueues() : [await queueOf(deps, req.query.queue)];
      // The asked queues' members and calls only: O(those), not O(the tenant's agents or calls).
      const [memberLists, load, totals] = await Promise.all([Promise.all(queues.map((q) => admin.members(q.id))), store.load(queues.map((q) => q.id)), stats.queueTotals()]);
      const dir = await loadDirectory(store, admin, memberLists.flat().map((m) => m.agentId));
      const entries = new Map(dir.entries.map((e) => [e.agent.id, e]));
      const answer: Record<string, Static<typeof QueueParams>> = {};
      for (const [i, q] of queues.entries()) {
        const c = totals.find((t) => t.queue === q.id)?.counters ?? {};
        const answered = c.answered ?? 0;
        const members = memberLists[i]!.map((m): Static<typeof Member> => {
          const entry = entries.get(m.agentId);
          const agent = entry?.agent;
          const status = agent ? deviceStatus({ status: agent.status, deviceInUse: agent.deviceInUse === true, lostTalk: agent.lostTalk !== undefined, held: false }) : 'unavailable';
          return {
            queue: q.id,
            location: entry?.location ?? '',
            agent: entry?.extension ?? m.agentId,
            memberName: agent?.name ?? m.agentId,
            stateInterface: entry?.location ?? '',
            membership: 'static',
            penalty: m.penalty,
            callsTaken: agent?.callsTaken ?? 0,
            lastCall: 0,
            status: MEMBER_STATUS_CODE[status],
            paused: m.paused || agent?.status === 'not_ready',
            pausedReason: m.paused ? m.reason : agent?.status === 'not_ready' ? agent.reason : '',
            inCall: agent?.status === 'busy',
          };
        });
        answer[q.id] = {
          queue: q.id,
          max: q.maxLen ?? 0,
          strategy: q.strategy,
          calls: callersInQueue(load.queues[i]!),
          holdTime: answered ? Math.round((c.waitMsAnswered ?? 0) / answered / 1000) : 0,
          talkTime: answered ? Math.round((c.talkMs ?? 0) / answered / 1000) : 0,
          completed: answered,
          abandoned: c.abandoned ?? 0,
          serviceLevel: q.serviceLevelS ?? 20,
          serviceLevelPerf: answered ? Math.round((1000 * (c.answeredInSl ?? 0)) / answered) / 10 : 0,
          weight: 0,
          members,
        };
      }
      return answer;
    },
  );

  app.post(
    '/queue/add',
    { config: auth(ALL_ROLES, { joins: 'queue' }), schema: { tags, summary: 'Log the agent on in the queue (member, logged in, paused or not)', ...addInput.schema, response: { 200: Ok, ...errorResponses } }, preValidation: addInput.preValidation },
    async (req) => {
      const { queue, paused = false } = req.body;
      await queueOf(deps, queue);
      const { dir, agentId } = await actingAgent(principalOf(req), req.body.agent);
      const entry = dir.resolve(agentId, 'agent');
      const by = actor(req);
      if (!entry.queues.includes(queue)) await admin.setMember(queue, agentId, 0, false);
      await admin.pauseMember(queue, agentId, paused, '');
      // Logged off: log on (ready unless paused); a logged-on agent keeps its state.
      if (entry.agent.status === 'logged_out') await agents.login(agentId, { by, ready: !paused, endpoint: endpointOf(req.body.location, entry.location) });
      req.log.info({ agentId, queue, paused, by }, 'PBXIS queue add');
      return ok;
    },
  );

  app.post(
    '/queue/remove',
    { config: auth(ALL_ROLES), schema: { tags, summary: 'Take the agent out of the queue', ...removeInput.schema, response: { 200: Ok, ...errorResponses } }, preValidation: removeInput.preValidation },
    async (req) => {
      await queueOf(deps, req.body.queue);
      const { agentId } = await actingAgent(principalOf(req), req.body.agent);
      await admin.removeMember(req.body.queue, agentId);
      return ok;
    },
  );

  app.post(
    '/queue/pause',
    { config: auth(ALL_ROLES), schema: { tags, summary: 'Pause or unpause the agent in the queue', ...pauseInput.schema, response: { 200: Ok, ...errorResponses } }, preValidation: pauseInput.preValidation },
    async (req) => {
      await queueOf(deps, req.body.queue);
      const { agentId } = await actingAgent(principalOf(req), req.body.agent);
      const { paused = true } = req.body;
      await admin.pauseMember(req.body.queue, agentId, paused, req.body.reason ?? '');
      req.log.info({ agentId, queue: req.body.queue, paused, by: actor(req) }, 'member pause changed');
      return ok;
    },
  );

  app.post(
    '/queue/reset',
    { config: auth(STAFF), schema: { tags, summary: "Reset a queue's statistics (all queues without `queue`)", ...resetInput.schema, response: { 200: Ok, ...errorResponses } }, preValidation: resetInput.preValidation },
    async (req) => {
      const queues = req.body.queue === undefined ? (await store.listQueues()).map((q) => q.id) : [req.body.queue];
      for (const q of queues) await stats.resetQueue(q);
      return ok;
    },
  );
}
