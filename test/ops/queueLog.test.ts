/**
 * queue_log export: app_queue's line format for the engine's events, and one consumer that
 * neither loses nor doubles a line across restarts, including a crash between append and checkpoint.
 */
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AcdEvent } from '../../src/domain/events.js';
import { createQueueLogExporter } from '../../src/queueLog/exporter.js';
import { createFileSink } from '../../src/queueLog/fileSink.js';
import { createPgSink } from '../../src/queueLog/pgSink.js';
import { postgresMissing, startPostgres, type TestPostgres } from './postgres.js';
import { formatQueueLogLine, queueLogLines, type CallMemories } from '../../src/queueLog/format.js';
import { waitUntil } from '../api/waitUntil.js';
import { agentDef, caller, createTestStore, queueDef, type TestStore } from '../helpers/store.js';

const T = 1_700_000_000_000;
const AGENTS = ['1001', '1002', '1003'];
const silent = pino({ level: 'silent' });
const lines = (events: AcdEvent[]) => {
  const calls: CallMemories = {};
  return events.flatMap((e) => queueLogLines(e, calls).map(formatQueueLogLine));
};

describe('queue_log lines', () => {
  it('follow app_queue for an answered call, an abandon while ringing, a timeout while ringing, a no-answer and member changes', () => {
    expect(
      lines([
        { type: 'QueueCallerJoin', ts: T, callId: 'c1', queue: 'sales', position: 2, callerNumber: '5551234', callerName: 'Ann', priority: 0 },
        { type: 'AgentCalled', ts: T + 1_000, callId: 'c1', queue: 'sales', agentId: '1001', endpoint: 'PJSIP/1001', agentChannel: 'leg-1' },
        { type: 'AgentRingNoAnswer', ts: T + 16_000, callId: 'c1', queue: 'sales', agentId: '1001', ringMs: 15_000, cause: 'noanswer' },
        { type: 'AgentConnect', ts: T + 30_000, callId: 'c1', queue: 'sales', agentId: '1002', waitMs: 30_000, ringMs: 4_000, bridgeId: 'b1' },
        { type: 'AgentComplete', ts: T + 90_000, callId: 'c1', queue: 'sales', agentId: '1002', talkMs: 60_000, waitMs: 30_000, reason: 'completecaller' },
        { type: 'QueueCallerJoin', ts: T, callId: 'c2', queue: 'sales', position: 1, callerNumber: '5550000', callerName: '', priority: 0 },
        { type: 'AgentCalled', ts: T + 10_000, callId: 'c2', queue: 'sales', agentId: '1003', endpoint: 'PJSIP/1003', agentChannel: 'leg-3' },
        { type: 'QueueCallerAbandon', ts: T + 12_400, callId: 'c2', queue: 'sales', waitMs: 12_400, agentId: '1003' },
        { type: 'QueueCallerJoin', ts: T, callId: 'c3', queue: 'support', position: 1, callerNumber: '', callerName: '', priority: 0 },
        { type: 'AgentCalled', ts: T + 295_000, callId: 'c3', queue: 'support', agentId: '1001', endpoint: 'PJSIP/1001', agentChannel: 'leg-4' },
        { type: 'QueueCallerLeave', ts: T + 300_000, callId: 'c3', queue: 'support', reason: 'TIMEOUT', waitMs: 300_000 },
        { type: 'QueueMemberAdded', ts: T, queue: 'sales', agentId: '1003', penalty: 0, paused: false },
        { type: 'QueueMemberPause', ts: T, queue: 'sales', agentId: '1003', paused: true, reason: 'lunch' },
        { type: 'QueueMemberRemoved', ts: T, queue: 'sales', agentId: '1003' },
        { type: 'AgentStatus', ts: T, agentId: '1001', status: 'not_ready', previous: 'ready', reason: 'rona', callId: '', by: 'engine' },
      ]),
    ).toEqual([
      '1700000000|c1|sales|NONE|ENTERQUEUE||5551234|2',
      '1700000016|c1|sales|1001|RINGNOANSWER|15000',
      '1700000030|c1|sales|1002|CONNECT|30|leg-1|4',
      '1700000090|c1|sales|1002|COMPLETECALLER|30|60|2',
      '1700000000|c2|sales|NONE|ENTERQUEUE||5550000|1',
      '1700000012|c2|sales|1003|RINGCANCELED|2400',
      '1700000012|c2|sales|NONE|ABANDON|1|1|12',
      '1700000000|c3|support|NONE|ENTERQUEUE|||1',
      '1700000300|c3|support|1001|RINGNOANSWER|5000',
      '1700000300|c3|support|NONE|EXITWITHTIMEOUT|1|1|300',
      '1700000000|NONE|sales|1003|ADDMEMBER|',
      '1700000000|NONE|sales|1003|PAUSE|lunch',
      '1700000000|NONE|sales|1003|REMOVEMEMBER|',
      '1700000000|NONE|NONE|1001|PAUSEALL|rona',
    ]);
  });

  it("writes the queue's exit key as the key of EXITWITHKEY", () => {
    const calls: CallMemories = {};
    const join: AcdEvent = { type: 'QueueCallerJoin', ts: T, callId: 'c1', queue: 'sales', position: 1, callerNumber: '', callerName: '', priority: 0 };
    const leave: AcdEvent = { type: 'QueueCallerLeave', ts: T + 4_000, callId: 'c1', queue: 'sales', reason: 'EXITWITHKEY', waitMs: 4_000 };
    expect([join, leave].flatMap((e) => queueLogLines(e, calls, { sales: '5' }).map(formatQueueLogLine))).toEqual([
      '1700000000|c1|sales|NONE|ENTERQUEUE|||1',
      '1700000004|c1|sales|NONE|EXITWITHKEY|5|1|1|4',
    ]);
  });

  it('keeps the field separator out of values', () => {
    expect(lines([{ type: 'QueueCallerJoin', ts: T, callId: 'c1', queue: 'sales', position: 1, callerNumber: '1|2\n3', callerName: '', priority: 0 }])).toEqual([
      '1700000000|c1|sales|NONE|ENTERQUEUE||1 2 3|1',
    ]);
  });
});

