/** A CTI WebSocket client for tests: collects every message and waits for matching ones. */
import { WebSocket } from 'ws';
import { waitFor } from '../helpers/acdHarness.js';

export type Message = Record<string, unknown> & { event?: string; command?: string; result?: string; data?: Record<string, unknown> };

export class CtiClient {
  readonly messages: Message[] = [];
  private seen = 0;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (raw: Buffer) => this.messages.push(JSON.parse(raw.toString('utf8')) as Message));
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<CtiClient> {
    const ws = new WebSocket(url, { headers });
    const client = new CtiClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** The next message (after the ones already taken) matching `match`. */
  async next(match: (m: Message) => boolean, what = 'message'): Promise<Message> {
    return waitFor(() => {
      const i = this.messages.findIndex((m, idx) => idx >= this.seen && match(m));
      if (i < 0) return undefined;
      this.seen = i + 1;
      return this.messages[i];
    }, what, 5_000);
  }

  event(name: string, match: (data: Record<string, unknown>) => boolean = () => true): Promise<Message> {
    return this.next((m) => m.event === name && match(m.data ?? {}), `event ${name}`);
  }

  /** Sends a request and resolves with its response. */
  async command(command: string, target: string, data?: Record<string, unknown>): Promise<Message> {
    const from = this.messages.length;
    this.ws.send(JSON.stringify({ command, target, data }));
    return waitFor(() => this.messages.slice(from).find((m) => m.command === command && 'result' in m), `response to ${command}`, 5_000);
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  close(): void {
    this.ws.close();
  }
}
