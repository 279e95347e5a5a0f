/**
 * Live Queue API compatibility, from its document (../shared/seeds/live-queue-api.txt): the
 * sample clients' requests (JSON body with no content type, text/plain, curl's form type),
 * `ssid` or `userId` + `token`, the documented answer keys, and the error form with 1501 / 1502.
 */
import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiHarness, startApi } from '../../api/apiHarness.js';
import { KEYS, TEST_AUTH } from '../../api/httpClient.js';
import { waitUntil } from '../../api/waitUntil.js';
import { projected, statsTraffic } from '../../stats/statsTraffic.js';
import type { RedisStore } from '../../../src/store/redisStore.js';

let api: ApiHarness;
let base: string;
/** While set, listQueues waits for it (holds a count request in flight); `held` counts who waits. */
let gate: Promise<void> | undefined;
let held = 0;

beforeEach(async () => {
  const wrapStore = (store: RedisStore): RedisStore =>
    Object.assign(Object.create(store) as RedisStore, {
      listQueues: async () => {
        if (gate) held += 1;
        await gate;
        return store.listQueues();
      },
    });
  api = await startApi({ auth: TEST_AUTH, stats: { groups: { front: ['sales'] } }, wrapStore });
  base = await api.listen();
});
afterEach(async () => {
  gate = undefined;
  await api.close();
});

/** As the document's JavaScript sample: fetch with a string body (sent as text/plain). */
async function post(body: string, path = '/api/v2/liveQueue/count', headers: Record<string, string> = {}) {
  const res = await fetch(base + path, { method: 'POST', headers, body });
  return { status: res.status, json: (await res.json()) as { data?: Record<string, unknown>; status: string; code: number; message?: string } };
}
const count = (body: object) => post(JSON.stringify({ ssid: KEYS.supervisor, ...body }));

