/**
 * Our queue_log lines against app_queue's own, on one real Asterisk 22: the same scripted calls
 * go into app_queue queues (Queue() in the dialplan) and into the engine's queues of the same
 * names, with the same phones' behaviour; each side's file is read and, per call, the events and
 * the meaning of their fields are compared.
 *
 * What differs by construction and is normalised: call ids (app_queue: the caller channel's
 * uniqueid; ours: the caller's ARI channel id), the agent channel's id in CONNECT (a different
 * channel on each side: only "present" is compared), timestamps, and durations (each side's own
 * clock; compared within a tolerance). Member names: the app_queue members are named after our
 * agent ids (`member => iface,0,<agent id>`), so the agent field is compared as is.
 */
import { appendFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAppQueues, AQ_CONTEXT } from '../../bench/asteriskKit.js';
import type { ConfigFile } from '../../src/config.js';
import { waitFor } from '../helpers/acdHarness.js';
import { startAsterisk, type Asterisk } from '../helpers/asterisk.js';
import { closeAcdAndAsterisk, startAcdOn, type AcdOnAsterisk } from '../helpers/asteriskAcd.js';

/**
 * The script: per queue one call, the same phones on both sides (1XXX-RING-TALK answers after
 * RING s and hangs up after TALK s; 2XXX rings for ever), the caller hanging up after `holdS`.
 */
interface Scripted {
  queue: string;
  holdS: number;
  /** The caller's max wait in the queue (Queue()'s timeout; our queue's timeoutS). */
  timeoutS?: number;
  /** DTMF the caller sends 1 s after it is answered (the queue's exit key). */
  digits?: string;
  /** The queue lets a caller go when nobody is logged in (app_queue `leavewhenempty`, our `leaveWhenEmpty`). */
  leaveWhenEmpty?: boolean;
  /** Member name / agent id → phone, in the order they are offered the call. */
  members: [string, string][];
  ringTimeoutS: number;
  /** What app_queue wrote for it (Asterisk 22.10.1), checked first so that a changed script shows as such. */
  appQueueEvents: string[];
}

const SCRIPT: Scripted[] = [
  // Answered after 1 s of ringing; the caller hangs up 3 s after it entered.
  { queue: 'qcc', holdS: 3, members: [['cc', '1011-1-30']], ringTimeoutS: 15, appQueueEvents: ['ENTERQUEUE', 'CONNECT', 'COMPLETECALLER'] },
  // Answered at once; the agent hangs up after 2 s of talk.
  { queue: 'qca', holdS: 30, members: [['ca', '1012-0-2']], ringTimeoutS: 15, appQueueEvents: ['ENTERQUEUE', 'CONNECT', 'COMPLETEAGENT'] },
  // The only member rings for ever; the caller gives up after 3 s.
  { queue: 'qab', holdS: 3, members: [['ab', '2013']], ringTimeoutS: 30, appQueueEvents: ['ENTERQUEUE', 'RINGCANCELED', 'ABANDON'] },
  // The first member does not answer within 2 s; the second answers, then hangs up after 2 s.
  { queue: 'qrn', holdS: 30, members: [['rn1', '2014'], ['rn2', '1015-0-2']], ringTimeoutS: 2, appQueueEvents: ['ENTERQUEUE', 'RINGNOANSWER', 'CONNECT', 'COMPLETEAGENT'] },
  // The only member rings for ever: out after the queue's 3 s timeout while it rings.
  { queue: 'qtr', holdS: 30, timeoutS: 3, members: [['tr', '2016']], ringTimeoutS: 30, appQueueEvents: ['ENTERQUEUE', 'RINGNOANSWER', 'EXITWITHTIMEOUT'] },
  // The caller presses the queue's exit key 1.
  { queue: 'qek', holdS: 30, digits: '1', members: [], ringTimeoutS: 15, appQueueEvents: ['ENTERQUEUE', 'EXITWITHKEY'] },
  // Nobody logged in and the queue lets callers go then.
  { queue: 'qle', holdS: 30, leaveWhenEmpty: true, members: [], ringTimeoutS: 15, appQueueEvents: ['ENTERQUEUE', 'EXITEMPTY'] },
  // Nobody to take the call: out after the queue's 3 s timeout.
  { queue: 'qto', holdS: 30, timeoutS: 3, members: [], ringTimeoutS: 15, appQueueEvents: ['ENTERQUEUE', 'EXITWITHTIMEOUT'] },
];

