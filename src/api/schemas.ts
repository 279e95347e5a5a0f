/**
 * Wire schemas (TypeBox → JSON Schema): they validate requests, serialize responses and make
 * the OpenAPI document. The compile-time checks at the bottom keep them equal to the domain
 * types, so a field added to a snapshot cannot silently vanish from the API.
 */
import { type Static, Type } from 'typebox';
import { AGENT_STATUSES, type AgentSnapshot, PENDING_STATUSES } from '../domain/agent.js';
import { CALL_STATES, type CallSnapshot } from '../domain/call.js';
import { ErrorCodes } from '../domain/errors.js';
import { type QueueDef, type ReasonCode } from '../domain/queue.js';
import { STRATEGIES } from '../domain/routing.js';

export const AgentSnapshotSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: Type.Enum(AGENT_STATUSES),
  reason: Type.String({ description: "not_ready / logout reason code, '' when none" }),
  since: Type.Number({ description: 'ms epoch of the last status change' }),
  endpoint: Type.String(),
  callId: Type.String(),
  version: Type.Number(),
  queues: Type.Array(Type.String()),
  callsTaken: Type.Number(),
  pending: Type.Optional(
    Type.Object(
      { status: Type.Enum(PENDING_STATUSES), reason: Type.String({ description: "not_ready reason code, '' when none" }) },
      { description: 'on a call: the status the agent asked for its end (AgentPendingStatus); absent when none' },
    ),
  ),
  deviceInUse: Type.Optional(Type.Boolean({ description: 'the phone is in use by a call outside the ACD (queues with ringInUse false skip the agent)' })),
  lostTalk: Type.Optional(Type.String({ description: "'<node id>|<agent leg channel id>' of a talk going on whose record Redis lost: the agent is offered no call until it ends, whatever its status" })),
});

export const CallSnapshotSchema = Type.Object({
  id: Type.String(),
  queue: Type.String(),
  state: Type.Enum(CALL_STATES),
  callerChannel: Type.String(),
  callerNumber: Type.String(),
  callerName: Type.String(),
  priority: Type.Number(),
  joinedAt: Type.Number({ description: 'ms epoch the caller entered the queue' }),
  agentId: Type.String(),
  agentChannel: Type.String(),
  bridgeId: Type.String(),
  answeredAt: Type.Number(),
  node: Type.String(),
});

export const QueueDefSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  strategy: Type.Enum(STRATEGIES),
  ringTimeoutS: Type.Number(),
  wrapupS: Type.Number(),
  musicClass: Type.String(),
});

export const ReasonCodeSchema = Type.Object({ code: Type.String(), label: Type.String() });

export const ErrorBodySchema = Type.Object(
  {
    status: Type.Literal('error'),
    code: Type.Enum(Object.keys(ErrorCodes) as (keyof typeof ErrorCodes)[]),
    message: Type.String(),
  },
  { description: 'Error: a stable code and a message for people' },
);

/** Error answers every route can give (validation, not found, conflict, internal). */
export const errorResponses = { '4xx': ErrorBodySchema, '5xx': ErrorBodySchema };

export const AgentCommandReplySchema = Type.Object({ status: Type.Literal('ok'), agent: AgentSnapshotSchema });

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _agentSchemaMatches: Same<Static<typeof AgentSnapshotSchema>, AgentSnapshot> = true;
// An optional field missing from a schema passes the check above (and the serializer drops it): the
// keys are compared too. (Queue replies allow more properties: QueueDef's options are optional.)
const _agentSchemaKeys: Same<keyof Static<typeof AgentSnapshotSchema>, keyof AgentSnapshot> = true;
const _callSchemaKeys: Same<keyof Static<typeof CallSnapshotSchema>, keyof CallSnapshot> = true;
const _callSchemaMatches: Same<Static<typeof CallSnapshotSchema>, CallSnapshot> = true;
const _queueSchemaMatches: Same<Static<typeof QueueDefSchema>, QueueDef> = true;
const _reasonSchemaMatches: Same<Static<typeof ReasonCodeSchema>, ReasonCode> = true;