describe('queue_log export', () => {
  let t: TestStore;
  let dir: string;
  let file: string;
  beforeEach(async () => {
    t = createTestStore();
    dir = await mkdtemp(path.join(os.tmpdir(), 'acd-queuelog-'));
    file = path.join(dir, 'queue_log');
    await t.store.upsertQueue(queueDef('sales'));
    for (const id of AGENTS) await t.store.upsertAgent(agentDef(id, ['sales']));
  });
  afterEach(async () => {
    await t.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const exporter = () => createQueueLogExporter({ store: t.store, sink: createFileSink(file, silent), logger: silent, blockMs: 50, retryMs: 50 });
  const read = async () => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const exported = async (e: ReturnType<typeof exporter>) => {
    const last = await t.store.lastEventId();
    await waitUntil(() => e.position === last, 'the export to catch up', 30_000);
  };

  /** One answered call (by the batch's own agent: the last one is in wrap-up) and one abandoned call. */
  async function calls(prefix: 'a' | 'b' | 'c'): Promise<void> {
    await t.store.login(AGENTS[['a', 'b', 'c'].indexOf(prefix)]!, undefined, { by: 't', ready: true });
    await t.store.enqueue(caller(`${prefix}1`, 'sales'));
    await t.store.assign({ queue: 'sales' }, `${prefix}-leg`);
    await t.store.markRinging(`${prefix}1`, `${prefix}-leg`);
    await t.store.connect(`${prefix}1`, `${prefix}-leg`, `${prefix}-bridge`);
    await t.store.endCall(`${prefix}1`, 'agent');
    await t.store.enqueue(caller(`${prefix}2`, 'sales'));
    await t.store.endCall(`${prefix}2`, 'caller');
  }
  const callEvents = (all: string[]) => all.map((l) => l.split('|')).filter((f) => f[1] !== 'NONE').map((f) => `${f[1]} ${f[4]}`);

  it('writes every call event once, across a clean restart and a crash between append and checkpoint', async () => {
    let e = exporter();
    await e.start();
    await calls('a');
    await exported(e);
    await e.stop();
    expect(callEvents(await read())).toEqual(['a1 ENTERQUEUE', 'a1 CONNECT', 'a1 COMPLETEAGENT', 'a2 ENTERQUEUE', 'a2 ABANDON']);
    const connect = (await read()).find((l) => l.includes('|CONNECT|'))!.split('|');
    expect(connect[6]).toBe('a-leg');

    // Events while the exporter is down are exported at the next start.
    await calls('b');
    // A crash after appending a batch but before its checkpoint: those lines are written again, not doubled.
    await appendFile(file, '1700000000|b1|sales|NONE|ENTERQUEUE||x|1\n1700000000|b1|sa');
    e = exporter();
    await e.start();
    await exported(e);
    await calls('c');
    await exported(e);
    await e.stop();
    const all = await read();
    expect(callEvents(all)).toEqual(
      ['a', 'b', 'c'].flatMap((p) => [`${p}1 ENTERQUEUE`, `${p}1 CONNECT`, `${p}1 COMPLETEAGENT`, `${p}2 ENTERQUEUE`, `${p}2 ABANDON`]),
    );
    expect(all.every((l) => /^\d+\|[^|]+\|[^|]+\|[^|]+\|[A-Z]+(\|.*)?$/.test(l))).toBe(true);
  });
});

describe('queue_log export to PostgreSQL (Asterisk realtime queue_log table)', () => {
  let t: TestStore;
  let db: TestPostgres | undefined;
  const missing = postgresMissing();
  beforeAll(async () => {
    if (!missing) db = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await db?.stop();
  });
  beforeEach(async () => {
    t = createTestStore();
    await t.store.upsertQueue(queueDef('sales'));
  });
  afterEach(() => t.cleanup());

  it('writes each event as one row with data1..data5, once across a restart', async (ctx) => {
    if (!db) return ctx.skip(`no PostgreSQL: ${missing}`);
    const exporter = () => createQueueLogExporter({ store: t.store, sink: createPgSink(db!.url, t.tenant), logger: silent, blockMs: 50, retryMs: 50 });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const rows = async () => (await client.query<{ callid: string; event: string; data1: string; data2: string; data3: string }>('SELECT callid, event, data1, data2, data3 FROM queue_log ORDER BY id')).rows;
      let e = exporter();
      await e.start();
      await t.store.enqueue(caller('p1', 'sales', { callerNumber: '5551234' }));
      await waitUntil(async () => e.position === (await t.store.lastEventId()), 'first export', 30_000);
      await e.stop();
      await t.store.endCall('p1', 'caller');
      e = exporter();
      await e.start();
      await waitUntil(async () => e.position === (await t.store.lastEventId()), 'second export', 30_000);
      await e.stop();
      const mine = (await rows()).filter((r) => r.callid === 'p1');
      expect(mine.map((r) => r.event)).toEqual(['ENTERQUEUE', 'ABANDON']);
      expect(mine[0]).toMatchObject({ data1: '', data2: '5551234', data3: '1' });
      expect(mine[1]).toMatchObject({ data1: '1', data2: '1' });
    } finally {
      await client.end();
    }
  });
});
