/**
 * An HTTP proxy in front of a real Asterisk's ARI that can hold one request until the test lets it
 * go: the way to make the engine's step late on a real Asterisk (a bridge request carried out after
 * the agent hung up) and see what Asterisk really answers then. WebSocket upgrades (the event
 * socket) pass through untouched until the test cuts them (a network fault between the engine and
 * Asterisk); REST must go over HTTP (`ARI_REST_TRANSPORT=http`) to be held.
 */
import { createServer, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface HeldRequest {
  /** The request reached the proxy (and waits there). */
  arrived: Promise<void>;
  /** Lets it go on to Asterisk. */
  release(): void;
  /** Asterisk's status for it, once released and answered. */
  answered: Promise<number>;
}

export interface AriProxy {
  /** `http://127.0.0.1:<port>`, for ARI_URL. */
  url: string;
  /** Holds the next request with this method whose path (with query) matches. */
  hold(method: string, path: RegExp): HeldRequest;
  /** Cuts the event sockets through it and refuses new ones until `restore` is called. */
  cutSockets(): { restore(): void };
  /**
   * Once: cuts them as cutSockets does just before Asterisk's next message to a socket matching
   * `text` would pass (that message, with what came in the same read, is lost). `cut` resolves then.
   */
  cutSocketsBefore(text: RegExp): { cut: Promise<void>; restore(): void };
  close(): Promise<void>;
}

interface Hold {
  method: string;
  path: RegExp;
  arrive(): void;
  released: Promise<void>;
  answer(status: number): void;
}

export async function startAriProxy(target: string): Promise<AriProxy> {
  const upstream = new URL(target);
  const port = Number(upstream.port);
  const holds: Hold[] = [];
  const sockets = new Set<Socket>();
  let refusing = false;
  /** A pending cutSocketsBefore: Asterisk's bytes are matched (with the previous read's tail, for a message split across reads). */
  let cutTrigger: { text: RegExp; fire(): void } | undefined;
  const cutAll = () => {
    refusing = true;
    for (const s of sockets) s.destroy();
  };

  const server = createServer((req, res) => {
    const i = holds.findIndex((h) => h.method === req.method && h.path.test(req.url ?? ''));
    const held = i >= 0 ? holds.splice(i, 1)[0] : undefined;
    held?.arrive();
    void (held?.released ?? Promise.resolve()).then(() => {
      const up = request({ host: upstream.hostname, port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        held?.answer(answer.statusCode ?? 0);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      up.on('error', (err) => res.destroy(err));
      // The body waits in the paused request meanwhile.
      req.pipe(up);
    });
  });
  server.on('upgrade', (req, socket: Socket, head: Buffer) => {
    if (refusing) return void socket.destroy();
    const up = connect(port, upstream.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) up.write(head);
      socket.pipe(up);
      let tail = '';
      up.on('data', (chunk: Buffer) => {
        const text = chunk.toString('latin1');
        // A match must reach into this read: one wholly in the tail already passed.
        const match = cutTrigger?.text.exec(tail + text);
        if (match && match.index + match[0].length > tail.length) return cutTrigger!.fire();
        tail = text.slice(-4096);
        socket.write(chunk);
      });
    });
    for (const s of [socket, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hold(method, path) {
      let arrive!: () => void;
      let release!: () => void;
      let answer!: (status: number) => void;
      const arrived = new Promise<void>((r) => (arrive = r));
      const released = new Promise<void>((r) => (release = r));
      const answered = new Promise<number>((r) => (answer = r));
      holds.push({ method, path, arrive, released, answer });
      return { arrived, release, answered };
    },
    cutSockets() {
      cutAll();
      return { restore: () => void (refusing = false) };
    },
    cutSocketsBefore(text) {
      let fired!: () => void;
      const cut = new Promise<void>((resolve) => (fired = resolve));
      cutTrigger = {
        text,
        fire: () => {
          cutTrigger = undefined;
          cutAll();
          fired();
        },
      };
      return { cut, restore: () => void (refusing = false) };
    },
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
