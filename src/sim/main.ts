/**
 * `npm run sim`: the PBX simulator on its own (SIM_HOST, SIM_PORT default 8088, SIM_TIME_SCALE).
 * A taken port is not a crash: another one is picked and printed.
 */
import { portOrFree } from '../infra/ports.js';
import { createLogger } from '../logger.js';
import { startSimulator } from './simulator.js';

const logger = createLogger(process.env.LOG_LEVEL ?? 'info').child({ component: 'pbx-sim' });
const host = process.env.SIM_HOST ?? '127.0.0.1';
const wanted = Number(process.env.SIM_PORT ?? 8088);
const timeScale = Number(process.env.SIM_TIME_SCALE ?? 1);

const { port, takenBy } = await portOrFree(host, wanted);
if (takenBy) console.log(`port ${wanted} is not available (${takenBy}): using ${port} instead (set SIM_PORT to choose)`);
const sim = await startSimulator({ host, port, timeScale, logger });
console.log(`ARI simulator listening on ${sim.url}/ari (user asterisk, password asterisk)`);

const shutdown = () => {
  void sim.close().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
