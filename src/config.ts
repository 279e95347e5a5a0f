/**
 * One validated configuration: environment variables plus a queues/agents file (JSON or YAML).
 * A bad value stops start-up with a message naming the key, e.g. `queues[0].ringTimeoutS: must be >= 1`.
 */
import { readFileSync } from 'node:fs';
import { Type, type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import { parse as parseYaml } from 'yaml';
import type { AgentDef, QueueDef, ReasonCode } from './domain/queue.js';
import { ID_MAX_LENGTH, ID_PATTERN } from './domain/ids.js';
import { membershipRoutingProperties, resolveRouting, RoutingConfigError, routingSchemaProperties, Skills } from './acd/routingConfig.js';
import { RESERVED_ROLES } from './acd/stasisArgs.js';
import { createEndpointPolicy } from './auth/endpoints.js';
import { hasControlCharacters } from './auth/pbxInput.js';
import { AuthFileSchema, AuthSettingsError, isLoopback, resolveAuthSettings, type AuthSettings } from './auth/settings.js';
import { resolveStatsSettings, StatsFileSchema, StatsSettingsError, type StatsSettings } from './stats/settings.js';
import { ExperienceConfigError, experienceSchemaProperties, resolveExperience } from './acd/experienceConfig.js';
import { DEFAULT_ARI_CONNECTIONS } from './pbx/ari/rest.js';
import type { AriRestTransport } from './pbx/ari/ari-pbx.js';

export class ConfigError extends Error {
  constructor(readonly key: string, message: string) {
    super(`config error: ${key}: ${message}`);
    this.name = 'ConfigError';
  }
}

const Id = Type.String({ minLength: 1, maxLength: ID_MAX_LENGTH, pattern: ID_PATTERN });

const Limits = Type.Object({ amber: Type.Number({ minimum: 0 }), red: Type.Number({ minimum: 0 }) }, { additionalProperties: false });
const WallboardSchema = Type.Object(
  { longestWaitS: Type.Optional(Limits), waiting: Type.Optional(Limits), serviceLevelPct: Type.Optional(Limits) },
  { additionalProperties: false },
);

const QueueSchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    ...routingSchemaProperties,
    ringTimeoutS: Type.Optional(Type.Integer({ minimum: 1, maximum: 600 })),
    wrapupS: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
    /** A musiconhold.conf class: a section name. */
    musicClass: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })),
    serviceLevelS: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    wallboard: Type.Optional(WallboardSchema),
    ...experienceSchemaProperties,
  },
  { additionalProperties: false },
);

const MembershipSchema = Type.Union([
  Id,
  Type.Object({ queue: Id, penalty: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })), ...membershipRoutingProperties }, { additionalProperties: false }),
]);

const AgentSchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    queues: Type.Optional(Type.Array(MembershipSchema)),
    wrapupS: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
    skills: Type.Optional(Skills),
    manualAnswer: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const ReasonSchema = Type.Object({ code: Id, label: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

const FileSchema = Type.Object(
  {
    queues: Type.Array(QueueSchema),
    agents: Type.Optional(Type.Array(AgentSchema)),
    reasons: Type.Optional(
      Type.Object({ notReady: Type.Optional(Type.Array(ReasonSchema)), logout: Type.Optional(Type.Array(ReasonSchema)) }, { additionalProperties: false }),
    ),
    auth: Type.Optional(AuthFileSchema),
    stats: Type.Optional(StatsFileSchema),
    /** Park and announce (src/acd/control/park.ts): slot range and return timeout. */
    park: Type.Optional(
      Type.Object(
        {
          firstSlot: Type.Optional(Type.Integer({ minimum: 1, maximum: 99999 })),
          lastSlot: Type.Optional(Type.Integer({ minimum: 1, maximum: 99999 })),
          timeoutS: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Agents' outbound calls (src/acd/control/outbound.ts): `dialPattern` with `{dest}`, e.g. `PJSIP/{dest}@trunk`. */
    outbound: Type.Optional(
      Type.Object(
        {
          dialPattern: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '\\{dest\\}' })),
          wrapupS: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
          ringTimeoutS: Type.Optional(Type.Integer({ minimum: 1, maximum: 300 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Channel variables read at a caller's entry and sent with `call.offered` (CTI). */
    offerVariables: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' }), { maxItems: 32 })),
  },
  { additionalProperties: false },
);
export type ConfigFile = Static<typeof FileSchema>;
/** For the generated reference (src/docs/configReference.ts). */
export const ConfigFileSchema = FileSchema;

export interface AcdConfig {
  /**
   * `maxRestConnections`: keep-alive connections to ARI's REST (ARI_MAX_CONNECTIONS; the adapter's default when absent).
   * `restTransport`: ARI_REST_TRANSPORT, `websocket` (default: REST over the event WebSocket when Asterisk answers there, HTTP while it is busy) or `http`.
   */
  ari: { url: string; username: string; password: string; app: string; maxRestConnections?: number; restTransport?: AriRestTransport };
  /** undefined: start a private redis-server. */
  redisUrl: string | undefined;
  http: { host: string; port: number };
  tenant: string;
  nodeId: string;
  /** LEASE_TTL_MS: one engine per node id; a second one stands by this long after the first died (src/acd/lease.ts). */
  leaseTtlMs?: number;
  /** CPU_NICE: the engine's CPU priority (-20 to 19; unset: as started), src/infra/cpuPriority.ts. */
  cpuNice?: number;
  /** ENTRY_REPAIR_INTERVAL_MS: how often unfinished caller entries are finished (src/acd/entryRepair.ts); 0 only on (re)connect. */
  entryRepairIntervalMs?: number;
  /** LIVE_QUEUE_PREFIX: the Live Queue API's second path, `<prefix>/api/v2/liveQueue/count` (docs/compat-live-queue.md). */
  liveQueuePrefix: string;
  logLevel: string;
  queues: QueueDef[];
  agents: AgentDef[];
  reasons: { notReady: ReasonCode[]; logout: ReasonCode[] };
  /** Park and announce settings; absent = defaults (slots 701-720, 60 s). */
  park?: { firstSlot?: number; lastSlot?: number; timeoutS?: number };
  /** Outbound calls of agents; absent = defaults (`PJSIP/{dest}`, wrap-up 5 s, ring 30 s). */
  outbound?: { dialPattern?: string; wrapupS?: number; ringTimeoutS?: number };
  /** Channel variables read at caller entry and sent with `call.offered`; absent = none. */
  offerVariables?: string[];
  /** API keys (hashed), CORS, originate allow-list, stream caps, ticket TTL. */
  auth: AuthSettings;
  stats: StatsSettings;
}

const DEFAULT_NOT_READY: ReasonCode[] = [
  { code: 'break', label: 'Break' },
  { code: 'lunch', label: 'Lunch' },
  { code: 'training', label: 'Training' },
  { code: 'rona', label: 'Did not answer' },
];
const DEFAULT_LOGOUT: ReasonCode[] = [{ code: 'end_of_shift', label: 'End of shift' }];

/** `/queues/0/ringTimeoutS` → `queues[0].ringTimeoutS` */
function keyOf(instancePath: string, prefix: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  let key = prefix;
  for (const p of parts) key += /^\d+$/.test(p) ? `[${p}]` : key ? `.${p}` : p;
  return key || '(root)';
}

function validate<S extends TSchema>(schema: S, value: unknown, prefix: string): Static<S> {
  if (Value.Check(schema, value)) return value as Static<S>;
  // The most specific error (deepest path) names the key a person has to fix.
  const errors = [...Value.Errors(schema, value)].filter((e) => e.keyword !== 'boolean' && e.keyword !== 'anyOf');
  const worst = errors.sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
  if (!worst) throw new ConfigError(prefix || '(root)', 'invalid value');
  const extra = worst.keyword === 'additionalProperties' ? ` (${JSON.stringify(worst.params)})` : '';
  throw new ConfigError(keyOf(worst.instancePath, prefix), `${worst.message}${extra}`);
}

/**
 * Definition strings end up in Asterisk (sound names, dial strings, music classes) and in
 * events and logs: none may carry a control character (CR/LF, NUL...).
 */
function rejectControlCharacters(value: unknown, key: string): void {
  if (typeof value === 'string') {
    if (hasControlCharacters(value)) throw new ConfigError(key, 'must not contain control characters (CR, LF, NUL...)');
  } else if (Array.isArray(value)) value.forEach((v, i) => rejectControlCharacters(v, `${key}[${i}]`));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) rejectControlCharacters(v, key ? `${key}.${k}` : k);
  }
}

function unique(ids: string[], key: string): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) throw new ConfigError(`${key}[${i}].id`, `duplicate id '${id}'`);
    seen.add(id);
  });
}

/** Turns a parsed file into queue and agent definitions, checking cross references. */
export function resolveConfigFile(raw: unknown): Pick<AcdConfig, 'queues' | 'agents' | 'reasons' | 'auth' | 'stats' | 'park' | 'outbound' | 'offerVariables'> {
  const file = validate(FileSchema, raw, '');
  rejectControlCharacters({ queues: file.queues, agents: file.agents, reasons: file.reasons }, '');
  unique(file.queues.map((q) => q.id), 'queues');
  file.queues.forEach((q, i) => {
    if ((RESERVED_ROLES as readonly string[]).includes(q.id)) throw new ConfigError(`queues[${i}].id`, `'${q.id}' is reserved (Stasis role words: ${RESERVED_ROLES.join(', ')})`);
  });
  const agentsIn = file.agents ?? [];
  unique(agentsIn.map((a) => a.id), 'agents');
  const queueIds = new Set(file.queues.map((q) => q.id));

  const queues: QueueDef[] = file.queues.map((q, i) => ({
    id: q.id,
    name: q.name ?? q.id,
    ...routingOf(q, i),
    ringTimeoutS: q.ringTimeoutS ?? 15,
    wrapupS: q.wrapupS ?? 5,
    ...(q.serviceLevelS === undefined ? {} : { serviceLevelS: q.serviceLevelS }),
    ...(q.wallboard ? { wallboard: q.wallboard } : {}),
    ...experienceOf(q, queueIds, i),
  }));
  const agents: AgentDef[] = agentsIn.map((a, i) => ({
    id: a.id,
    name: a.name ?? a.id,
    endpoint: a.endpoint ?? '',
    wrapupS: a.wrapupS,
    ...(a.skills ? { skills: Object.fromEntries(Object.entries(a.skills).map(([k, v]) => [k.toLowerCase(), v])) } : {}),
    ...(a.manualAnswer ? { manualAnswer: true } : {}),
    queues: (a.queues ?? []).map((m, j) => {
      const membership = typeof m === 'string' ? { queue: m, penalty: 0 } : { ...m, penalty: m.penalty ?? 0 };
      if (!queueIds.has(membership.queue)) throw new ConfigError(`agents[${i}].queues[${j}]`, `unknown queue '${membership.queue}'`);
      return membership;
    }),
  }));
  const notReady = file.reasons?.notReady ?? DEFAULT_NOT_READY;
  // The engine sets 'rona' itself when an agent lets an offer ring out: it must be a known code.
  if (!notReady.some((r) => r.code === 'rona')) notReady.push({ code: 'rona', label: 'Did not answer' });
  const park = file.park;
  if (park && (park.firstSlot ?? 701) > (park.lastSlot ?? 720)) throw new ConfigError('park.lastSlot', 'must not be below park.firstSlot');
  return {
    queues,
    agents,
    reasons: { notReady, logout: file.reasons?.logout ?? DEFAULT_LOGOUT },
    ...sectionsOf(file, queueIds),
    ...(park ? { park } : {}),
    ...(file.outbound ? { outbound: file.outbound } : {}),
    ...(file.offerVariables ? { offerVariables: file.offerVariables } : {}),
  };
}

/** The auth and stats sections, their errors named like every other config key. */
function sectionsOf(file: ConfigFile, queueIds: ReadonlySet<string>): Pick<AcdConfig, 'auth' | 'stats'> {
  try {
    const auth = resolveAuthSettings(file.auth);
    checkEndpoints(file, auth);
    auth.agentQueues = withConfiguredQueues(file, auth.agentQueues);
    return { auth, stats: resolveStatsSettings(file.stats, queueIds) };
  } catch (e) {
    if (e instanceof AuthSettingsError) throw new ConfigError(`auth.${e.key}`, e.message);
    if (e instanceof StatsSettingsError) throw new ConfigError(`stats.${e.key}`, e.message);
    throw e;
  }
}

/** An agent may join its configured queues again after leaving them (src/auth/queueJoin.ts). */
function withConfiguredQueues(file: ConfigFile, allowed: Record<string, string[]>): Record<string, string[]> {
  const merged = { ...allowed };
  for (const a of file.agents ?? []) {
    const configured = (a.queues ?? []).map((m) => (typeof m === 'string' ? m : m.queue));
    merged[a.id] = [...new Set([...(merged[a.id] ?? []), ...configured])];
  }
  return merged;
}

/** Agents' configured endpoints are dialled as they are: each must have an allowed form. */
function checkEndpoints(file: ConfigFile, auth: AuthSettings): void {
  const policy = createEndpointPolicy(auth);
  (file.agents ?? []).forEach((a, i) => {
    if (a.endpoint === undefined) return;
    try {
      policy.assertForm(a.endpoint);
    } catch (e) {
      throw new ConfigError(`agents[${i}].endpoint`, (e as Error).message);
    }
  });
}

/** Open mode (no API keys) serves anyone who can connect: only allowed on a loopback address. */
function checkOpenMode(config: AcdConfig): AcdConfig {
  if (config.auth.mode === 'open' && !isLoopback(config.http.host)) {
    throw new ConfigError('auth.apiKeys', `no API keys configured (open mode) while HTTP_HOST is ${config.http.host}: configure keys or listen on 127.0.0.1`);
  }
  return config;
}

function routingOf(q: Parameters<typeof resolveRouting>[0], i: number) {
  try {
    return resolveRouting(q);
  } catch (e) {
    if (e instanceof RoutingConfigError) throw new ConfigError(`queues[${i}].${e.key}`, e.message);
    throw e;
  }
}

function experienceOf(q: Parameters<typeof resolveExperience>[0], queueIds: ReadonlySet<string>, i: number) {
  try {
    return resolveExperience(q, queueIds);
  } catch (e) {
    if (e instanceof ExperienceConfigError) throw new ConfigError(`queues[${i}].${e.key}`, e.message);
    throw e;
  }
}

export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('ACD_CONFIG', `cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError('ACD_CONFIG', `cannot parse ${path}: ${(e as Error).message}`);
  }
}

/**
 * An instance's identity must survive its restarts: calls carry it, and reconcile and the
 * per-node timers only take up the calls of their own node. Channels live on one Asterisk, so by
 * default the node is named after the Asterisk and app it serves (one engine per Asterisk app:
 * a second would replace the first's WebSocket anyway).
 */
export function defaultNodeId(ariUrl: string, app: string): string {
  const url = new URL(ariUrl);
  return `${url.hostname}-${url.port || (url.protocol === 'https:' ? '443' : '80')}-${app}`.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** A URL path prefix: '/' then path segments of plain characters, no trailing '/'. */
function envPathPrefix(env: NodeJS.ProcessEnv, key: string, fallback: string): string {
  const value = env[key];
  if (value === undefined || value === '') return fallback;
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(value)) throw new ConfigError(key, `'${value.slice(0, 100)}' is not a path prefix like /deepcall (segments of letters, digits, . _ ~ -; no trailing /)`);
  return value;
}

function envRestTransport(env: NodeJS.ProcessEnv): AriRestTransport {
  const value = env.ARI_REST_TRANSPORT || 'websocket';
  if (value !== 'http' && value !== 'websocket') throw new ConfigError('ARI_REST_TRANSPORT', `must be 'http' or 'websocket' (got '${value}')`);
  return value;
}

function envInt(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(key, `must be an integer from ${min} to ${max}, got '${raw}'`);
  return n;
}

function envUrl(env: NodeJS.ProcessEnv, key: string, fallback: string | undefined): string | undefined {
  const raw = env[key] || fallback;
  if (raw === undefined) return undefined;
  try {
    new URL(raw);
  } catch {
    throw new ConfigError(key, `must be a URL, got '${raw}'`);
  }
  return raw;
}

/**
 * Builds the configuration. `file` is the parsed queues/agents document; when omitted it is read
 * from `ACD_CONFIG` (required then).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, file?: unknown): AcdConfig {
  const ariUrl = envUrl(env, 'ARI_URL', undefined);
  if (!ariUrl) throw new ConfigError('ARI_URL', 'is required (e.g. http://127.0.0.1:8088)');
  let raw = file;
  if (raw === undefined) {
    if (!env.ACD_CONFIG) throw new ConfigError('ACD_CONFIG', 'is required: path of the queues/agents file (YAML or JSON)');
    raw = readConfigFile(env.ACD_CONFIG);
  }
  const tenant = env.ACD_TENANT || 'default';
  validate(Id, tenant, 'ACD_TENANT');
  const logLevel = env.LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) throw new ConfigError('LOG_LEVEL', `unknown level '${logLevel}'`);
  return checkOpenMode({
    ari: {
      url: ariUrl,
      username: env.ARI_USERNAME || 'asterisk',
      password: env.ARI_PASSWORD || 'asterisk',
      app: env.ARI_APP || 'acd',
      // Asterisk's HTTP server takes 100 sessions by default (http.conf session_limit): room is left for other clients.
      maxRestConnections: envInt(env, 'ARI_MAX_CONNECTIONS', DEFAULT_ARI_CONNECTIONS, 1, 90),
      restTransport: envRestTransport(env),
    },
    redisUrl: envUrl(env, 'REDIS_URL', undefined),
    http: { host: env.HTTP_HOST || '127.0.0.1', port: envInt(env, 'HTTP_PORT', 8080, 0, 65535) },
    tenant,
    nodeId: env.NODE_ID || defaultNodeId(ariUrl, env.ARI_APP || 'acd'),
    leaseTtlMs: envInt(env, 'LEASE_TTL_MS', 10_000, 1_000, 600_000),
    ...(env.CPU_NICE ? { cpuNice: envInt(env, 'CPU_NICE', 0, -20, 19) } : {}),
    entryRepairIntervalMs: envInt(env, 'ENTRY_REPAIR_INTERVAL_MS', 15_000, 0, 3_600_000),
    liveQueuePrefix: envPathPrefix(env, 'LIVE_QUEUE_PREFIX', '/deepcall'),
    logLevel,
    ...resolveConfigFile(raw),
  });
}
