/**
 * Authentication and authorization for every route, declared on the route itself:
 *
 *   app.post('/x/:agentId', { config: { auth: { roles: ['admin', 'supervisor', 'agent'], self: 'agentId' } } }, ...)
 *
 * - `roles`: who may call it. A route without `config.auth` is admin-only (deny by default);
 *   `config: { auth: 'public' }` opens it to anyone (health, pages, the OpenAPI document).
 * - `self`: the request parameter (path, query or JSON body: one value, see commandInput.ts)
 *   naming the agent acted on; a key of role agent may only name its own agent.
 * - `joins`: the request parameter naming a queue the agent acted on joins; a key of role agent
 *   may only name a queue allowed for its agent (src/auth/queueJoin.ts).
 * - `ticket: true`: the credential is the `:ticket` path parameter (browser streams), not a key.
 *
 * Keys come as `x-api-key: <key>` or `authorization: Bearer <key>`, or — where the Live Queue
 * API shape has them — `ssid=<key>` or `userId=<id>&token=<key>` in the query or JSON body.
 * The resolved caller is `req.principal`. In open mode (demo, loopback only) every key-protected
 * route is served as admin; tickets are still required and scoped.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AcdError } from '../domain/errors.js';
import { findApiKey, OPEN_PRINCIPAL, type Principal, principalOfKey } from '../auth/principal.js';
import type { AuthSettings, Role } from '../auth/settings.js';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { principalOfTicket } from '../auth/tickets.js';
import { assertAgentMayJoin } from '../auth/queueJoin.js';
import { guardAgentCommands, guardCallControl } from '../auth/commandGuards.js';
import type { ApiApp, ApiDeps } from './deps.js';
import { checkRequestInput, rawQueryNames, requestParameter as field } from './commandInput.js';

export interface RouteAuth {
  roles: readonly Role[];
  self?: string;
  /** The request parameter naming a queue the agent joins: an agent key may name only a queue allowed for it. */
  joins?: string;
  ticket?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth | 'public';
  }
  interface FastifyRequest {
    /** Set by the auth hook on every non-public route. */
    principal?: Principal;
  }
}

export const ALL_ROLES: readonly Role[] = ['admin', 'supervisor', 'agent'];
export const STAFF: readonly Role[] = ['admin', 'supervisor'];
export const ADMIN: readonly Role[] = ['admin'];

/** Route config helpers, so routes read `config: auth(STAFF)`. */
export const auth = (roles: readonly Role[], extra: Omit<RouteAuth, 'roles'> = {}) => ({ auth: { roles, ...extra } });
export const PUBLIC = { auth: 'public' as const };

/** The key in `x-api-key` or `Authorization: Bearer`. */
function keyInHeaders(headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  return /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
}

/** The name of the credential a WebSocket handshake presents in its headers ('open' in open mode). */
export function handshakeCredential(settings: AuthSettings, req: IncomingMessage): string | undefined {
  if (settings.mode === 'open') return OPEN_PRINCIPAL.credential;
  const presented = keyInHeaders(req.headers);
  return presented === undefined ? undefined : findApiKey(settings, presented)?.name;
}

