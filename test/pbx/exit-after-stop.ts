/**
 * Run by ari-adapter.test.ts in its own process: uses the adapter against the simulator, stops
 * both, and must then exit by itself. If something still holds the event loop, it reports what
 * after 5 s and exits with 3.
 */
import { startSimulator } from '../../src/sim/index.js';
import { recordEvents, testPbx } from './pbx-harness.js';

const sim = await startSimulator({ port: 0, username: 'asterisk', password: 'secret', timeScale: 0.05 });
const pbx = testPbx(sim.url, { heartbeatMs: 1_000 });
const log = recordEvents(pbx);
await pbx.start();
await sim.placeCall({ queue: 'sales', callerNumber: '5551234', callerName: 'Customer', holdMs: 3_600_000 });
const { channel } = await log.waitFor('channelEnteredApp');
await pbx.answer(channel.id);
await pbx.stop();
await sim.close();
process.stdout.write('call answered; stopped\n');

setTimeout(() => {
  process.stderr.write(`still running after stop: ${JSON.stringify(process.getActiveResourcesInfo())}\n`);
  process.exit(3);
}, 5_000).unref();
