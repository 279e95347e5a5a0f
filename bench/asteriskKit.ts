/**
 * The processes a side-by-side run needs: a real Asterisk from `../shared/asterisk` with an
 * app_queue queue and dialplan of our own added to its configuration, a private redis-server, and
 * the engine as a child process (`src/main.ts`), so each one's CPU is read from /proc on its own.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';

/** The shared Asterisk kit (start.sh, cli.sh, stop.sh); ASTERISK_KIT overrides it. */
export const KIT_DIR = process.env.ASTERISK_KIT ?? resolve(import.meta.dirname, '../../shared/asterisk');
/** The queue of a load with `agents` agents, in app_queue and in the engine alike. */
export const queueOf = (agents: number): string => `b${agents}`;
export const AQ_CONTEXT = 'bench-aq';
/** The engine's callers: answered in the dialplan, then Stasis(${ACD_APP},<queue>). */
export const ACD_CONTEXT = 'bench-acd';
/** How many more times ACD_CONTEXT tries Stasis() while no engine serves the app, a second apart. */
export const STASIS_TRIES = 8;

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

/** `Local/1001-0-1@agents`: phone 1001 answering at once and talking `talkS` seconds. */
export const agentEndpoint = (i: number, talkS: number): string => `Local/${1001 + i}-0-${talkS}@agents`;

export interface AsteriskHandle {
  url: string;
  auth: string;
  pid: number;
  dir: string;
}

/** Starts (or reloads) Asterisk in `dir`, then adds app_queue's queues (one per agent count) and its `Queue()` dialplan. */
export function startAsterisk(dir: string, port: number, agentCounts: number[], talkS: number): AsteriskHandle {
  mkdirSync(dir, { recursive: true });
  // Into a file, not a pipe: the subshell start.sh leaves behind as Asterisk's parent keeps its
  // stdout open, and a pipe would then never close.
  const outFile = `${dir}/start.out`;
  execFileSync('bash', ['-c', '"$0" "$1" "$2" >"$3"', `${KIT_DIR}/start.sh`, dir, String(port), outFile], { stdio: ['ignore', 'ignore', 'inherit'] });
  const out = readFileSync(outFile, 'utf8');
  const vars = Object.fromEntries([...out.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
  const queue = (agents: number) =>
    `[${queueOf(agents)}]\nstrategy = leastrecent\ntimeout = 15\nretry = 1\nwrapuptime = 0\nringinuse = no\nautofill = yes\nannounce-position = no\nannounce-frequency = 0\n` +
    Array.from({ length: agents }, (_, i) => `member => ${agentEndpoint(i, talkS)},0,${1001 + i}\n`).join('');
  addAppQueues(vars.AST_DIR!, [...new Set(agentCounts)].map(queue));
  addChannelVars(vars.AST_DIR!, ['ACD_SKILLS']);
  return { url: `http://127.0.0.1:${port}`, auth: `${vars.ARI_USERNAME}:${vars.ARI_PASSWORD}`, pid: Number(vars.AST_PID), dir: vars.AST_DIR! };
}

/**
 * Adds app_queue queues (queues.conf sections), the `Queue()` dialplan of AQ_CONTEXT and the
 * `Stasis()` dialplan of ACD_CONTEXT to the started Asterisk of `dir`, then reloads both. start.sh
 * rewrites etc/ from the kit on every call: ours is appended after it. The caller's queue timeout
 * is the inheritable `__QTIMEOUT` (none when unset).
 */
export function addAppQueues(dir: string, sections: string[]): void {
  const etc = `${dir}/etc`;
  writeFileSync(`${etc}/queues.conf`, `${readFileSync(`${etc}/queues.conf`, 'utf8')}\n${sections.join('\n')}`);
  // Both systems' callers are answered in the dialplan (as dialplan/extensions.conf recommends for
  // the engine), then wait with music on hold until an agent takes the call.
  appendFileSync(`${etc}/extensions.conf`, `\n[${AQ_CONTEXT}]\nexten => _q-.,1,Answer()\n same => n,Queue(\${EXTEN:2},,,,\${QTIMEOUT})\n same => n,Hangup()\n`);
  // The engine's as dialplan/extensions.conf has it: no engine serving the app (a restart), music
  // for a second and Stasis() again, 8 times (bench:chaos counts who waited so, and who ran out).
  appendFileSync(
    `${etc}/extensions.conf`,
    `\n[${ACD_CONTEXT}]\nexten => _q-.,1,Answer()\n same => n(enter),Stasis(\${ACD_APP},\${EXTEN:2})\n` +
      ` same => n,GotoIf($["\${STASISSTATUS}" = "FAILED" & 0\${ACD_TRIES} < ${STASIS_TRIES}]?retry)\n same => n,Hangup()\n` +
      ` same => n(retry),Set(ACD_TRIES=$[0\${ACD_TRIES} + 1])\n same => n,MusicOnHold(,1)\n same => n,Goto(enter)\n`,
  );
  cli(dir, 'module reload app_queue.so');
  cli(dir, 'dialplan reload');
}

/**
 * ari.conf `channelvars`: these variables ride along in every channel snapshot, so the engine
 * reads a caller's ACD_SKILLS from its StasisStart instead of asking (the recommended set-up,
 * docs/performance.md).
 */
export function addChannelVars(dir: string, names: string[]): void {
  const file = `${dir}/etc/ari.conf`;
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^\[general\]$/m, `[general]\nchannelvars = ${names.join(',')}`));
  cli(dir, 'module reload res_ari.so');
}

