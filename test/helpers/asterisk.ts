/**
 * A real Asterisk 22 for the test tier (test/asterisk/**): the kit of `../shared/asterisk` (or
 * ASTERISK_KIT) unpacked under .tmp, one instance per test file on a free loopback port, and the
 * few ARI requests tests make as "the outside world" (placing callers, looking at channels).
 * The engine under test never uses this; it talks to Asterisk through its own adapter.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The kit: ASTERISK_KIT, else `../shared/asterisk` next to the repository (read-only is fine). */
export function asteriskKit(): string {
  const kit = process.env.ASTERISK_KIT ?? resolve(repoRoot, '../shared/asterisk');
  if (!existsSync(join(kit, 'start.sh'))) {
    throw new Error(`no Asterisk kit at ${kit} (start.sh missing): set ASTERISK_KIT to the folder holding start.sh and the Asterisk 22 tarball`);
  }
  return kit;
}

/**
 * The kit's scripts and configuration copied under .tmp (the tarball linked), with `maxload`
 * dropped: on a loaded 2-core CI box Asterisk would otherwise refuse to run the test dialplan
 * ("Maximum loadavg limit exceeded") and callers would never reach Stasis.
 */
function preparedKit(): string {
  const kit = asteriskKit();
  // One copy per test process: files of parallel workers run start.sh while another would rewrite
  // (or re-link) the same copy.
  const copy = join(repoRoot, '.tmp', 'asterisk-kit', String(process.pid));
  mkdirSync(join(copy, 'conf'), { recursive: true });
  for (const script of ['start.sh', 'stop.sh', 'cli.sh']) copyFileSync(join(kit, script), join(copy, script));
  for (const conf of readdirSync(join(kit, 'conf'))) {
    const text = readFileSync(join(kit, 'conf', conf), 'utf8');
    writeFileSync(join(copy, 'conf', conf), conf === 'asterisk.conf' ? text.replace(/^maxload\s*=.*$/m, '') : text);
  }
  for (const name of readdirSync(kit).filter((f) => f.endsWith('.tar.xz'))) {
    rmSync(join(copy, name), { force: true });
    symlinkSync(join(kit, name), join(copy, name));
  }
  return copy;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

export interface AriChannelView {
  id: string;
  name: string;
  state: string;
  /** Where the channel is in the dialplan (`app_name` Stasis while in an app). */
  dialplan?: { context: string; exten: string; priority: number; app_name: string; app_data: string };
}

export interface Asterisk {
  ariUrl: string;
  username: string;
  password: string;
  dir: string;
  port: number;
  /** An ARI request as a test client (JSON in and out); throws on a status ≥ 400 unless `allow` lists it. */
  ari<T = unknown>(method: string, path: string, body?: unknown, allow?: number[]): Promise<{ status: number; body: T }>;
  /** One CLI command's output. */
  cli(command: string): Promise<string>;
  /**
   * A caller into `queue` of ARI app `app` (the test dialplan's `Local/q-<queue>@callers`).
   * Returns the id of the half that enters Stasis (`<id>;2`) and of the caller's phone (`<id>;1`).
   * `afterWaitS`: how long that half stays in the dialplan's `Wait()` once sent on after Stasis.
   */
  placeCaller(app: string, queue: string, opts?: { holdS?: number; tag?: string; id?: string; callerId?: string; digits?: string; afterWaitS?: number }): Promise<{ stasisId: string; phoneId: string; tag: string }>;
  /** Channels Asterisk has right now. */
  channels(): Promise<AriChannelView[]>;
  hasChannel(id: string): Promise<boolean>;
  /**
   * Whether the Asterisk process is still alive, with the tail of its logs: for failure messages
   * (a test that waits for the engine on a dead Asterisk should say so, not just time out).
   */
  health(): string;
  /** Whether the Asterisk process is still running. */
  alive(): boolean;
  /** A full stop and start on the same port and folder (the engine sees its socket drop). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

let callerSeq = 0;

/**
 * Runs start.sh with no stdin (CI) and its output in files: the Asterisk it leaves running keeps
 * inherited pipes open, so waiting for a pipe to close would wait for Asterisk to stop.
 * start.sh installs the Debian sound packages itself when it runs as root.
 */
async function runStartScript(script: string, dir: string, port: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const outPath = join(dir, 'start.out');
  const errPath = join(dir, 'start.err');
  const out = openSync(outPath, 'w');
  const err = openSync(errPath, 'w');
  try {
    const child = spawn(script, [dir, String(port)], { stdio: ['ignore', out, err], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    const code = await new Promise<number | null>((res, rej) => {
      child.once('error', rej);
      child.once('exit', (c) => res(c));
    });
    if (code !== 0) throw new Error(`${script} ${dir} ${port} exited ${code}: ${readFileSync(errPath, 'utf8')}`);
    return readFileSync(outPath, 'utf8');
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

/** Starts (or reuses, when already running) the Asterisk of `.tmp/asterisk/<name>` on a free port. */
export async function startAsterisk(name: string): Promise<Asterisk> {
  const kit = preparedKit();
  const dir = join(repoRoot, '.tmp', 'asterisk', name);
  await run(join(kit, 'stop.sh'), [dir]).catch(() => undefined); // a leftover from a killed run
  const port = await freePort();
  const start = async () => {
    const stdout = await runStartScript(join(kit, 'start.sh'), dir, port);
    const vars = Object.fromEntries(stdout.trim().split(/\s+/).map((kv) => kv.split('=', 2) as [string, string]));
    if (!vars.ARI_URL) throw new Error(`start.sh printed no ARI_URL: ${stdout}`);
    return vars;
  };
  const vars = await start();
  const username = vars.ARI_USERNAME ?? 'acd';
  const password = vars.ARI_PASSWORD ?? 'acdsecret';
  const ariUrl = vars.ARI_URL ?? '';
  const auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const pidOf = () => {
    const pidFile = join(dir, 'run', 'asterisk.pid');
    return existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
  };
  const alive = () => {
    const pid = pidOf();
    try {
      return pid > 0 && process.kill(pid, 0);
    } catch {
      return false;
    }
  };

  const ari: Asterisk['ari'] = async (method, path, body, allow = []) => {
    const res = await fetch(`${ariUrl}/ari${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 400 && !allow.includes(res.status)) throw new Error(`ARI ${method} ${path}: ${res.status} ${text}`);
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as never };
  };

  const cli = async (command: string) => (await run(join(kit, 'cli.sh'), [dir, command])).stdout;

  return {
    ariUrl,
    username,
    password,
    dir,
    port,
    ari,
    cli,
    async placeCaller(app, queue, opts = {}) {
      const id = opts.id ?? `caller-${process.pid}-${++callerSeq}-${Date.now().toString(36)}`;
      const tag = opts.tag ?? id.replace(/[^A-Za-z0-9]/g, '_');
      const endpoint = encodeURIComponent(`Local/q-${queue}@callers`);
      // With `digits` the phone sends them 1 s after it is answered (callerphone's `dtmf`). G.711
      // like a SIP phone: without `formats` Asterisk makes the Local channel 192 kHz signed linear
      // and resamples every waiting caller's music on hold to it (docs/performance.md).
      await ari('POST', `/channels?endpoint=${endpoint}&context=callerphone&extension=${opts.digits ? 'dtmf' : 's'}&priority=1&formats=ulaw&channelId=${encodeURIComponent(id)}${opts.callerId ? `&callerId=${encodeURIComponent(opts.callerId)}` : ''}`, {
        variables: { __HOLD: String(opts.holdS ?? 30), __ACD_APP: app, __ACD_TAG: tag, ...(opts.digits ? { DIGITS: opts.digits } : {}), ...(opts.afterWaitS ? { __AFTERWAIT: String(opts.afterWaitS) } : {}) },
      });
      // With channelId X, Asterisk names the other half of the Local channel `X;2`: it runs the
      // `callers` context, i.e. enters Stasis; X is the caller's phone.
      return { stasisId: `${id};2`, phoneId: id, tag };
    },
    async channels() {
      return (await ari<AriChannelView[]>('GET', '/channels')).body;
    },
    async hasChannel(id) {
      return (await ari('GET', `/channels/${encodeURIComponent(id)}`, undefined, [404])).status === 200;
    },
    health() {
      const tail = (file: string) => (existsSync(join(dir, 'log', file)) ? readFileSync(join(dir, 'log', file), 'utf8').split('\n').slice(-15).join('\n') : '(none)');
      return `Asterisk pid ${pidOf()} ${alive() ? 'alive' : 'NOT RUNNING'} on port ${port}\n--- log/messages:\n${tail('messages')}\n--- log/console.log:\n${tail('console.log')}`;
    },
    alive,
    async restart() {
      await run(join(kit, 'stop.sh'), [dir]);
      await start();
    },
    async stop() {
      await run(join(kit, 'stop.sh'), [dir]);
    },
  };
}
