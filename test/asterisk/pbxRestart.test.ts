/**
 * The PBX goes away: Asterisk restarted under a talking call (every channel dies with it), and
 * `npm start` signalled while ARI is unreachable.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../src/config.js';
import { waitFor } from '../helpers/acdHarness.js';
import { freePort, startAsterisk, type Asterisk } from '../helpers/asterisk.js';
import { closeAcdAndAsterisk, startAcdOn, type AcdOnAsterisk } from '../helpers/asteriskAcd.js';
import { writeConfigFile } from '../helpers/engineProcess.js';

const file: ConfigFile = {
  queues: [{ id: 'pq', wrapupS: 0 }],
  agents: [{ id: 'p1', endpoint: 'Local/1401-0-60@agents', queues: ['pq'] }],
};

/** `ps` lines of the processes of group `pgid` (for a failure message). */
const processGroup = (pgid: number): string => {
  try {
    const lines = execFileSync('ps', ['-e', '-o', 'pgid=,pid=,stat=,etime=,args='], { encoding: 'utf8' }).split('\n');
    return lines.filter((l) => l.trim().split(/\s+/)[0] === String(pgid)).join('\n');
  } catch {
    return '(ps failed)';
  }
};

let ast: Asterisk;
let e: AcdOnAsterisk;
beforeAll(async () => {
  ast = await startAsterisk('pbxRestart');
  e = await startAcdOn(ast, file, 'pbxRestart');
}, 120_000);
afterAll(() => closeAcdAndAsterisk(e, ast));

describe('the PBX goes away', { timeout: 120_000 }, () => {
  it('Asterisk restarts under a talking call: the call ends, the agent is freed, the next caller is served', async () => {
    await e.acd.engine.agents.login('p1', { ready: true, by: 'test' });
    const caller = await ast.placeCaller(e.app, 'pq', { holdS: 60 });
    const call = await e.waitCall(caller.stasisId, 'connected');
    await e.waitBridged(call);
    await ast.restart();
    await e.waitCallGone(call.id, 20_000);
    await e.waitAgent('p1', 'ready', 20_000);
    // The new Asterisk knows the app once the engine reconnected (a caller before would fail Stasis).
    await waitFor(async () => (await ast.ari('GET', `/applications/${e.app}`, undefined, [404])).status === 200, 'engine reconnected', 20_000);
    const next = await ast.placeCaller(e.app, 'pq', { holdS: 60 });
    const nextCall = await e.waitCall(next.stasisId, 'connected', 20_000);
    expect(nextCall.agentId).toBe('p1');
    await e.waitBridged(nextCall);
    await ast.ari('DELETE', `/channels/${encodeURIComponent(next.phoneId)}`);
    await e.waitCallGone(nextCall.id);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s to the process group of `npm start` while ARI is unreachable stops it promptly', async (signal) => {
    const deadAri = `http://127.0.0.1:${await freePort()}`;
    const configPath = writeConfigFile(`signal-${signal}`, file);
    // No REDIS_URL: npm start runs its own redis-server (--embedded-redis), which must go with it.
    const env: NodeJS.ProcessEnv = { ...process.env, ARI_URL: deadAri, ACD_CONFIG: configPath, NODE_ID: 'sig', LOG_LEVEL: 'info', HTTP_PORT: '0', HTTP_HOST: '127.0.0.1' };
    delete env.REDIS_URL;
    const dataDir = mkdtempSync(join(tmpdir(), 'acd-sig-'));
    const child = spawn('npm', ['start', '--', '--embedded-redis', dataDir], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    const exited = new Promise<void>((res) => child.once('exit', () => res()));
    let gone = false;
    void exited.then(() => (gone = true));
    // Start-up (npm, tsx, its own redis-server) takes long on a loaded CI box: allowed a minute.
    await waitFor(() => out.includes('ECONNREFUSED'), 'ARI connection refused, retrying', 60_000);
    process.kill(-child.pid!, signal);
    await waitFor(() => gone, `npm start gone after ${signal}`, 10_000);
    // ...and nothing of its group is left (tsx, node, redis-server); a loaded box may take a while
    // to reap them, and a failure names what is left.
    await waitFor(() => {
      try {
        process.kill(-child.pid!, 0);
        return false;
      } catch {
        return true;
      }
    }, 'process group empty', 20_000).catch((err: unknown) => {
      throw new Error(`${String(err)}; left in the group: ${processGroup(child.pid!)}`);
    });
  });
});
