/**
 * `npm run demo`: the whole ACD on one machine without Asterisk. The PBX simulator (ARI over HTTP
 * and WebSocket) stands in for Asterisk, a private redis-server is started unless REDIS_URL is
 * set, simulated agents log in and simulated callers ring two queues. Open the printed URL.
 */
import { startAcd } from './app.js';
import { loadConfig } from './config.js';
import type { EndpointBehaviour } from './sim/endpoints.js';
import { LoadGenerator, startSimulator } from './sim/index.js';
import { ensureRedis } from './infra/redisServer.js';
import { createLogger } from './logger.js';
import { portOrFree } from './infra/ports.js';

interface DemoAgent {
  id: string;
  name: string;
  queues: string[];
  phone: EndpointBehaviour;
}

const AGENTS: DemoAgent[] = [
  { id: '1001', name: 'Alice', queues: ['sales', 'support'], phone: { kind: 'answer', ringMs: 2_000, talkMs: 25_000 } },
  { id: '1002', name: 'Bob', queues: ['sales'], phone: { kind: 'answer', ringMs: 3_000, talkMs: 35_000 } },
  { id: '1003', name: 'Carol', queues: ['support'], phone: { kind: 'answer', ringMs: 1_500, talkMs: 20_000 } },
  // Dave never picks up: watch him go not ready (rona) and the caller move on to the next agent.
  { id: '1004', name: 'Dave', queues: ['sales', 'support'], phone: { kind: 'noanswer' } },
];

const DEMO_CONFIG = {
  queues: [
    { id: 'sales', name: 'Sales', ringTimeoutS: 10, wrapupS: 5, musicClass: 'default' },
    { id: 'support', name: 'Support', ringTimeoutS: 12, wrapupS: 8, musicClass: 'default' },
  ],
  agents: AGENTS.map((a) => ({ id: a.id, name: a.name, endpoint: `PJSIP/${a.id}`, queues: a.queues })),
  // The agent desktop's outbound dial and transfers to a number: 5000-5999 (simulated phones answer).
  auth: { destinationAllowList: ['_5XXX'] },
};
/** The supervisor console's phone for monitor / whisper / barge, and numbers agents may dial. */
const SUPERVISOR_PHONE = 'PJSIP/2001';
const DIALABLE = ['5000', '5001'];

/** Whatever start-up has reached, a signal stops all of it within this time. */
const SHUTDOWN_DEADLINE_MS = 8_000;

async function main(): Promise<void> {
  // Warnings only by default: the engine's info lines would scroll the URLs below away.
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const stops: (() => Promise<void> | void)[] = [];
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
    for (const stop of stops.reverse()) await stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());

  const sim = await startSimulator({ port: Number(process.env.SIM_PORT ?? 0), logger: logger.child({ component: 'pbx-sim' }) });
  stops.push(() => sim.close());
  for (const agent of AGENTS) sim.setEndpoint(`PJSIP/${agent.id}`, agent.phone);
  for (const phone of [SUPERVISOR_PHONE, ...DIALABLE.map((n) => `PJSIP/${n}`)]) sim.setEndpoint(phone, { kind: 'answer', ringMs: 1_500 });

  const redis = await ensureRedis({ logger });
  stops.push(() => redis.stop());
  const wantedPort = Number(process.env.HTTP_PORT ?? 8080);
  const http = await portOrFree(process.env.HTTP_HOST ?? '127.0.0.1', wantedPort);
  const config = loadConfig({ ...process.env, ARI_URL: sim.url, ACD_TENANT: process.env.ACD_TENANT ?? 'demo', HTTP_PORT: String(http.port) }, DEMO_CONFIG);
  const acd = await startAcd({ ...config, redisUrl: redis.url }, logger);
  stops.push(() => acd.close());
  await acd.ready;

  for (const agent of AGENTS) {
    const current = await acd.store.getAgent(agent.id);
    if (current?.status === 'logged_out') await acd.engine.agents.login(agent.id, { by: 'demo', ready: true });
  }
  // A person would come back from a missed call after a while: make RONA agents ready again.
  const comeBack = setInterval(() => {
    void (async () => {
      for (const agent of await acd.store.listAgents()) {
        if (agent.status === 'not_ready' && agent.reason === 'rona' && Date.now() - agent.since > 20_000) {
          await acd.engine.agents.ready(agent.id, { by: 'demo' }).catch(() => undefined);
        }
      }
    })();
  }, 5_000);

  const load = new LoadGenerator(sim, { queues: ['sales', 'support'], callsPerMinute: 8, holdMs: { min: 30_000, max: 120_000 } }).start();
  stops.push(() => {
    clearInterval(comeBack);
    load.stop();
  });

  console.log(`
  ACD demo running
    status page     ${acd.httpUrl}/
    wallboard       ${acd.httpUrl}/wallboard
    agent desktop   ${acd.httpUrl}/agent       (agent id ${AGENTS.map((a) => a.id).join(', ')}; dial ${DIALABLE.join(' or ')})
    supervisor      ${acd.httpUrl}/supervisor  (any id, phone ${SUPERVISOR_PHONE})
    (open mode: the pages need no key; with auth.apiKeys configured they ask for one)
    PBXIS pages     ${acd.httpUrl}/client/sse/${AGENTS.map((a) => a.id).join(',')}/sales,support
                    ${acd.httpUrl}/wallboard/websocket/sales,support   ${acd.httpUrl}/agentpage
    API reference   ${acd.httpUrl}/docs
    event stream    curl -N ${acd.httpUrl}/api/events
    agents          curl ${acd.httpUrl}/api/agents
    ARI simulator   ${sim.url}/ari  (user asterisk / asterisk)
    Redis           ${redis.url}${redis.started ? ' (private, stops with the demo)' : ''}
  Simulated callers arrive about 8 a minute in 'sales' and 'support'. Ctrl-C stops.${http.takenBy ? `\n  Port ${wantedPort} is not available (${http.takenBy}): the API is on ${http.port} (set HTTP_PORT to choose).` : ''}
  Engine log: warnings only (LOG_LEVEL=info for more).
`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