/** Every caller's number (originate's callerId: the Local channel passes it to the half in the queue). */
const CALLER_ID = '5551234';

/** Field kinds per event, for comparing meanings: exact, a duration in s or ms, an id that must be present. */
type Kind = 'exact' | 's' | 'ms' | 'id';
const FIELDS: Record<string, Kind[]> = {
  ENTERQUEUE: ['exact', 'exact', 'exact'], // url|callerid|position
  CONNECT: ['s', 'id', 's'], // holdtime|agent channel uniqueid|ringtime
  COMPLETECALLER: ['s', 's', 'exact'], // holdtime|calltime|origposition
  COMPLETEAGENT: ['s', 's', 'exact'],
  ABANDON: ['exact', 'exact', 's'], // position|origposition|waittime
  EXITWITHTIMEOUT: ['exact', 'exact', 's'],
  EXITEMPTY: ['exact', 'exact', 's'],
  EXITWITHKEY: ['exact', 'exact', 'exact', 's'], // key|position|origposition|waittime
  RINGNOANSWER: ['ms'], // ringtime
  RINGCANCELED: ['ms'],
};
/** Tolerances: the two sides' calls run at the same time but each is timed by its own clock. */
const TOLERANCE = { s: 2, ms: 2_000 };
const TERMINAL = new Set(['COMPLETECALLER', 'COMPLETEAGENT', 'ABANDON', 'EXITWITHTIMEOUT', 'EXITEMPTY', 'EXITWITHKEY']);

interface Line {
  callId: string;
  queue: string;
  agent: string;
  event: string;
  data: string[];
}

/** The lines of `file` after its first `from` bytes (Asterisk's file outlives a run: its folder is reused). */
function readQueueLog(file: string, from = 0): Line[] {
  if (!existsSync(file)) return [];
  return readFileSync(file)
    .subarray(from)
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((text) => {
      const [, callId = '', queue = '', agent = '', event = '', ...data] = text.split('|');
      return { callId, queue, agent, event, data };
    });
}

/** One queue's call lines (callid not NONE) as `AGENT EVENT fields`, durations and ids normalised against app_queue's line at the same place. */
function normalised(ours: Line[], theirs: Line[]): { ours: string[]; theirs: string[] } {
  const show = (l: Line, data: string[]) => `${l.agent} ${l.event} ${data.join('|')}`;
  const idOf = (v: string) => (v ? '<channel>' : '<missing>');
  const theirsShown = theirs.map((l) => show(l, l.data.map((v, i) => (FIELDS[l.event]?.[i] === 'id' ? idOf(v) : v))));
  const oursShown = ours.map((l, n) => {
    const ref = theirs[n];
    const kinds = FIELDS[l.event] ?? [];
    const data = l.data.map((v, i) => {
      const kind = kinds[i] ?? 'exact';
      if (kind === 'id') return idOf(v);
      const other = ref?.event === l.event ? ref.data[i] : undefined;
      if ((kind === 's' || kind === 'ms') && other !== undefined && Math.abs(Number(v) - Number(other)) <= TOLERANCE[kind]) return other;
      return v;
    });
    return show(l, data);
  });
  return { ours: oursShown, theirs: theirsShown };
}

const callLines = (lines: Line[], queue: string) => lines.filter((l) => l.queue === queue && l.callId !== 'NONE');
const finished = (lines: Line[]) => SCRIPT.every((s) => callLines(lines, s.queue).some((l) => TERMINAL.has(l.event)));

const engineFile: ConfigFile = {
  queues: SCRIPT.map((s) => ({
    id: s.queue,
    ringTimeoutS: s.ringTimeoutS,
    wrapupS: 0,
    ...(s.timeoutS ? { timeoutS: s.timeoutS } : {}),
    ...(s.digits ? { exitKey: s.digits } : {}),
    ...(s.leaveWhenEmpty ? { leaveWhenEmpty: ['unavailable' as const], leaveEmptyCheckS: 1 } : {}),
  })),
  agents: SCRIPT.flatMap((s) => s.members.map(([id, phone]) => ({ id, endpoint: `Local/${enginePhone(phone)}@agents`, queues: [s.queue] }))),
  reasons: { notReady: [{ code: 'rona', label: 'No answer' }] },
};

/** Our agents' phones: the same behaviour as app_queue's members', on other numbers (1011 → 1111). */
function enginePhone(phone: string): string {
  return `${phone[0]}1${phone.slice(2)}`;
}

