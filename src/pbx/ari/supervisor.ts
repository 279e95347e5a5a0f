import ari, { type Client } from 'ari-client';
import type { Logger } from 'pino';
import { PbxError, type PbxEvent } from '../port.js';
import { probeApiDocs } from './api-docs-probe.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { disposeClient, superviseSocket } from './client-hooks.js';
import { normalizeAriEvent } from './normalize-event.js';
import type { Query } from './rest.js';
import { WsRest } from './wsRest.js';

export interface SupervisorOptions {
  url: string;
  username: string;
  password: string;
  app: string;
  logger: Logger;
  reconnect: BackoffOptions;
  /** Bound on each step of one connect attempt (api-docs load, WebSocket open). */
  connectTimeoutMs: number;
  /** Wait before taking the app back after ApplicationReplaced (jittered; grows while two instances keep taking it from each other). */
  appReplacedDelayMs: number;
  /** WebSocket ping interval; a missing pong by the next ping counts as a lost connection. 0 disables. */
  heartbeatMs: number;
  /** Bound on each REST request sent over the WebSocket. */
  requestTimeoutMs: number;
  /** Try REST over the WebSocket on each connection (wsRest.ts); false keeps every request on HTTP. */
  restOverSocket: boolean;
  /** Receives normalized events and the lifecycle events (connected, disconnected, appReplaced). */
  emit(event: PbxEvent): void;
}

