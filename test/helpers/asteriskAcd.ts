/**
 * The whole engine (startAcd: store, ari-client adapter, engine, HTTP API) against a real
 * Asterisk, on a fresh Redis tenant and an ARI app of its own, plus the waits the tier's tests share.
 */
import { startAcd, type QueueLogTargets, type RunningAcd } from '../../src/app.js';
import { loadConfig, type ConfigFile } from '../../src/config.js';
import type { CallSnapshot, CallState } from '../../src/domain/call.js';
import type { AgentStatus } from '../../src/domain/agent.js';
import { waitFor } from './acdHarness.js';
import type { Asterisk } from './asterisk.js';
import { findViolations } from './invariants.js';
import { connectTestRedis, freshPrefix } from './redis.js';
import { testLogger } from './recentLogs.js';
import { inject } from 'vitest';

export interface AcdOnAsterisk {
  acd: RunningAcd;
  app: string;
  tenant: string;
  nodeId: string;
  /** The environment this engine was started with (for a child `npm start` on the same tenant). */
  env: Record<string, string>;
  waitCall(callId: string, state: CallState, timeoutMs?: number): Promise<CallSnapshot>;
  waitCallGone(callId: string, timeoutMs?: number): Promise<void>;
  waitAgent(agentId: string, status: AgentStatus, timeoutMs?: number): Promise<void>;
  /** The bridge of a connected call holds both parties on Asterisk. */
  waitBridged(call: CallSnapshot, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

let appSeq = 0;

/** The environment `npm start` reads, for an engine on `ast` with ARI app `app` and tenant `tenant`. */
export function engineEnv(ast: Asterisk, app: string, tenant: string, nodeId: string): Record<string, string> {
  return {
    ARI_URL: ast.ariUrl,
    ARI_USERNAME: ast.username,
    ARI_PASSWORD: ast.password,
    ARI_APP: app,
    ACD_TENANT: tenant,
    NODE_ID: nodeId,
    REDIS_URL: inject('redisUrl'),
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  };
}

/** `envOverrides`: variables of engineEnv to change (e.g. ARI_URL towards a test/helpers/ariProxy.ts). */
export async function startAcdOn(ast: Asterisk, file: ConfigFile, name: string, queueLog?: QueueLogTargets, envOverrides: Record<string, string> = {}): Promise<AcdOnAsterisk> {
  const tenant = freshPrefix();
  const app = `t-${name}-${process.pid}-${++appSeq}`;
  const nodeId = `node-${name}`;
  const env = { ...engineEnv(ast, app, tenant, nodeId), ...envOverrides };
  const config = loadConfig(env, file);
  const logger = testLogger();
  const acd = await startAcd({ ...config, redisUrl: env.REDIS_URL ?? '', queueLog }, logger);
  // The HTTP API answers at once; calls are served once ARI is connected and reconciled.
  await acd.ready;
  const { store } = acd;
  const waitCall = (callId: string, state: CallState, timeoutMs = 10_000) =>
    waitFor(async () => {
      const call = await store.getCall(callId);
      return call?.state === state ? call : undefined;
    }, `call ${callId} ${state}`, timeoutMs);
  return {
    acd,
    app,
    tenant,
    nodeId,
    env,
    waitCall,
    async waitCallGone(callId, timeoutMs = 10_000) {
      await waitFor(async () => (await store.getCall(callId)) === undefined, `call ${callId} ended`, timeoutMs);
    },
    async waitAgent(agentId, status, timeoutMs = 10_000) {
      await waitFor(async () => (await store.getAgent(agentId))?.status === status, `agent ${agentId} ${status}`, timeoutMs);
    },
    async waitBridged(call, timeoutMs = 10_000) {
      await waitFor(
        async () => {
          const res = await ast.ari<{ channels: string[] }>('GET', `/bridges/${encodeURIComponent(call.bridgeId)}`, undefined, [404]);
          return res.status === 200 && res.body.channels.includes(call.callerChannel) && res.body.channels.includes(call.agentChannel);
        },
        `caller and agent in bridge ${call.bridgeId}`,
        timeoutMs,
      );
    },
    async close() {
      let problems: string[] = [];
      try {
        await acd.engine.idle();
        const redis = connectTestRedis();
        try {
          problems = await findViolations(redis, store.keys);
        } finally {
          redis.disconnect();
        }
      } finally {
        await acd.close();
      }
      if (problems.length > 0) throw new Error(`store invariants broken:\n${problems.join('\n')}`);
    },
  };
}

/**
 * A test file's end: the engine, then its Asterisk, which is stopped even when the engine's close
 * reports broken invariants (a failed file left its Asterisk running until the machine stopped).
 */
export async function closeAcdAndAsterisk(e: AcdOnAsterisk | undefined, ast: Asterisk | undefined): Promise<void> {
  try {
    await e?.close();
  } finally {
    await ast?.stop();
  }
}
