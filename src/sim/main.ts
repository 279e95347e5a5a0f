/** `npm run sim`: the PBX simulator on its own (port from SIM_PORT, default 8088). */
import pino from 'pino';
import { startSimulator } from './simulator.js';

const logger = pino({ name: 'pbx-sim' });
const port = Number(process.env.SIM_PORT ?? 8088);
const timeScale = Number(process.env.SIM_TIME_SCALE ?? 1);

const sim = await startSimulator({ host: process.env.SIM_HOST ?? '127.0.0.1', port, timeScale, logger });
console.log(`ARI simulator listening on ${sim.url}/ari (user asterisk, password asterisk)`);

const shutdown = () => {
  void sim.close().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
