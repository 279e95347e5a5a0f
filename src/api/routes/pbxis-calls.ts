/**
 * Call routes of the PBXIS web service:
 *   POST /originate/:src/:dest   {callerId?, variables?}   click-to-call from agent `src` (its id, or
 *                                its extension) to `dest`; returns the action id
 *   POST /redirect-to/:dest      {target}                  blind transfer of the call of `target`
 *                                (an agent id, or a channel / caller number) to extension `dest`
 *   POST /park-and-announce      {target}                  parks the call of `target` (same lookup);
 *                                the slot is announced to its agent and returned
 * A `target` matching several calls is not guessed at: the answer lists the candidates.
 * Destinations go through the toll-fraud allow-list.
 */
import { Type } from 'typebox';
import type { CallControl } from '../../acd/control/index.js';
import type { AgentSnapshot } from '../../domain/agent.js';
import { AcdError } from '../../domain/errors.js';
import type { AcdStore } from '../../store/types.js';
import { ALL_ROLES, actor, auth } from '../auth.js';
import { commandInput } from '../commandInput.js';
import type { ApiApp, ApiDeps } from '../deps.js';
import { errorResponses } from '../schemas.js';

const tags = ['pbxis'];
const Dest = Type.String({ minLength: 1, maxLength: 64 });

const originateInput = commandInput(
  Type.Object({
    callerId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'caller id shown to the destination' })),
    variables: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'channel variables of the destination leg' })),
  }),
);
const redirectInput = commandInput(Type.Object({ target: Type.String({ minLength: 1, description: 'agent id, channel id or caller number' }) }));
const Candidate = Type.Object({ agentId: Type.String(), callId: Type.String(), callerNumber: Type.String(), channel: Type.String() });

/** The agent `src` names: its id, or the agent whose endpoint is that extension (`PJSIP/<src>`). */
async function agentOfSource(store: AcdStore, src: string): Promise<AgentSnapshot> {
  const byId = await store.getAgent(src);
  if (byId) return byId;
  const matches = (await store.listAgents()).filter((a) => a.endpoint !== '' && a.endpoint.split('/').pop() === src);
  if (matches.length !== 1) throw new AcdError('agent_not_found', matches.length === 0 ? `no agent '${src}' and no agent with extension ${src}` : `extension ${src} belongs to several agents`, { field: 'src' });
  return matches[0]!;
}

/** Connected queue calls the target names: its agent's call, or calls whose channel / caller number is `target`. */
async function candidatesOf(store: AcdStore, target: string) {
  const agent = await store.getAgent(target);
  const calls = (await store.listCalls()).filter((c) => c.state === 'connected');
  const hits = agent ? calls.filter((c) => c.agentId === agent.id) : calls.filter((c) => [c.callerChannel, c.agentChannel, c.callerNumber].includes(target));
  return hits.map((c) => ({ agentId: c.agentId, callId: c.id, callerNumber: c.callerNumber, channel: c.callerChannel }));
}

type CallCandidate = Awaited<ReturnType<typeof candidatesOf>>[number];

/** The one call `target` names, or every candidate when it names several (not guessed at). */
async function singleCandidate(store: AcdStore, target: string): Promise<CallCandidate | { candidates: CallCandidate[] }> {
  const candidates = await candidatesOf(store, target);
  if (candidates.length === 0) throw new AcdError('call_not_found', `no connected call for '${target}'`, { field: 'target' });
  return candidates.length > 1 ? { candidates } : candidates[0]!;
}

export function pbxisCallRoutes(app: ApiApp, deps: ApiDeps & { control: CallControl }): void {
  const { store, control } = deps;

  app.post(
    '/originate/:src/:dest',
    {
      config: auth(ALL_ROLES, { self: 'src' }),
      schema: {
        tags,
        summary: 'Click-to-call: ring the agent, then the destination',
        params: Type.Object({ src: Type.String({ minLength: 1 }), dest: Dest }),
        ...originateInput.schema,
        response: { 200: Type.Object({ status: Type.Literal('ok'), actionId: Type.String() }), ...errorResponses },
      },
      preValidation: originateInput.preValidation,
    },
    async (req) => {
      deps.auth.assertDestinationAllowed(req.params.dest);
      const agent = await agentOfSource(store, req.params.src);
      const { id } = await control.dial({ agentId: agent.id, destination: req.params.dest, callerId: req.body.callerId, variables: req.body.variables, by: actor(req) });
      return { status: 'ok' as const, actionId: id };
    },
  );

  app.post(
    '/park-and-announce',
    {
      config: auth(ALL_ROLES, { self: 'target' }),
      schema: {
        tags,
        summary: "Park an agent's call (or a caller's) and announce the slot to the agent",
        ...redirectInput.schema,
        response: { 200: Type.Union([Type.Object({ status: Type.Literal('ok'), callId: Type.String(), slot: Type.Integer() }), Type.Object({ candidates: Type.Array(Candidate) })]), ...errorResponses },
      },
      preValidation: redirectInput.preValidation,
    },
    async (req) => {
      const found = await singleCandidate(store, req.body.target);
      if ('candidates' in found) return found;
      const { slot } = await control.park({ agentId: found.agentId, callId: found.callId, by: actor(req) });
      return { status: 'ok' as const, callId: found.callId, slot };
    },
  );

  app.post(
    '/redirect-to/:dest',
    {
      config: auth(ALL_ROLES, { self: 'target' }),
      schema: {
        tags,
        summary: "Blind-transfer an agent's call (or a caller's) to an extension",
        params: Type.Object({ dest: Dest }),
        ...redirectInput.schema,
        response: { 200: Type.Union([Type.Object({ status: Type.Literal('ok'), callId: Type.String() }), Type.Object({ candidates: Type.Array(Candidate) })]), ...errorResponses },
      },
      preValidation: redirectInput.preValidation,
    },
    async (req) => {
      deps.auth.assertDestinationAllowed(req.params.dest);
      const found = await singleCandidate(store, req.body.target);
      if ('candidates' in found) return found;
      await control.transfer({ agentId: found.agentId, callId: found.callId, by: actor(req) }, { extension: req.params.dest });
      return { status: 'ok' as const, callId: found.callId };
    },
  );
}
