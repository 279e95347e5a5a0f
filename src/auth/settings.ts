/**
 * Auth settings from the configuration file's `auth` section. API keys are kept as SHA-256
 * hashes from here on (a plain `key` in the file is hashed at load), so no later code, log line
 * or error message can leak one.
 */
import { createHash } from 'node:crypto';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { Type, type Static } from 'typebox';
import { DEFAULT_ENDPOINT_PATTERNS } from './endpoints.js';
import { type Limits, LimitsFileSchema, resolveLimits } from './limits.js';

export const ROLES = ['admin', 'supervisor', 'agent'] as const;
export type Role = (typeof ROLES)[number];

export const ApiKeyFileSchema = Type.Object(
  {
    key: Type.Optional(Type.String({ minLength: 16, description: 'the key itself (hashed at load)' })),
    keyHash: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'sha256 hex of the key' })),
    role: Type.Union([Type.Literal('admin'), Type.Literal('supervisor'), Type.Literal('agent')]),
    /** Required for role agent: the one agent this key may act as. */
    agentId: Type.Optional(Type.String({ minLength: 1 })),
    /** A name for logs and connection caps (never the key). */
    name: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export const AuthFileSchema = Type.Object(
  {
    /** keys: every /api request needs an API key or ticket; open: everything allowed (loopback only). */
    mode: Type.Optional(Type.Union([Type.Literal('keys'), Type.Literal('open')])),
    apiKeys: Type.Optional(Type.Array(ApiKeyFileSchema)),
    /** Origins allowed by CORS ('*' = any); empty = no CORS headers. */
    corsOrigins: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** Originate / redirect destinations: exact strings or Asterisk patterns (`_X.`, `_NXX`, `_[1-5]!`). */
    destinationAllowList: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** Open event streams (SSE, WebSocket, long-poll) per credential. */
    maxStreamsPerCredential: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    /** Seconds a stream ticket stays valid after its last use. */
    ticketTtlS: Type.Optional(Type.Integer({ minimum: 5, maximum: 86_400 })),
    /** Dial string forms (regular expressions) any agent or supervisor endpoint must match; default: see src/auth/endpoints.ts. */
    endpointPatterns: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 500 }), { minItems: 1, maxItems: 100 })),
    /** Per agent id: endpoints it may log in on besides its configured one (exact or Asterisk patterns). */
    agentEndpoints: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1, maxLength: 200 })))),
    /** Supervisor phones for monitor / whisper / barge (exact or Asterisk patterns); absent = any endpoint of a valid form. */
    supervisorEndpoints: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }))),
    /** Per agent id: queues it may join itself besides its configured memberships. */
    agentQueues: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1, maxLength: 64 })))),
    /** Size limits on requests, WebSocket messages and channel variables (src/auth/limits.ts). */
    limits: Type.Optional(LimitsFileSchema),
  },
  { additionalProperties: false },
);
export type AuthFile = Static<typeof AuthFileSchema>;

export interface ApiKey {
  /** sha256 hex (lower case) of the key. */
  keyHash: string;
  role: Role;
  agentId?: string;
  /** For logs and caps: the configured name, else a short prefix of the hash. */
  name: string;
}

export interface AuthSettings {
  mode: 'keys' | 'open';
  apiKeys: ApiKey[];
  corsOrigins: string[];
  destinationAllowList: string[];
  maxStreamsPerCredential: number;
  ticketTtlS: number;
  endpointPatterns: string[];
  agentEndpoints: Record<string, string[]>;
  supervisorEndpoints: string[];
  agentQueues: Record<string, string[]>;
  limits: Limits;
}

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** Thrown with the key path (relative to `auth`) and a message; config.ts turns it into a ConfigError. */
export class AuthSettingsError extends Error {
  constructor(readonly key: string, message: string) {
    super(message);
  }
}

export function resolveAuthSettings(file: AuthFile | undefined): AuthSettings {
  const apiKeys = (file?.apiKeys ?? []).map((k, i): ApiKey => {
    if ((k.key === undefined) === (k.keyHash === undefined)) throw new AuthSettingsError(`apiKeys[${i}]`, 'give exactly one of key or keyHash');
    if (k.role === 'agent' && !k.agentId) throw new AuthSettingsError(`apiKeys[${i}].agentId`, 'is required for role agent');
    const keyHash = k.keyHash?.toLowerCase() ?? hashKey(k.key!);
    return { keyHash, role: k.role, agentId: k.agentId, name: k.name ?? `key-${keyHash.slice(0, 8)}` };
  });
  return {
    // No keys configured means nobody could use the API: that is the open (demo) mode.
    mode: file?.mode ?? (apiKeys.length > 0 ? 'keys' : 'open'),
    apiKeys,
    corsOrigins: file?.corsOrigins ?? [],
    destinationAllowList: file?.destinationAllowList ?? [],
    maxStreamsPerCredential: file?.maxStreamsPerCredential ?? 20,
    ticketTtlS: file?.ticketTtlS ?? 60,
    endpointPatterns: checkedPatterns(file?.endpointPatterns ?? DEFAULT_ENDPOINT_PATTERNS),
    agentEndpoints: file?.agentEndpoints ?? {},
    supervisorEndpoints: file?.supervisorEndpoints ?? [],
    agentQueues: file?.agentQueues ?? {},
    limits: resolveLimits(file?.limits),
  };
}

function checkedPatterns(patterns: string[]): string[] {
  patterns.forEach((p, i) => {
    try {
      new RegExp(p);
    } catch (e) {
      throw new AuthSettingsError(`endpointPatterns[${i}]`, `is not a regular expression: ${(e as Error).message}`);
    }
  });
  return patterns;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether the API would listen on a loopback address only: parsed addresses, never name prefixes (`127.evil.example`). */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is its IPv4 address.
  const v4 = /^::ffff:/i.test(host) ? host.slice(7) : host;
  if (isIPv4(v4)) return LOOPBACK.check(v4, 'ipv4');
  return isIPv6(host) && LOOPBACK.check(host, 'ipv6');
}
