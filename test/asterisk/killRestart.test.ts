/**
 * kill -9 of `npm start` (src/main.ts in a child process) on a real Asterisk, and a restart with
 * the same NODE_ID, in each phase of a call: waiting, ringing, bridging, talking, consulting, just
 * after the agent hung up. No caller lost, none offered twice, no agent stuck; routing only once ARI is up.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../src/config.js';
import type { ConsultCall } from '../../src/domain/controlCall.js';
import { dropTenant } from '../../src/store/dropTenant.js';
import { tenantPrefix } from '../../src/store/keys.js';
import { createRedisStore, type RedisStore } from '../../src/store/redisStore.js';
import { waitFor } from '../helpers/acdHarness.js';
import { startAsterisk, type Asterisk } from '../helpers/asterisk.js';
import { engineEnv } from '../helpers/asteriskAcd.js';
import { spawnEngine, writeConfigFile, type EngineProcess } from '../helpers/engineProcess.js';
import { findViolations } from '../helpers/invariants.js';
import { connectTestRedis, freshPrefix } from '../helpers/redis.js';

const file: ConfigFile = {
  queues: [{ id: 'kq', ringTimeoutS: 30, wrapupS: 0 }],
  agents: [
    { id: 'a1', endpoint: 'Local/1301-0-60@agents', queues: ['kq'] },
    { id: 'a2', endpoint: 'Local/1302-0-60@agents', queues: ['kq'] },
    // Rings 3 s, then answers: long enough to kill the engine while it rings.
    { id: 'slow', endpoint: 'Local/1303-3-60@agents', queues: ['kq'] },
    // Rings 15 s: longer than a restart takes (2-3 s here; a loaded box may take longer).
    { id: 'slower', endpoint: 'Local/1304-15-60@agents', queues: ['kq'] },
  ],
};

let ast: Asterisk;
beforeAll(async () => {
  ast = await startAsterisk('killRestart');
}, 120_000);
afterAll(async () => {
  await ast?.stop();
});

interface Node {
  app: string;
  store: RedisStore;
  /** Takes the node's lease (src/acd/lease.ts) for an engine that is not there. */
  takeLease(): Promise<unknown>;
  /** Deletes the tenant's every key: a Redis come back empty. */
  wipe(): Promise<unknown>;
  /** Starts `npm start`'s engine (same NODE_ID every time) and waits until its HTTP API is up. */
  start(): Promise<{ proc: EngineProcess; http: string }>;
  /** Spawns one more engine for the node without waiting for it. */
  spawn(): EngineProcess;
  /** SIGKILL: no handler runs, the kernel drops its sockets. */
  kill(proc: EngineProcess): Promise<void>;
  login(http: string, agentId: string): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let seq = 0;
