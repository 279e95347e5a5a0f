/**
 * The timed Pbx and store (src/stats/metrics.ts): every Pbx request observed by operation and
 * outcome, each member wrapped once (the engine reaches them dozens of times per call), a member
 * replaced on the target wrapped afresh; the ARI adapter's REST requests by transport.
 */
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/stats/metrics.js';
import type { Pbx } from '../../src/pbx/port.js';
import type { AcdStore, RouteResult } from '../../src/store/types.js';

async function countOf(metrics: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as { metricName?: string; labels: Record<string, string | number>; value: number }[];
  return values.find((v) => v.metricName === `${name}_count` && Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

describe('timed Pbx and store', () => {
  it('observes each Pbx request by operation and outcome through one wrapper per member', async () => {
    const metrics = createMetrics();
    const target = {
      connected: true,
      answer: async () => undefined,
      hangup: async () => Promise.reject(new Error('gone')),
    };
    const pbx = metrics.timePbx(target as unknown as Pbx);
    expect(pbx.answer).toBe(pbx.answer);
    expect(pbx.connected).toBe(true);
    await pbx.answer('c1');
    await pbx.answer('c2');
    await expect(pbx.hangup('c3')).rejects.toThrow('gone');
    expect(await countOf(metrics, 'acd_ari_request_seconds', { operation: 'answer', outcome: 'ok' })).toBe(2);
    expect(await countOf(metrics, 'acd_ari_request_seconds', { operation: 'hangup', outcome: 'error' })).toBe(1);

    const before = pbx.answer;
    target.answer = async () => undefined;
    expect(pbx.answer).not.toBe(before);
    await pbx.answer('c4');
    expect(await countOf(metrics, 'acd_ari_request_seconds', { operation: 'answer', outcome: 'ok' })).toBe(3);

    // One function under two names: each name is its own operation.
    const shared = async () => undefined;
    const twoNames = metrics.timePbx({ startMoh: shared, ring: shared } as unknown as Pbx);
    await twoNames.startMoh('c5');
    await twoNames.ring('c5');
    expect(await countOf(metrics, 'acd_ari_request_seconds', { operation: 'startMoh', outcome: 'ok' })).toBe(1);
    expect(await countOf(metrics, 'acd_ari_request_seconds', { operation: 'ring', outcome: 'ok' })).toBe(1);
  });

  it('counts the ARI adapter\'s REST requests by transport, read at each scrape; another Pbx has no such counter', async () => {
    const metrics = createMetrics();
    const restRequests = { websocket: 5, http: 2 };
    metrics.timePbx({ restOverSocket: true, restRequests } as unknown as Pbx);
    expect(await metrics.registry.metrics()).toContain('acd_ari_rest_requests_total{transport="websocket"} 5\nacd_ari_rest_requests_total{transport="http"} 2');
    restRequests.http = 3;
    expect(await metrics.registry.metrics()).toContain('acd_ari_rest_requests_total{transport="http"} 3');
    expect(await createMetrics().registry.metrics()).not.toContain('acd_ari_rest_requests_total');
  });

  it("times the routing decisions by outcome, a join's included, and hands every other store member through, bound once", async () => {
    const metrics = createMetrics();
    const results: RouteResult[] = [{ assignments: [] }, { assignments: [{ callId: 'c' } as RouteResult['assignments'][number]] }];
    const joins = [{ position: 1, created: true, route: { assignments: [] } }, { position: 1, created: false }];
    const target = {
      route: async () => results.shift()!,
      enqueue: async () => joins.shift()!,
      getCall: async function (this: unknown) {
        return this === target ? 'bound' : 'unbound';
      },
    };
    const store = metrics.timeRouting(target as unknown as AcdStore);
    await store.route({ queue: 'q' }, 'leg');
    await store.route({ queue: 'q' }, 'leg');
    // A join that decided counts; one that did not (a replay) does not.
    for (let i = 0; i < 2; i++) await store.enqueue({} as Parameters<AcdStore['enqueue']>[0]);
    expect(await countOf(metrics, 'acd_routing_decision_seconds', { outcome: 'none' })).toBe(2);
    expect(await countOf(metrics, 'acd_routing_decision_seconds', { outcome: 'assigned' })).toBe(1);
    expect(store.getCall).toBe(store.getCall);
    expect(await (store.getCall as unknown as () => Promise<string>)()).toBe('bound');
  });
});
