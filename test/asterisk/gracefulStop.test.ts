/**
 * The engine's stop on a real Asterisk 22: the call bridges it keeps idle between calls are
 * destroyed while ARI is still up, and its WebSocket is closed with a close frame, not cut
 * (Asterisk logs no "Web socket closed abruptly"). Left behind, the next engine on the app would
 * delete those bridges right after registering it again: the path of asterisk/asterisk#1201, under
 * which the bench's Asterisk crashed once (docs/operations.md).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ConfigFile } from '../../src/config.js';
import { waitFor } from '../helpers/acdHarness.js';
import { startAsterisk, type Asterisk } from '../helpers/asterisk.js';
import { closeAcdAndAsterisk, startAcdOn, type AcdOnAsterisk } from '../helpers/asteriskAcd.js';

const file: ConfigFile = {
  queues: [{ id: 'gq', wrapupS: 0 }],
  agents: [{ id: 'g1', endpoint: 'Local/1601-0-60@agents', queues: ['gq'] }],
};

let ast: Asterisk;
let e: AcdOnAsterisk;
/** The test closes the engine itself; a test that failed before that leaves it to afterAll. */
let engineClosed = false;

beforeAll(async () => {
  ast = await startAsterisk('gracefulStop');
  e = await startAcdOn(ast, file, 'gracefulStop');
}, 120_000);

afterAll(() => (engineClosed ? ast?.stop() : closeAcdAndAsterisk(e, ast)));

const bridgeIds = async () => (await ast.ari<{ id: string }[]>('GET', '/bridges')).body.map((b) => b.id);
const appRegistered = async (app: string) => (await ast.ari('GET', `/applications/${encodeURIComponent(app)}`, undefined, [404])).status === 200;
const messagesLog = () => join(ast.dir, 'log', 'messages');

/**
 * Asterisk lets an app whose socket closed go once nothing is subscribed to it any more, and checks
 * that when a channel leaves Stasis (any app's): a bridge the engine destroyed just before closing
 * can still be subscribed for a moment at the close, and the app then stays until such a check.
 * So a probe channel goes in and out of another app's Stasis until ours is gone.
 */
async function waitAppGone(app: string): Promise<void> {
  const probeApp = `${app}-probe`;
  const probe = new WebSocket(`${ast.ariUrl.replace(/^http/, 'ws')}/ari/events?app=${encodeURIComponent(probeApp)}&api_key=${ast.username}:${ast.password}`);
  await new Promise((opened, failed) => probe.once('open', opened).once('error', failed));
  let n = 0;
  try {
    await waitFor(async () => {
      if (!(await appRegistered(app))) return true;
      const id = `${probeApp}-${++n}`;
      await ast.ari('POST', `/channels/create?endpoint=${encodeURIComponent('Local/1602-0-60@agents')}&app=${encodeURIComponent(probeApp)}&channelId=${id}`);
      await ast.ari('DELETE', `/channels/${encodeURIComponent(id)}`, undefined, [404]);
      return false;
    }, 'the app unregistered', 10_000);
  } finally {
    probe.close();
  }
}
const logSize = () => (existsSync(messagesLog()) ? statSync(messagesLog()).size : 0);

describe('the engine stopping on a real Asterisk', { timeout: 60_000 }, () => {
  it('destroys its idle call bridges and closes its WebSocket with a close frame', async () => {
    await e.acd.engine.agents.login('g1', { ready: true, by: 'test' });
    const caller = await ast.placeCaller(e.app, 'gq', { holdS: 60 });
    const call = await e.waitCall(caller.stasisId, 'connected');
    await e.waitBridged(call);
    await ast.ari('DELETE', `/channels/${encodeURIComponent(caller.phoneId)}`, undefined, [404]);
    await e.waitCallGone(call.id);
    // The call's bridge stays, empty, for the next call (src/acd/bridgePool.ts).
    await waitFor(async () => (await bridgeIds()).includes(call.bridgeId), 'the call bridge kept idle', 10_000);
    const logFrom = logSize();

    engineClosed = true;
    await e.close();

    expect(await bridgeIds()).toEqual([]);
    // Asterisk logs an abrupt close from the socket's reader before it lets the app go.
    await waitAppGone(e.app);
    const logged = readFileSync(messagesLog()).subarray(logFrom).toString('utf8');
    expect(logged).not.toContain('closed abruptly');
  });
});