function node(): Node {
  const tenant = freshPrefix();
  const app = `t-kill-${process.pid}-${++seq}`;
  const env = engineEnv(ast, app, tenant, 'node-kill');
  const configPath = writeConfigFile(tenant, file);
  const redis = connectTestRedis({ maxRetriesPerRequest: null });
  const store = createRedisStore({ redis, tenant });
  const procs: EngineProcess[] = [];
  cleanups.push(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    const problems = await findViolations(redis, store.keys);
    await store.close();
    redis.disconnect();
    expect(problems).toEqual([]);
  });
  return {
    app,
    store,
    takeLease: () => redis.set(`${tenantPrefix(tenant)}lease:node-kill`, 'elsewhere|1|token', 'PX', 60_000),
    wipe: () => dropTenant(redis, tenant),
    spawn() {
      const proc = spawnEngine(env, configPath);
      procs.push(proc);
      return proc;
    },
    async start() {
      const proc = this.spawn();
      const http = await proc.running.catch((err: unknown) => {
        throw new Error(`${err instanceof Error ? err.message : String(err)}\n${ast.health()}`);
      });
      return { proc, http };
    },
    async kill(proc) {
      proc.kill('SIGKILL');
      await proc.exited;
    },
    async login(http, agentId) {
      const res = await fetch(`${http}/api/agents/${agentId}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ready: true }) });
      expect(res.status).toBe(200);
    },
  };
}

const callState = async (store: RedisStore, callId: string) => (await store.getCall(callId))?.state;
const bridged = async (bridgeId: string, ...channels: string[]) => {
  const res = await ast.ari<{ channels: string[] }>('GET', `/bridges/${encodeURIComponent(bridgeId)}`, undefined, [404]);
  return res.status === 200 && channels.every((c) => res.body.channels.includes(c));
};
/** The caller's call once it is connected and both parties are in its bridge. */
const bridgedCall = (store: RedisStore, callerId: string, what: string) =>
  waitFor(async () => {
    const c = await store.getCall(callerId);
    return c?.state === 'connected' && (await bridged(c.bridgeId, c.callerChannel, c.agentChannel)) ? c : undefined;
  }, what, 45_000); // as long as a restart may take on a loaded box (--maxWorkers=8 on 2 cores took over 20 s)
/** A first engine of `n` with agent a1 ready, and a caller talking to it (bridged). */
async function talking(n: Node) {
  const first = await n.start();
  await n.login(first.http, 'a1');
  const caller = await ast.placeCaller(n.app, 'kq', { holdS: 60 });
  const call = await bridgedCall(n.store, caller.stasisId, 'bridged').catch((err: unknown) => {
    // Seen once at 8 workers on 2 cores, cause unknown: say what the engine did with this caller.
    const lines = first.proc.logs.filter((l) => JSON.stringify(l).includes(caller.stasisId)).slice(-30);
    throw new Error(`${err instanceof Error ? err.message : String(err)}; the engine's log lines of this caller:\n${lines.map((l) => JSON.stringify(l).slice(0, 400)).join('\n')}`);
  });
  return { first, caller, call };
}
/** A first engine of `n` with only `agentId` logged in, and a caller whose offer rings that agent. */
async function ringing(n: Node, agentId: string) {
  const first = await n.start();
  await n.login(first.http, agentId);
  const caller = await ast.placeCaller(n.app, 'kq', { holdS: 60 });
  const offered = await waitFor(async () => {
    const c = await n.store.getCall(caller.stasisId);
    return c?.state === 'offering' && (await n.store.getAgent(agentId))?.status === 'ringing' ? c : undefined;
  }, 'ringing');
  return { first, caller, offered };
}
/**
 * A test of this file, run once more (on a fresh node, after a restart of the test Asterisk) only
 * when the Asterisk process died during it. Asterisk 22.10.1 crashes now and then when an app's
 * WebSocket closes abruptly while its bridges are in use, which these tests do on purpose (seen
 * once in six runs on 2026-12-05: "double free or corruption (fasttop)"; the asterisk/asterisk
 * #1201 family): that is the PBX's fault, and without this every later test of the file timed out
 * on the dead Asterisk. A failure with Asterisk alive fails the test as always, and so does one
 * on the second run.
 */
function itSurvivingAsteriskCrash(name: string, body: () => Promise<void>) {
  it(name, async () => {
    try {
      await body();
      return;
    } catch (err) {
      if (ast.alive()) throw err;
      console.warn(`the test Asterisk died during "${name}"; restarted, the test runs once more.\n${ast.health()}`);
    }
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined); // the dead attempt's engines
    await ast.restart();
    await body();
  });
}

/** No log line of `proc` tells of an offer made while ARI was down. */
const offeredBeforeConnected = (proc: EngineProcess) => proc.logs.filter((l) => JSON.stringify(l).includes('not connected to ARI'));