/** The key presented, from the headers or the Live Queue API's `ssid` / `token` fields. */
function presentedKey(req: FastifyRequest): string | undefined {
  const inHeaders = keyInHeaders(req.headers);
  if (inHeaders !== undefined) return inHeaders;
  const queryNames = rawQueryNames(req);
  for (const name of ['ssid', 'token']) {
    const inBody = typeof req.body === 'object' && req.body !== null && Object.hasOwn(req.body, name);
    // In the query, only the exact name counts (`?%74oken=` is no credential).
    if (!inBody && !queryNames.has(name)) continue;
    const value = field(req, name);
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

async function authenticate(req: FastifyRequest, route: RouteAuth, deps: ApiDeps): Promise<Principal> {
  if (route.ticket) {
    const id = field(req, 'ticket');
    const ticket = typeof id === 'string' ? await deps.auth.tickets.use(id) : undefined;
    if (!ticket) throw new AcdError('unauthorized', 'unknown or expired ticket: ask for a new one with POST /ticket');
    return principalOfTicket(ticket);
  }
  if (deps.auth.settings.mode === 'open') return OPEN_PRINCIPAL;
  const presented = presentedKey(req);
  if (presented === undefined) throw new AcdError('unauthorized', 'an API key is required (header x-api-key or Authorization: Bearer)');
  const key = findApiKey(deps.auth.settings, presented);
  if (!key) throw new AcdError('unauthorized', 'unknown API key');
  const principal = principalOfKey(key);
  const userId = field(req, 'userId');
  if (principal.role === 'agent' && userId !== undefined && userId !== principal.agentId) {
    throw new AcdError('forbidden', `userId '${String(userId)}' does not match this key's agent`);
  }
  return principal;
}

async function authorize(req: FastifyRequest, route: RouteAuth, principal: Principal, deps: ApiDeps): Promise<void> {
  if (!route.roles.includes(principal.role)) {
    throw new AcdError('forbidden', `role ${principal.role} may not ${req.method} ${req.routeOptions.url ?? req.url}`);
  }
  if (principal.role !== 'agent') return;
  if (route.self !== undefined) {
    const target = field(req, route.self);
    if (target !== principal.agentId) throw new AcdError('forbidden', `an agent key may act only on its own agent (${principal.agentId})`, { field: route.self });
  }
  if (route.joins !== undefined) {
    const queue = field(req, route.joins);
    if (typeof queue === 'string') await assertMayJoin(deps, principal.agentId!, queue);
  }
}

/** AcdError forbidden unless `agentId` may join `queue` (src/auth/queueJoin.ts). */
export async function assertMayJoin(deps: Pick<ApiDeps, 'auth' | 'admin' | 'store'>, agentId: string, queue: string): Promise<void> {
  // An unknown queue is left to the store, which answers queue_not_found.
  if (!(await deps.store.getQueue(queue))) return;
  assertAgentMayJoin(deps.auth.settings.agentQueues, await deps.admin.agentDef(agentId), queue);
}

export function installAuth(app: ApiApp, deps: ApiDeps): void {
  // preValidation: after the body is parsed (Live Queue credentials may be in it), before any
  // route hook or validation, so an unauthenticated caller learns nothing about valid input.
  app.addHook('preValidation', async (req: FastifyRequest) => {
    const route = req.routeOptions.config.auth ?? { roles: ADMIN };
    // An unauthenticated caller is refused before it learns anything about its input.
    const principal = route === 'public' ? undefined : await authenticate(req, route, deps);
    // Then every parameter has one value, the one authorized here and used by the handler.
    checkRequestInput(req, deps.auth.settings.limits.maxStringLength);
    if (route === 'public' || !principal) return;
    await authorize(req, route, principal, deps);
    req.principal = principal;
  });
}

/** CORS for the configured origins ('*' = any); preflights are answered here, before auth. */
export function installCors(app: ApiApp, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const any = origins.includes('*');
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const origin = req.headers.origin;
    if (origin === undefined || !(any || origins.includes(origin))) return;
    reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      reply
        .header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE')
        .header('access-control-allow-headers', 'content-type, x-api-key, authorization, last-event-id')
        .header('access-control-max-age', '600');
      return reply.code(204).send();
    }
  });
}

/** The principal of an authenticated route (the hook guarantees it). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new AcdError('internal', 'route has no principal');
  return req.principal;
}

/** Who to record as `by` in events: 'api' in open mode, else the role and credential name. */
export function actor(req: FastifyRequest): string {
  const p = principalOf(req);
  return p === OPEN_PRINCIPAL ? 'api' : `${p.role}:${p.credential}`;
}

/** The dependencies with the commands the API exposes held to the endpoint policy (src/auth/endpoints.ts). */
export function withEndpointGuards(deps: ApiDeps): ApiDeps {
  const policy = deps.auth.endpoints;
  return {
    ...deps,
    agents: guardAgentCommands(deps.agents, policy, (id) => deps.admin.agentDef(id)),
    ...(deps.control ? { control: guardCallControl(deps.control, policy, deps.auth.settings.limits) } : {}),
  };
}