export function cli(dir: string, command: string): string {
  return execFileSync(`${KIT_DIR}/cli.sh`, [dir, command], { encoding: 'utf8' });
}

export function stopAsterisk(dir: string): void {
  execFileSync(`${KIT_DIR}/stop.sh`, [dir], { stdio: 'ignore' });
}

export interface ChildHandle {
  child: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

function handleOf(child: ChildProcess): ChildHandle {
  return {
    child,
    pid: child.pid!,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * redis-server in a session (Linux scheduling group) of its own at CPU priority `nice`, as
 * docs/operations.md recommends beside Asterisk: the priority of its main thread and its group.
 */
export function startRedis(port: number, nice: number): ChildHandle {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore', detached: true });
  try {
    setPriority(child.pid!, nice);
    if (existsSync(`/proc/${child.pid}/autogroup`)) writeFileSync(`/proc/${child.pid}/autogroup`, String(nice));
  } catch (err) {
    // Not root (no CAP_SYS_NICE): the figures are then those of equal priority.
    process.stderr.write(`bench: redis-server left at its priority (nice ${nice} refused: ${(err as Error).message})\n`);
  }
  return handleOf(child);
}

/**
 * Where the engine's log lines are appended unless BENCH_ENGINE_LOG names another file: kept, so a
 * run's outlier (a failed offer, a lost lease) can be looked up afterwards (warnings only by default).
 */
export const ENGINE_LOG = process.env.BENCH_ENGINE_LOG ?? resolve(import.meta.dirname, '../.tmp/bench-engine.log');

/**
 * The engine as `npm start` runs it, logging warnings only (BENCH_ENGINE_LOG_LEVEL another level;
 * stderr is passed through; its log lines are appended to ENGINE_LOG). With `cpuProfileDir`, V8 writes a CPU profile of the whole run there when the
 * engine exits (`npx tsx bench/cpuProfile.ts FILE` summarises it). BENCH_ENGINE_NODE_FLAGS: node/V8
 * flags for an experiment (`--max-semi-space-size=32 ...`).
 */
export function startEngine(env: Record<string, string>, cpuProfileDir?: string): ChildHandle {
  const profile = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [];
  const nodeFlags = process.env.BENCH_ENGINE_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  mkdirSync(dirname(ENGINE_LOG), { recursive: true });
  // Another program in the engine's place, for experiments (bench/ariFloor.ts).
  const script = process.env.BENCH_ENGINE_SCRIPT ?? 'src/main.ts';
  const child = spawn(process.execPath, [...nodeFlags, ...profile, '--import', 'tsx', script], {
    cwd: resolve(import.meta.dirname, '..'),
    env: { ...process.env, LOG_LEVEL: process.env.BENCH_ENGINE_LOG_LEVEL ?? 'warn', ...env },
    stdio: ['ignore', openSync(ENGINE_LOG, 'a'), 'inherit'],
    // A session of its own, as a service has: its CPU_NICE then applies to its group, not the bench's.
    detached: true,
  });
  return handleOf(child);
}

/** utime + stime of a process in ms (from /proc/<pid>/stat, clock ticks of 10 ms); NaN once it is gone. */
export function cpuMs(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return NaN;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
