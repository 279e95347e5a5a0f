/**
 * The PBX simulator: ARI (REST + events WebSocket) behaving like the Asterisk 22 in
 * test/fixtures/ari-traces, for the demo, the tests and the benchmarks.
 *
 *   const sim = await startSimulator({ timeScale: 0.05 });        // ARI at `${sim.url}/ari`, asterisk/asterisk
 *   sim.setEndpoint('PJSIP/1001', { kind: 'answer', ringMs: 2000, talkMs: 30_000 });
 *   const callId = sim.placeCall({ queue: 'sales', callerNumber: '5551234', holdMs: 60_000 });
 *   await sim.waitForEvent((e) => e.type === 'StasisEnd');
 *   sim.requests;                                                  // the REST requests the app made
 *   await sim.close();
 *
 * Without scripted endpoints the traces' dialplan answers: `Local/1xxx@agents` rings RING s and
 * talks TALK s, `2xxx` never answers, `3xxx` is busy, `4xxx` rejects; `Local/q-<queue>@callers`
 * originated with context `callerphone` is a caller who hangs up HOLD s after being answered.
 */
export { startSimulator, Simulator, SimControlError } from './simulator.js';
export type { SimulatorOptions, PlaceCallOptions, ChannelView, BridgeView, SimControlErrorCode } from './simulator.js';
export type { EndpointBehaviour } from './endpoints.js';
export type { AriEvent, EventListener } from './events.js';
export type { RequestFault, RequestLogEntry } from './server.js';
export { LoadGenerator } from './loadGenerator.js';
export type { LoadGeneratorOptions, LoadGeneratorStats } from './loadGenerator.js';
