/**
 * The slice of ari-client 2.2.0 (CJS, untyped) that this adapter touches, including the internals
 * it has to tame (`_ws`, `_wsClosed`). Only files in this folder may import it.
 */
declare module 'ari-client' {
  import type { EventEmitter } from 'node:events';

  /** The `ws` WebSocket ari-client opens in `start()` (ws 8 through package.json `overrides`; docs/internals.md). */
  export interface AriSocket extends EventEmitter {
    readonly readyState: number;
    ping(): void;
    send(data: string, callback?: (err?: Error) => void): void;
    close(code?: number): void;
    terminate(): void;
  }

  /** Resource API built from the api-docs: `client.channels.answer({ channelId })` (the simulator's tests use it). */
  export type ResourceApi = Record<string, ((params?: object) => Promise<unknown>) | undefined>;

  export interface Client extends EventEmitter {
    start(apps: string | string[]): Promise<void>;
    _ws?: AriSocket;
    _wsClosed?: boolean;
  }

  const ari: { connect(url: string, user: string, pass: string): Promise<Client> };
  export default ari;
}