function withDeadline<T>(promise: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

const WS_OPEN = 1;

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Keeps one ari-client connected to the Stasis app, forever, until `stop()`.
 *
 * ari-client's own reconnect is neutralised (see client-hooks): every connection, first or not,
 * is a fresh `ari.connect` + `start(app)` made here, with exponential backoff and jitter and no
 * retry limit. A lost or replaced client is disposed completely before the next one is made, so
 * an old socket can neither leak nor deliver events twice.
 *
 * `start()` resolves at the first successful connection and keeps retrying in the background
 * until then (each failure is logged with its reason); it rejects only if `stop()` comes first.
 * Callers wanting a boot deadline race it with their own timer.
 */
export class ConnectionSupervisor {
  private current: Client | undefined;
  /** Client whose WebSocket is being opened; `stop()` aborts it. */
  private opening: Client | undefined;
  private attempt: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;
  private everConnected = false;
  private failures = 0;
  /** Consecutive sessions lost to ApplicationReplaced soon after connecting: two instances fighting over the app. */
  private replacedStreak = 0;
  private connectedAt = 0;
  private readonly firstConnect: Promise<void>;
  private resolveFirstConnect!: () => void;
  private rejectFirstConnect!: (err: Error) => void;
  private readonly log: Logger;
  private readonly wsRest: WsRest;
  /** This connection's Asterisk answered a REST request over the WebSocket. */
  private socketRest = false;

  constructor(private readonly options: SupervisorOptions) {
    this.log = options.logger.child({ component: 'ari-supervisor', app: options.app });
    this.wsRest = new WsRest(options.requestTimeoutMs);
    this.firstConnect = new Promise<void>((resolve, reject) => {
      this.resolveFirstConnect = resolve;
      this.rejectFirstConnect = reject;
    });
    // Nobody may be awaiting start() when stop() rejects it; that must not be an unhandled rejection.
    this.firstConnect.catch(() => undefined);
  }

  /** The connected client, if any: REST goes through it. */
  get client(): Client | undefined {
    return this.current;
  }

  /** REST goes over the WebSocket: this connection's Asterisk answered the probe made there at connect. */
  get restOverSocket(): boolean {
    return this.socketRest;
  }

  /** REST requests sent over the WebSocket and not answered yet. */
  get socketRestInFlight(): number {
    return this.wsRest.inFlight;
  }

  /** One REST request over the connected WebSocket (wsRest.ts); `unavailable` while there is none. */
  sendRest<T>(operation: string, method: string, path: string, query?: Query, body?: unknown): Promise<T> {
    const ws = this.current?._ws;
    if (!ws || ws.readyState !== WS_OPEN) return Promise.reject(new PbxError('unavailable', 0, 'not connected to ARI', operation));
    return this.wsRest.send<T>((text) => ws.send(text), operation, method, path, query, body);
  }

  start(): Promise<void> {
    if (!this.started && !this.stopped) {
      this.started = true;
      this.connectNow();
    }
    return this.firstConnect;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (this.opening) void disposeClient(this.opening);
    await this.attempt;
    if (this.current) await this.drop(this.current, 'stopped', true);
    this.rejectFirstConnect(new PbxError('unavailable', 0, 'stopped before the first ARI connection', 'connect'));
  }

  private connectNow(): void {
    this.retryTimer = undefined;
    this.attempt = this.connectOnce().finally(() => {
      this.attempt = undefined;
    });
  }

  private scheduleConnect(delayMs: number): void {
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => this.connectNow(), delayMs);
  }

  private async connectOnce(): Promise<void> {
    const { url, username, password, connectTimeoutMs } = this.options;
    let client: Client | undefined;
    try {
      await probeApiDocs(url, username, password, connectTimeoutMs);
      client = await withDeadline(ari.connect(url, username, password), connectTimeoutMs, 'loading the ARI api-docs');
      if (this.stopped) throw new Error('stopped');
      await this.openSocket(client);
    } catch (err) {
      if (client) void disposeClient(client);
      if (this.stopped) return;
      const retryInMs = backoffDelay(this.failures, this.options.reconnect);
      this.failures += 1;
      this.log.warn({ err: errorMessage(err), attempt: this.failures, retryInMs }, 'ARI connection attempt failed; retrying');
      this.scheduleConnect(retryInMs);
    }
  }

  /** Opens the WebSocket and adopts the client synchronously on 'open', before its first message. */
  private openSocket(client: Client): Promise<void> {
    const { app, connectTimeoutMs } = this.options;
    this.opening = client;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.opening = undefined;
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => settle(new Error(`WebSocket not open within ${connectTimeoutMs} ms`)), connectTimeoutMs);
      // Its promise only reports the first 'open', which superviseSocket reports too.
      void client.start(app);
      superviseSocket(client, {
        onOpen: () => {
          if (this.stopped) return settle(new Error('stopped'));
          this.adopt(client);
          settle();
        },
        onLost: (reason) => {
          if (!settled) settle(new Error(reason));
          else this.connectionLost(client, reason);
        },
        // One listener for every event; routing by ids is the engine's job.
        onEvent: (raw) => this.onRawEvent(client, raw),
        onUnprocessable: (err) => this.log.warn({ err: errorMessage(err) }, 'an ARI event could not be processed; dropped'),
      });
    });
  }

  private adopt(client: Client): void {
    this.current = client;
    this.failures = 0;
    this.connectedAt = Date.now();
    const reconnect = this.everConnected;
    this.everConnected = true;
    this.startHeartbeat(client);
    if (this.options.restOverSocket) this.probeSocketRest(client);
    this.log.info({ reconnect }, 'ARI connected');
    this.options.emit({ type: 'connected', reconnect });
    this.resolveFirstConnect();
  }

  /**
   * Asterisk 20.14, 21.9, 22.4 and later answer REST over the event WebSocket; older ones ignore
   * what a client sends there. Requests go over HTTP until this probe is answered, and stay there
   * when it is not.
   */
  private probeSocketRest(client: Client): void {
    this.sendRest('asterisk.ping', 'GET', '/asterisk/ping').then(
      () => {
        if (client !== this.current) return;
        this.socketRest = true;
        this.log.info('ARI REST goes over the WebSocket');
      },
      (err: unknown) => {
        if (client === this.current) this.log.info({ reason: errorMessage(err) }, 'ARI REST stays on HTTP: this Asterisk does not answer REST over its WebSocket (20.14, 21.9, 22.4 and later do)');
      },
    );
  }

  private onRawEvent(client: Client, raw: unknown): void {
    if (client !== this.current) return;
    if ((raw as { type?: unknown } | null)?.type === 'RESTResponse') return this.wsRest.onResponse(raw as object);
    const event = normalizeAriEvent(raw);
    if (!event) return;
    if (event.type === 'appReplaced') return this.appReplaced(client);
    this.options.emit(event);
  }

  private appReplaced(client: Client): void {
    const { appReplacedDelayMs, reconnect } = this.options;
    // A session that was taken over quickly again is a fight with another instance: back off further each time.
    this.replacedStreak = Date.now() - this.connectedAt > reconnect.maxDelayMs ? 0 : this.replacedStreak + 1;
    const retryInMs = backoffDelay(this.replacedStreak, { minDelayMs: appReplacedDelayMs, maxDelayMs: Math.max(appReplacedDelayMs, reconnect.maxDelayMs) });
    this.log.error(
      { retryInMs, replacedStreak: this.replacedStreak },
      'ApplicationReplaced: another WebSocket took over the ARI app (a second instance, or a stale one). Events now go there; taking the app back after a delay',
    );
    this.options.emit({ type: 'appReplaced' });
    void this.drop(client, 'application replaced by another WebSocket');
    this.scheduleConnect(retryInMs);
  }

  private connectionLost(client: Client, reason: string): void {
    if (client !== this.current) return;
    void this.drop(client, reason);
    const retryInMs = backoffDelay(this.failures, this.options.reconnect);
    this.failures += 1;
    this.scheduleConnect(retryInMs);
  }

  /**
   * Forgets and disposes the current client, then tells listeners. `graceful` (a stop): the socket
   * is closed with a close frame; resolves once it is closed.
   */
  private async drop(client: Client, reason: string, graceful = false): Promise<void> {
    this.current = undefined;
    this.socketRest = false;
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    const closing = disposeClient(client, graceful);
    this.wsRest.failAll(`ARI connection lost: ${reason}`);
    this.log.warn({ reason }, 'ARI disconnected');
    this.options.emit({ type: 'disconnected', reason });
    await closing;
  }

  private startHeartbeat(client: Client): void {
    const { heartbeatMs } = this.options;
    if (heartbeatMs <= 0) return;
    let awaitingPong = false;
    client.on('pong', () => {
      awaitingPong = false;
    });
    this.heartbeatTimer = setInterval(() => {
      const ws = client._ws;
      if (awaitingPong || ws?.readyState !== WS_OPEN) return this.connectionLost(client, `no pong within ${heartbeatMs} ms`);
      awaitingPong = true;
      ws.ping();
    }, heartbeatMs);
  }
}
