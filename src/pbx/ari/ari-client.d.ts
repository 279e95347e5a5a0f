/**
 * The slice of ari-client 2.2.0 (CJS, untyped) that this adapter touches, including the internals
 * it has to tame (`_ws`, `_wsClosed`, `_swagger`). Only files in this folder may import it.
 */
declare module 'ari-client' {
  import type { EventEmitter } from 'node:events';

  /** The `ws` 6 WebSocket ari-client opens in `start()`. */
  export interface AriSocket extends EventEmitter {
    readonly readyState: number;
    ping(): void;
    terminate(): void;
  }

  /** swagger-client 2.0 operation: `(args, onSuccess, onError)`; `onError` gets the raw HTTP response. */
  export type SwaggerOperation = (args: object, onSuccess: (response: unknown) => void, onError: (response: unknown) => void) => unknown;

  export interface SwaggerResource {
    operations: Record<string, unknown>;
    [nickname: string]: unknown;
  }

  /** Resource API built from the api-docs: `client.channels.answer({ channelId })`. */
  export type ResourceApi = Record<string, ((params?: object) => Promise<unknown>) | undefined>;

  export interface Client extends EventEmitter {
    start(apps: string | string[]): Promise<void>;
    _ws?: AriSocket;
    _wsClosed?: boolean;
    _swagger: { apis: Record<string, SwaggerResource> };
  }

  const ari: { connect(url: string, user: string, pass: string): Promise<Client> };
  export default ari;
}
