/**
 * The engine as `npm start` runs it (src/main.ts), in a child process of its own, so that tests
 * can kill it for real (SIGKILL: no handler, no cleanup, sockets dropped by the kernel) and start
 * it again with the same NODE_ID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigFile } from '../../src/config.js';
import { waitFor } from './acdHarness.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface EngineProcess {
  pid: number;
  /** Resolves with the HTTP base URL once the engine logged 'ACD engine running'. */
  running: Promise<string>;
  /** Every log line so far (pino JSON, parsed). */
  logs: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
  /** First log line matching, once it is written. */
  waitLog(match: (line: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Writes the configuration file a child engine reads (ACD_CONFIG). */
export function writeConfigFile(name: string, file: ConfigFile): string {
  const path = join(repoRoot, '.tmp', 'engine-config', `${name}.json`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(file));
  return path;
}

/** Starts src/main.ts with `env` (LOG_LEVEL forced to debug: tests read the log). */
export function spawnEngine(env: Record<string, string>, configPath: string): EngineProcess {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/main.ts')], {
    cwd: repoRoot,
    env: { ...process.env, ...env, ACD_CONFIG: configPath, LOG_LEVEL: 'debug' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.once('exit', (code, signal) => res({ code, signal })));
  const waitLog: EngineProcess['waitLog'] = (match, what, timeoutMs = 45_000) =>
    waitFor(() => logs.find(match) ?? (child.exitCode !== null || child.signalCode !== null ? Promise.reject(new Error(`engine exited while waiting for ${what}: ${stderr}`)) : undefined), what, timeoutMs).catch((err: unknown) => {
      // Say what the engine was doing: its last log lines.
      const tail = logs.slice(-8).map((l) => JSON.stringify(l).slice(0, 300)).join('\n');
      throw new Error(`${err instanceof Error ? err.message : String(err)}; engine's last log lines:\n${tail}\n${stderr.slice(-1000)}`);
    });
  const running = waitLog((l) => l.msg === 'ACD engine running', 'engine running').then((l) => String(l.http));
  running.catch(() => undefined); // a test that kills before start-up completes does not wait on it
  return {
    pid: child.pid ?? 0,
    running,
    logs,
    exited,
    kill: (signal = 'SIGKILL') => void child.kill(signal),
    waitLog,
  };
}