describe('kill -9 and restart on a real Asterisk', { timeout: 120_000 }, () => {
  itSurvivingAsteriskCrash('waiting: the caller stays queued and is routed once the engine is back', async () => {
    const n = node();
    const first = await n.start();
    const caller = await ast.placeCaller(n.app, 'kq', { holdS: 60 });
    await waitFor(async () => (await callState(n.store, caller.stasisId)) === 'waiting', 'caller waiting');
    await n.kill(first.proc);
    const t0 = Date.now();
    const second = await n.start();
    await n.login(second.http, 'a1');
    const call = await waitFor(async () => {
      const c = await n.store.getCall(caller.stasisId);
      return c?.state === 'connected' ? c : undefined;
    }, 'connected after restart', 30_000);
    await waitFor(() => bridged(call.bridgeId, call.callerChannel, call.agentChannel), 'bridged');
    console.info(`waiting phase: restart → bridged in ${Date.now() - t0} ms`);
    expect(offeredBeforeConnected(second.proc)).toEqual([]);
  });

  itSurvivingAsteriskCrash('ringing: the agent answers while the engine is away; Asterisk drops the leg (no app to enter), the caller is offered again and bridged', async () => {
    const n = node();
    const { first, caller, offered } = await ringing(n, 'slow');
    await n.kill(first.proc);
    // The originated leg answers into an app no socket serves: "Stasis app '…' not active", hung up.
    await waitFor(async () => !(await ast.hasChannel(offered.agentChannel)), 'the answered leg dropped', 10_000);
    await n.start();
    const call = await waitFor(async () => {
      const c = await n.store.getCall(caller.stasisId);
      return c?.state === 'connected' ? c : undefined;
    }, 'connected after restart', 30_000);
    expect(call.agentChannel).not.toBe(offered.agentChannel);
    expect(call.agentId).toBe('slow');
    await waitFor(() => bridged(call.bridgeId, call.callerChannel, call.agentChannel), 'bridged', 10_000);
  });

  itSurvivingAsteriskCrash('ringing: the leg rings through the restart and answers after it; the call is bridged on that leg', async () => {
    const n = node();
    const { first, caller, offered } = await ringing(n, 'slower');
    await n.kill(first.proc);
    await n.start();
    const call = await waitFor(async () => {
      const c = await n.store.getCall(caller.stasisId);
      return c?.state === 'connected' ? c : undefined;
    }, 'connected after restart', 30_000);
    expect(call.agentChannel).toBe(offered.agentChannel);
    await waitFor(() => bridged(call.bridgeId, call.callerChannel, call.agentChannel), 'bridged', 10_000);
  });

  itSurvivingAsteriskCrash('bridging: killed after the bridge was made but before both parties were in it, the restart adopts the bridge', async () => {
    const n = node();
    const { first, call } = await talking(n);
    await n.kill(first.proc);
    // What a kill between "create bridge" and "add channels" leaves: the bridge without the caller.
    await ast.ari('POST', `/bridges/${encodeURIComponent(call.bridgeId)}/removeChannel?channel=${encodeURIComponent(call.callerChannel)}`);
    await waitFor(async () => !(await bridged(call.bridgeId, call.callerChannel)), 'caller out of the bridge');
    await n.start();
    await waitFor(() => bridged(call.bridgeId, call.callerChannel, call.agentChannel), 'caller bridged again after restart', 30_000);
    expect(await callState(n.store, call.id)).toBe('connected');
  });

  itSurvivingAsteriskCrash('talking: the call stays bridged through the restart and ends normally', async () => {
    const n = node();
    const { first, caller, call } = await talking(n);
    await n.kill(first.proc);
    const second = await n.start();
    await second.proc.waitLog((l) => l.msg === 'reconciled call' && l.callId === call.id, 'call reconciled');
    expect(await bridged(call.bridgeId, call.callerChannel, call.agentChannel)).toBe(true);
    await ast.ari('DELETE', `/channels/${encodeURIComponent(caller.phoneId)}`);
    await waitFor(async () => (await n.store.getCall(call.id)) === undefined, 'call ended');
    await waitFor(async () => (await n.store.getAgent('a1'))?.status === 'ready', 'agent ready again');
  });

  itSurvivingAsteriskCrash('talking, and Redis comes back empty: the talk goes on through the restart; the caller hanging up hangs up the agent leg', async () => {
    const n = node();
    const { first, caller, call } = await talking(n);
    await n.kill(first.proc);
    await n.wipe();
    const second = await n.start();
    await second.proc.waitLog((l) => l.channelId === call.callerChannel && l.agentChannel === call.agentChannel, 'talk kept');
    expect(await bridged(call.bridgeId, call.callerChannel, call.agentChannel)).toBe(true);
    expect(await n.store.getCall(call.id)).toBeUndefined();
    await ast.ari('DELETE', `/channels/${encodeURIComponent(caller.phoneId)}`);
    await waitFor(async () => !(await ast.hasChannel(call.agentChannel)), 'agent leg hung up after its caller');
  });

  itSurvivingAsteriskCrash('consulting: the next engine ends the consult it cannot follow; the agent has its caller back', async () => {
    const n = node();
    const { first, call } = await talking(n);
    await n.login(first.http, 'a2');
    const res = await fetch(`${first.http}/api/cti/agents/a1/consult`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: { agentId: 'a2' } }) });
    expect(res.status).toBe(200);
    const consult = await waitFor(async () => (await n.store.listControlCalls()).find((r): r is ConsultCall => r.kind === 'consult' && r.state === 'connected'), 'consult connected', 15_000);
    await waitFor(() => bridged(consult.bridgeId, call.agentChannel, consult.leg), 'agent talking to a2 in the consult bridge');
    await n.kill(first.proc);
    await n.start();
    await waitFor(async () => ((await n.store.getControlCall(consult.id)) ? undefined : true), 'consult ended', 30_000);
    await waitFor(async () => !(await ast.hasChannel(consult.leg)), 'consult leg hung up');
    await waitFor(async () => (await n.store.getAgent('a2'))?.status === 'ready' || undefined, 'consulted agent free');
    await waitFor(() => bridged(call.bridgeId, call.callerChannel, call.agentChannel), 'agent back with its caller');
    await waitFor(async () => (Object.keys(await n.store.getControl(call.id)).length === 0 ? true : undefined), 'consult and hold cleared on the call');
    expect(await n.store.getCall(call.id)).toMatchObject({ state: 'connected', agentId: 'a1' });
  });

  itSurvivingAsteriskCrash('two engines with one node id: the second stands by, never touches the app, and takes over when the first is killed', async () => {
    const n = node();
    const first = await n.start();
    const standby = n.spawn();
    await standby.waitLog((l) => l.msg === 'another engine holds this node id: standing by', 'second engine standing by');
    await n.login(first.http, 'a1');
    const caller = await ast.placeCaller(n.app, 'kq', { holdS: 60 });
    const call = await bridgedCall(n.store, caller.stasisId, 'bridged by the first engine');
    expect(standby.logs.filter((l) => l.msg === 'ARI connected' || l.msg === 'caller queued')).toEqual([]);
    await n.kill(first.proc);
    await standby.waitLog((l) => l.msg === 'reconciled call' && l.callId === call.id, 'the call taken over', 30_000);
    expect(await bridged(call.bridgeId, call.callerChannel, call.agentChannel)).toBe(true);
    await ast.ari('DELETE', `/channels/${encodeURIComponent(caller.phoneId)}`);
    await waitFor(async () => (await n.store.getCall(call.id)) === undefined, 'call ended by the second engine');
  });

  itSurvivingAsteriskCrash('an engine whose lease was taken exits non-zero, for its supervisor to start it again', async () => {
    const n = node();
    const { proc } = await n.start();
    // What an engine sees when another one took the node while it stalled past LEASE_TTL_MS.
    await n.takeLease();
    expect(await proc.exited).toEqual({ code: 1, signal: null });
    expect(proc.logs.some((l) => l.msg === 'lease lost: this engine stops acting for the node')).toBe(true);
  });

  itSurvivingAsteriskCrash('just after the agent hung up: the ended call ends (caller hung up), it is never offered again', async () => {
    const n = node();
    const { first, caller, call } = await talking(n);
    await n.kill(first.proc);
    // Where a kill ~0.3 s after the agent's hang-up lands: the store ended the call, the agent leg
    // and the bridge are gone, the caller was not released yet. One step at a time, each waited
    // for: a bridge destroyed right after hanging up one of its channels, with the channels' app
    // disconnected, has crashed Asterisk (asterisk/asterisk#211, #1201; once in CI here).
    await n.store.endCall(call.id, 'agent');
    await ast.ari('DELETE', `/channels/${encodeURIComponent(call.agentChannel)}`);
    await waitFor(async () => !(await ast.hasChannel(call.agentChannel)), 'agent leg gone');
    await ast.ari('POST', `/bridges/${encodeURIComponent(call.bridgeId)}/removeChannel?channel=${encodeURIComponent(call.callerChannel)}`);
    await waitFor(async () => !(await bridged(call.bridgeId, call.callerChannel)), 'caller out of the bridge');
    await ast.ari('DELETE', `/bridges/${encodeURIComponent(call.bridgeId)}`);
    const second = await n.start();
    await n.login(second.http, 'a2'); // a second agent that must not get the ended call
    await waitFor(async () => !(await ast.hasChannel(caller.stasisId)), 'caller of the ended call hung up', 15_000);
    expect(await n.store.getCall(call.id)).toBeUndefined();
    expect((await n.store.getAgent('a2'))?.status).toBe('ready');
  });
});
