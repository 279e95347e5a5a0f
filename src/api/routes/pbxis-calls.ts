/**
 * Call routes of the PBXIS web service (`docs/compat-pbxis.md`):
 *   POST /originate/:src/:dest  {callerId?, variables?}  click-to-call: rings extension `src`
 *                               (its agent), then `dest`; answers the action id, a JSON string
 *                               (an `originateFailed` event carries it if the call fails)
 *   POST /redirect-to/:dest     {agent-or-channel}        blind transfer to extension `dest`
 *   POST /park-and-announce     {agent-or-channel}        parks the call; the slot is announced
 * `agent-or-channel`: an agent's extension (its call's bridged channel is the one moved) or a
 * raw channel (the caller's, or the agent's side of the call), or (beyond the document) a
 * caller's number. An agent with several calls is
 * not guessed at: the answer lists `{"candidates": [{agentChannel, bridgedChannel, callerId}]}`.
 * Destinations go through the toll-fraud allow-list.
 */
import { Type } from 'typebox';
import type { CallControl } from '../../acd/control/index.js';
import { loadDirectory } from '../../compat/pbxis/directory.js';
import { sendJsonString } from '../../compat/pbxis/jsonString.js';
import type { CallSnapshot } from '../../domain/call.js';
import { AcdError } from '../../domain/errors.js';
import type { ApiDeps, ApiApp } from '../deps.js';
import { ALL_ROLES, actor, auth, principalOf } from '../auth.js';
import { commandInput } from '../commandInput.js';
import { errorResponses } from '../schemas.js';
import type { Principal } from '../../auth/principal.js';

const tags = ['pbxis'];
const Dest = Type.String({ minLength: 1, maxLength: 64 });
const AGENT_OR_CHANNEL = 'agent-or-channel';

const originateInput = commandInput(
  Type.Object({
    callerId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'caller id shown to the destination' })),
    variables: Type.Optional(
      Type.Union([Type.Record(Type.String(), Type.String()), Type.String({ description: 'the same object as JSON text (query string)' })], {
        description: 'channel variables of the destination leg: an object with string keys and values',
      }),
    ),
  }),
);
const redirectInput = commandInput(Type.Object({ [AGENT_OR_CHANNEL]: Type.String({ minLength: 1, maxLength: 256, description: "an agent's extension or a raw channel" }) }));
const Candidate = Type.Object({ agentChannel: Type.String(), bridgedChannel: Type.String(), callerId: Type.String() });
const Candidates = Type.Object({ candidates: Type.Array(Candidate) });

/** `variables` as an object of strings, also when the query string carried it as JSON text. */
function variablesOf(value: Record<string, string> | string | undefined): Record<string, string> | undefined {
  if (typeof value !== 'string') return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new AcdError('validation', 'variables: must be a JSON object with string keys and values', { field: 'variables' });
  }
  return parsed as Record<string, string>;
}

export function pbxisCallRoutes(app: ApiApp, deps: ApiDeps & { control: CallControl }): void {
  const { store, control, admin } = deps;

  /** The connected call(s) `agent-or-channel` names; an agent key only reaches its own. */
  async function callsOf(principal: Principal, name: string): Promise<CallSnapshot[]> {
    const connected = (await store.listCalls()).filter((c) => c.state === 'connected');
    const byChannel = connected.filter((c) => c.callerChannel === name || c.agentChannel === name);
    const agent = byChannel.length > 0 ? undefined : (await loadDirectory(store, admin)).find(name);
    // Beyond the document: a caller's number also names its call(s).
    const calls = byChannel.length > 0 ? byChannel : agent ? connected.filter((c) => c.agentId === agent.agent.id) : connected.filter((c) => c.callerNumber === name);
    if (calls.length === 0) throw new AcdError('call_not_found', `no connected call for ${AGENT_OR_CHANNEL} '${name}'`, { field: AGENT_OR_CHANNEL });
    if (principal.role === 'agent' && calls.some((c) => c.agentId !== principal.agentId)) throw new AcdError('forbidden', 'an agent key may act only on its own calls', { field: AGENT_OR_CHANNEL });
    return calls;
  }
  const candidates = (calls: CallSnapshot[]) => ({ candidates: calls.map((c) => ({ agentChannel: c.agentChannel, bridgedChannel: c.callerChannel, callerId: c.callerNumber })) });

  app.post(
    '/originate/:src/:dest',
    {
      config: auth(ALL_ROLES),
      schema: {
        tags,
        summary: 'Click-to-call: ring extension src, then dest; answers the action id (a JSON string)',
        params: Type.Object({ src: Type.String({ minLength: 1, maxLength: 128 }), dest: Dest }),
        ...originateInput.schema,
        response: { 200: Type.String(), ...errorResponses },
      },
      preValidation: originateInput.preValidation,
    },
    async (req, reply) => {
      deps.auth.assertDestinationAllowed(req.params.dest);
      const variables = variablesOf(req.body.variables);
      const agent = (await loadDirectory(store, admin)).resolve(req.params.src, 'src').agent;
      const principal = principalOf(req);
      if (principal.role === 'agent' && principal.agentId !== agent.id) throw new AcdError('forbidden', `an agent key may act only on its own agent (${principal.agentId})`, { field: 'src' });
      const { id } = await control.dial({ agentId: agent.id, destination: req.params.dest, callerId: req.body.callerId, variables, by: actor(req) });
      return sendJsonString(reply, id);
    },
  );

  app.post(
    '/park-and-announce',
    {
      config: auth(ALL_ROLES),
      schema: {
        tags,
        summary: 'Park a call; the slot is announced on the channel that was bridged to it',
        ...redirectInput.schema,
        response: { 200: Type.Union([Type.Object({ status: Type.Literal('ok'), slot: Type.Integer() }), Candidates]), ...errorResponses },
      },
      preValidation: redirectInput.preValidation,
    },
    async (req) => {
      const calls = await callsOf(principalOf(req), req.body[AGENT_OR_CHANNEL]);
      if (calls.length > 1) return candidates(calls);
      const { slot } = await control.park({ agentId: calls[0]!.agentId, callId: calls[0]!.id, by: actor(req) });
      return { status: 'ok' as const, slot };
    },
  );

  app.post(
    '/redirect-to/:dest',
    {
      config: auth(ALL_ROLES),
      schema: {
        tags,
        summary: 'Blind-transfer a call to extension dest',
        params: Type.Object({ dest: Dest }),
        ...redirectInput.schema,
        response: { 200: Type.Union([Type.Object({ status: Type.Literal('ok') }), Candidates]), ...errorResponses },
      },
      preValidation: redirectInput.preValidation,
    },
    async (req) => {
      deps.auth.assertDestinationAllowed(req.params.dest);
      const calls = await callsOf(principalOf(req), req.body[AGENT_OR_CHANNEL]);
      if (calls.length > 1) return candidates(calls);
      await control.transfer({ agentId: calls[0]!.agentId, callId: calls[0]!.id, by: actor(req) }, { extension: req.params.dest });
      return { status: 'ok' as const };
    },
  );
}