/** As the document's Python sample: no content type at all. */
function postWithoutContentType(body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const url = new URL(base + '/api/v2/liveQueue/count');
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function traffic(): Promise<void> {
  await statsTraffic(api);
  await projected(api);
}

describe('POST /api/v2/liveQueue/count', () => {
  it("answers the document's sample clients (no content type, text/plain, form type) with the documented keys", async () => {
    await traffic();
    const body = `{\n "ssid":"${KEYS.supervisor}"\n}`;
    const plain = await post(body);
    expect(plain.status).toBe(200);
    expect(plain.json).toEqual({
      data: {
        onB: 1,
        onC: 0,
        web: 2,
        agTc: 3,
        size: 1,
        grp: ['front'],
        ag: ['1001', '2001'],
        st: ['Available', 'On Break'],
        str: { 'longest-idle': 100 },
        ctyp: { Inbound: 100 },
        campId: ['sales', 'support'],
        qDura: ['0-30'],
        did: [],
        TC: 3,
        breakDown: { '1001': { TC: 1 }, '2001': { TC: 0 } },
      },
      status: 'success',
      code: 200,
    });
    expect(await postWithoutContentType(body)).toEqual({ status: 200, json: plain.json });
    expect(await post(body, '/api/v2/liveQueue/count', { 'content-type': 'application/x-www-form-urlencoded' })).toEqual(plain);
    // userId + token, and the configurable prefix of the document's path.
    expect(await post(JSON.stringify({ userId: 'sup', token: KEYS.supervisor }), '/deepcall/api/v2/liveQueue/count')).toEqual(plain);
  });

  it('filters, breaks down by queue, group or date, and returns the fields asked for', async () => {
    await traffic();
    const bySupport = await count({ filter: [{ campId: ['support'] }] });
    expect(bySupport.json.data).toMatchObject({ campId: ['support'], size: 1, TC: 1, ag: ['2001'] });
    const byKeyValue = await count({ filter: [{ key: 'grp', value: 'front' }], breakDown: 'campId', fields: ['TC', 'WT', 'AT', 'AC'], multi: true });
    expect(byKeyValue.json.data).toMatchObject({ campId: ['sales'], TC: 2, AC: 0, breakDown: { sales: { TC: 2, WT: expect.any(Number), AT: expect.any(Number), AC: 0 } } });
    const byAgent = await count({ filter: [{ agentId: '1001' }], fields: ['TC', 'AHT'] });
    expect(byAgent.json.data).toMatchObject({ ag: ['1001'], agTc: 1, TC: 1, AHT: expect.any(Number), breakDown: { '1001': { TC: 1 } } });
    const inactive = await count({ extra: { includeInactive: 'true' } });
    expect(inactive.json.data).toMatchObject({ ag: ['1001', '1002', '2001'], st: ['Available', 'Logged Out', 'On Break'] });
    const hourly = await count({ extra: { timeZone: 'UTC+5:30', groupBy: 'hourly' }, breakDown: 'date' });
    const buckets = Object.keys(hourly.json.data!.breakDown as object);
    expect(buckets).toHaveLength(1);
    expect(buckets[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:30$/);
    const daily = await count({ extra: [{ timeZone: 'America/New_York' }, { groupBy: 'daily' }], breakDown: 'date', fields: ['TC'] });
    expect(Object.values(daily.json.data!.breakDown as object)).toEqual([{ TC: 3 }]);
    const before = await count({ filter: [{ from: 0 }, { to: 1_000 }] });
    expect(before.json.data).toMatchObject({ TC: 0 });
  });

  it('answers errors in the Live Queue form: 1502 for invalid filter values, the HTTP status otherwise', async () => {
    const e1502 = { status: 'error', code: 1502, message: expect.any(String) };
    expect(await count({ filter: [{ campId: ['nope'] }] })).toEqual({ status: 400, json: { ...e1502, message: expect.stringContaining('nope') } });
    expect(await count({ filter: [{ agentId: 'ghost' }] })).toEqual({ status: 400, json: e1502 });
    expect(await count({ filter: [{ grp: 'nope' }] })).toEqual({ status: 400, json: e1502 });
    expect(await count({ filter: [{ colour: 'red' }] })).toEqual({ status: 400, json: { ...e1502, message: expect.stringContaining('colour') } });
    expect(await count({ filter: [{ from: 'yesterday' }] })).toEqual({ status: 400, json: e1502 });
    expect(await count({ filter: { campId: 'sales' } })).toEqual({ status: 400, json: e1502 });
    expect(await count({ fields: ['XX'] })).toEqual({ status: 400, json: { status: 'error', code: 400, message: expect.stringContaining('fields') } });
    expect(await count({ extra: { timeZone: 'UTC+5:17' } })).toEqual({ status: 400, json: { status: 'error', code: 400, message: expect.stringContaining('timeZone') } });
    expect(await count({ breakDown: 'date' })).toEqual({ status: 400, json: { status: 'error', code: 400, message: expect.stringContaining('groupBy') } });
    expect(await post('{"ssid": ')).toEqual({ status: 400, json: { status: 'error', code: 400, message: expect.stringContaining('JSON') } });
    expect(await post('{}')).toEqual({ status: 401, json: { status: 'error', code: 401, message: expect.any(String) } });
    expect(await post(JSON.stringify({ ssid: 'wrong-key-0123456789' }))).toMatchObject({ status: 401, json: { code: 401 } });
    expect(await post(JSON.stringify({ ssid: KEYS.agent1001 }))).toMatchObject({ status: 403, json: { status: 'error', code: 403 } });
  });

  it('answers 1501 while the same request is still being computed, and computes it again afterwards', async () => {
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    held = 0;
    const first = count({ fields: ['TC'] });
    await waitUntil(() => held === 1, 'the first request in flight');
    expect(await count({ fields: ['TC'] })).toEqual({ status: 409, json: { status: 'error', code: 1501, message: expect.stringContaining('processing') } });
    // A different request is not the same one.
    const other = count({ fields: ['AC'] });
    open();
    expect((await first).json).toMatchObject({ status: 'success', code: 200 });
    expect((await other).json).toMatchObject({ status: 'success', code: 200 });
    expect((await count({ fields: ['TC'] })).json).toMatchObject({ status: 'success', code: 200 });
  });
});
