import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiHarness, startApi } from './apiHarness.js';

let api: ApiHarness | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const closed = (socket: net.Socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()));

describe('closing the API', () => {
  it('drops a connection that never sent a request instead of waiting for its headers timeout', async () => {
    api = await startApi();
    const { port } = new URL(await api.listen());
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const gone = closed(socket);
    const closing = api.app.close();
    // Without the drop the server keeps this socket open for 60 s and close() waits as long.
    await gone;
    await closing;
    expect(socket.destroyed).toBe(true);
  });

  it('answers a request in flight when the close begins, then ends its connection (no keep-alive wait)', async () => {
    api = await startApi();
    const { port } = new URL(await api.listen());
    const socket = net.connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += String(d)));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // Headers sent, body not yet: the request is in flight when close() starts.
    const started = new Promise<void>((resolve) => api!.app.server.once('request', () => resolve()));
    socket.write('POST /api/agents/a1/ready HTTP/1.1\r\nHost: test\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n');
    await started;
    const closing = api.app.close();
    socket.write('{}');
    const gone = closed(socket);
    await closing;
    await gone;
    expect(answer).toMatch(/^HTTP\/1\.1 \d{3} /);
  });
});

