/**
 * dialplan/extensions.conf's queue entry on a real Asterisk 22: a caller who finds no engine
 * serving the app (one restarting: Stasis() fails at once) hears music and tries Stasis() again, a
 * second apart, and is queued once the engine is up; with no engine through all its tries it goes
 * on to the fallback. The example's own extension 5000 is loaded, with this file's app and queue.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../src/config.js';
import { waitFor } from '../helpers/acdHarness.js';
import { startAsterisk, type Asterisk } from '../helpers/asterisk.js';
import { closeAcdAndAsterisk, startAcdOn, type AcdOnAsterisk } from '../helpers/asteriskAcd.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const APP = `t-exampleDialplan-${process.pid}`;
const CONTEXT = 'example-customers';

const file: ConfigFile = {
  queues: [{ id: 'sq' }],
  agents: [{ id: 'e1', endpoint: 'Local/1501-0-60@agents', queues: ['sq'] }],
};

/** The example's sales entry (extension 5000 of [from-customers]), entering queue `sq` of this file's app. */
function exampleEntry(): string {
  const text = readFileSync(join(repoRoot, 'dialplan', 'extensions.conf'), 'utf8');
  const block = /^exten => 5000,[\s\S]*?(?=\n\n)/m.exec(text)?.[0] ?? '';
  expect(block).toContain('Stasis(acd,sales)');
  return block.replace('Stasis(acd,sales)', `Stasis(${APP},sq)`);
}

let ast: Asterisk;
let e: AcdOnAsterisk | undefined;

beforeAll(async () => {
  ast = await startAsterisk('exampleDialplan');
  appendFileSync(join(ast.dir, 'etc', 'extensions.conf'), `\n[${CONTEXT}]\n${exampleEntry()}\n`);
  await ast.cli('dialplan reload');
}, 120_000);

afterAll(() => (e ? closeAcdAndAsterisk(e, ast) : ast?.stop()));

let seq = 0;

/** A customer dialing 5000; returns the id of the half that runs the example's dialplan. */
async function dial5000(): Promise<{ phoneId: string; channelId: string }> {
  const phoneId = `example-${process.pid}-${++seq}`;
  const endpoint = encodeURIComponent(`Local/5000@${CONTEXT}`);
  await ast.ari('POST', `/channels?endpoint=${endpoint}&context=callerphone&extension=s&priority=1&formats=ulaw&channelId=${phoneId}`, { variables: { __HOLD: '60' } });
  return { phoneId, channelId: `${phoneId};2` };
}

interface ChannelDialplan {
  dialplan: { app_name: string };
}

/** The dialplan application the channel runs now ('' once it is gone). */
async function appOf(channelId: string): Promise<string> {
  const res = await ast.ari<ChannelDialplan>('GET', `/channels/${encodeURIComponent(channelId)}`, undefined, [404]);
  return res.status === 200 ? res.body.dialplan.app_name : '';
}

describe("the example dialplan's entry while no engine serves the app", { timeout: 60_000 }, () => {
  it('goes on to the fallback after its 8 tries, a second of music each', async () => {
    const { phoneId, channelId } = await dial5000();
    const seen = new Set<string>();
    const t0 = Date.now();
    // The fallback's Queue() (no such queue here: it returns at once), then its announcement.
    await waitFor(async () => {
      seen.add(await appOf(channelId));
      return seen.has('Queue') || seen.has('Playback');
    }, 'the fallback', 20_000);
    expect(seen.has('MusicOnHold')).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(7_000); // 8 tries a second apart
    await ast.ari('DELETE', `/channels/${encodeURIComponent(phoneId)}`, undefined, [404]);
  });

  it('is queued and bridged once the engine is up, having heard music meanwhile', async () => {
    const { phoneId, channelId } = await dial5000();
    await waitFor(async () => (await appOf(channelId)) === 'MusicOnHold', 'music between two tries', 10_000);
    e = await startAcdOn(ast, file, 'exampleDialplan', undefined, { ARI_APP: APP });
    await e.acd.engine.agents.login('e1', { ready: true, by: 'test' });
    const call = await e.waitCall(channelId, 'connected', 15_000);
    expect(call.agentId).toBe('e1');
    await e.waitBridged(call);
    await ast.ari('DELETE', `/channels/${encodeURIComponent(phoneId)}`, undefined, [404]);
    await e.waitCallGone(call.id);
  });
});