/** The dialplan context app_queue checks a caller's digits against (its queue's `context`). */
const EXIT_CONTEXT = 'qlog-exit';

/** app_queue's queues: members tried in order (linear), no wrap-up, member names = our agent ids. */
const appQueueSection = (s: Scripted) =>
  `[${s.queue}]\nstrategy = linear\ntimeout = ${s.ringTimeoutS}\nretry = 1\nwrapuptime = 0\nringinuse = no\nannounce-position = no\nannounce-frequency = 0\n` +
  (s.digits ? `context = ${EXIT_CONTEXT}\n` : '') +
  (s.leaveWhenEmpty ? 'leavewhenempty = yes\n' : '') +
  s.members.map(([name, phone]) => `member => Local/${phone}@agents,0,${name}\n`).join('');

let ast: Asterisk;
let e: AcdOnAsterisk;
let ourLog: string;

beforeAll(async () => {
  ast = await startAsterisk('queueLog');
  // queue_log to the file DIR/log/queue_log (the default, said explicitly), then app_queue's queues.
  const loggerConf = join(ast.dir, 'etc', 'logger.conf');
  writeFileSync(loggerConf, readFileSync(loggerConf, 'utf8').replace('[general]', '[general]\nqueue_log = yes\nqueue_log_to_file = yes\nqueue_log_name = queue_log'));
  await ast.cli('logger reload');
  appendFileSync(join(ast.dir, 'etc', 'extensions.conf'), `\n[${EXIT_CONTEXT}]\nexten => _X,1,Hangup()\n`);
  addAppQueues(ast.dir, SCRIPT.map(appQueueSection));
  ourLog = join(ast.dir, 'log', 'acd_queue_log');
  for (const f of [ourLog, `${ourLog}.checkpoint.json`]) rmSync(f, { force: true }); // a fresh tenant: a fresh export
  e = await startAcdOn(ast, engineFile, 'queueLog', { file: ourLog });
}, 120_000);

afterAll(() => closeAcdAndAsterisk(e, ast));

describe('queue_log: ours against app_queue on a real Asterisk', () => {
  it('writes the same events with the same field meanings for answered, abandoned, no-answer, timed-out, exit-key and left-empty calls', async () => {
    const appQueueLog = join(ast.dir, 'log', 'queue_log');
    const from = existsSync(appQueueLog) ? statSync(appQueueLog).size : 0;
    // Offered in the scripted order: the first member logs in first (longest idle is offered first).
    for (const s of SCRIPT) for (const [id] of s.members) await e.acd.engine.agents.login(id, { ready: true, by: 'test' });
    await Promise.all(
      SCRIPT.flatMap((s) => [
        ast.placeCaller(e.app, s.queue, { holdS: s.holdS, callerId: CALLER_ID, ...(s.digits ? { digits: s.digits } : {}) }),
        ast.ari('POST', `/channels?endpoint=${encodeURIComponent(`Local/q-${s.queue}@${AQ_CONTEXT}`)}&context=callerphone&extension=${s.digits ? 'dtmf' : 's'}&priority=1&formats=ulaw&callerId=${CALLER_ID}`, {
          variables: { __HOLD: String(s.holdS), ...(s.timeoutS ? { __QTIMEOUT: String(s.timeoutS) } : {}), ...(s.digits ? { DIGITS: s.digits } : {}) },
        }),
      ]),
    );
    await waitFor(() => finished(readQueueLog(appQueueLog, from)), 'app_queue wrote every call to its end', 30_000);
    await waitFor(() => finished(readQueueLog(ourLog)), 'the engine wrote every call to its end', 30_000);
    const theirs = readQueueLog(appQueueLog, from);
    const ours = readQueueLog(ourLog);
    // All calls at once, so that a failure shows every difference.
    expect(SCRIPT.map((s) => ({ queue: s.queue, events: callLines(theirs, s.queue).map((l) => l.event) }))).toEqual(SCRIPT.map((s) => ({ queue: s.queue, events: s.appQueueEvents })));
    const compared = SCRIPT.map((s) => ({ queue: s.queue, ...normalised(callLines(ours, s.queue), callLines(theirs, s.queue)) }));
    expect(compared.map((c) => ({ queue: c.queue, lines: c.ours }))).toEqual(compared.map((c) => ({ queue: c.queue, lines: c.theirs })));
  }, 60_000);
});
