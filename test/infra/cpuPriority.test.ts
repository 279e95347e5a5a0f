import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { applyCpuNice, type Scheduler } from '../../src/infra/cpuPriority.js';
import { waitFor } from '../helpers/acdHarness.js';

/** The nice value of a process's main thread (field 19 of /proc/<pid>/stat). */
function niceOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

const childrenOf = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);

function collectingLogger() {
  const lines: { level: number; msg: string }[] = [];
  return { lines, logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) }) };
}

describe('CPU_NICE', () => {
  let engine: ChildProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    if (engine && engine.exitCode === null && engine.signalCode === null) {
      const exited = new Promise((done) => engine!.once('exit', done));
      engine.kill('SIGTERM');
      await exited;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
    engine = dir = undefined;
  });

  it('sets the engine\'s priority at start, its session group\'s and its embedded redis-server\'s', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'acd-nice-'));
    // A session of its own (detached): the group whose priority changes is not the test runner's.
    // A positive value: lowering a priority needs no privilege. ARI is unreachable: the engine
    // starts all the same and keeps trying.
    engine = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--embedded-redis', dir], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CPU_NICE: '5', ARI_URL: 'http://127.0.0.1:1', ACD_CONFIG: 'config/acd.yaml', HTTP_PORT: '0', LOG_LEVEL: 'info' },
    });
    let log = '';
    engine.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    await waitFor(() => log.includes('CPU priority set (CPU_NICE)'), 'the engine logged its priority');
    const pid = engine.pid!;
    expect(niceOf(pid)).toBe(5);
    if (existsSync(`/proc/${pid}/autogroup`) && readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim() === '1') {
      expect(readFileSync(`/proc/${pid}/autogroup`, 'utf8')).toMatch(/ nice 5$/m);
    }
    const redis = await waitFor(() => childrenOf(pid).find((child) => readFileSync(`/proc/${child}/comm`, 'utf8').startsWith('redis-server')), 'the embedded redis-server started');
    expect(niceOf(redis)).toBe(5);
  });

  it('runs on at its priority when the system refuses, and says what is needed', () => {
    const { lines, logger } = collectingLogger();
    const refused = Object.assign(new Error('A system error occurred: uv_os_setpriority returned EACCES (permission denied)'), { code: 'ERR_SYSTEM_ERROR', info: { code: 'EACCES' } });
    const scheduler: Scheduler = {
      setNice: () => {
        throw refused;
      },
      autogroupEnabled: () => true,
      setGroupNice: () => expect.unreachable('the group is left alone once the process was refused'),
    };
    expect(applyCpuNice(-10, logger, scheduler)).toEqual({ process: false, group: false });
    expect(lines).toEqual([expect.objectContaining({ level: 40, msg: expect.stringMatching(/CPU_NICE not applied.*CAP_SYS_NICE/) })]);
  });

  it('leaves the session group alone where Linux does not group by session, and fails on an error that is not a refusal', () => {
    const { logger } = collectingLogger();
    const set: number[] = [];
    const scheduler: Scheduler = { setNice: (n) => void set.push(n), autogroupEnabled: () => false, setGroupNice: () => expect.unreachable('no autogroup') };
    expect(applyCpuNice(-5, logger, scheduler)).toEqual({ process: true, group: false });
    expect(set).toEqual([-5]);
    const broken: Scheduler = { ...scheduler, setNice: () => { throw Object.assign(new Error('EINVAL'), { code: 'EINVAL' }); } };
    expect(() => applyCpuNice(-5, logger, broken)).toThrow('EINVAL');
  });
});
