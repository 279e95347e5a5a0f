/**
 * The app side of the events WebSocket: which socket owns which Stasis app, and delivery.
 * Like Asterisk: one socket owns an app (a newer one takes over and the old one gets
 * ApplicationReplaced); events for an app without a socket are lost; an app with no socket is
 * inactive, and Stasis() into an inactive app fails.
 */
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { ariTimestamp } from './json.js';

export type AriEvent = { type: string; timestamp: string; asterisk_id: string; application: string } & Record<string, unknown>;
export type EventListener = (event: AriEvent) => void;

export interface EventFilter {
  allowed: string[];
  disallowed: string[];
}

interface AppOwner {
  socket: WebSocket;
  subscribeAll: boolean;
}

export class EventHub {
  private readonly owners = new Map<string, AppOwner>();
  private readonly registered = new Set<string>();
  private readonly listeners = new Set<EventListener>();
  /** PUT /applications/{app}/eventFilter: event types an app's socket gets (empty allowed = all). */
  private readonly filters = new Map<string, EventFilter>();

  constructor(
    readonly asteriskId: string,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  /** A socket connected for these apps: it now owns them. */
  attach(apps: string[], socket: WebSocket, subscribeAll: boolean): void {
    for (const app of apps) {
      const previous = this.owners.get(app);
      this.owners.set(app, { socket, subscribeAll });
      this.registered.add(app);
      if (previous && previous.socket !== socket) {
        this.logger.info({ app }, 'application replaced by a newer WebSocket');
        this.sendTo(previous.socket, this.envelope(app, 'ApplicationReplaced', {}));
        if (!this.ownsAny(previous.socket)) previous.socket.close(1000, 'Application replaced');
      }
    }
  }

  /** A socket went away: its apps become inactive (their channels stay where they are). */
  detach(socket: WebSocket): void {
    for (const [app, owner] of this.owners) if (owner.socket === socket) this.owners.delete(app);
  }

  isActive(app: string): boolean {
    return this.owners.has(app);
  }

  isRegistered(app: string): boolean {
    return this.registered.has(app);
  }

  registeredApps(): string[] {
    return [...this.registered];
  }

  /** Apps that asked for every event (`subscribeAll=true`). */
  subscribeAllApps(): string[] {
    return [...this.owners].filter(([, owner]) => owner.subscribeAll).map(([app]) => app);
  }

  setFilter(app: string, filter: EventFilter): void {
    this.filters.set(app, filter);
  }

  filterOf(app: string): EventFilter {
    return this.filters.get(app) ?? { allowed: [], disallowed: [] };
  }

  /** Like Asterisk: a non-empty allowed list lets only its types through, then disallowed removes types. */
  private passes(app: string, type: string): boolean {
    const filter = this.filters.get(app);
    if (!filter) return true;
    return (filter.allowed.length === 0 || filter.allowed.includes(type)) && !filter.disallowed.includes(type);
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends one event to each app in `apps` (lost for apps without a socket, like Asterisk). */
  emit(apps: Iterable<string>, type: string, fields: Record<string, unknown>): void {
    for (const app of new Set([...apps, ...this.subscribeAllApps()])) {
      const event = this.envelope(app, type, fields);
      this.dropIfTriggered(event);
      const owner = this.owners.get(app);
      if (owner && this.passes(app, type)) this.sendTo(owner.socket, event);
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch (err) {
          this.logger.error({ err, type }, 'event listener threw');
        }
      }
    }
  }

  /** Until this time (ms epoch) new app sockets are refused (dropAll's `refuseForMs`). */
  refusingUntil = 0;

  /** One-shot faults: the sockets drop just before an event matching `match` would be sent. */
  private readonly dropTriggers: { match: (event: AriEvent) => boolean; refuseForMs: number }[] = [];

  dropBefore(match: (event: AriEvent) => boolean, refuseForMs: number): void {
    this.dropTriggers.push({ match, refuseForMs });
  }

  private dropIfTriggered(event: AriEvent): void {
    const at = this.dropTriggers.findIndex((t) => t.match(event));
    if (at < 0) return;
    const [trigger] = this.dropTriggers.splice(at, 1);
    this.refusingUntil = Date.now() + trigger!.refuseForMs;
    this.dropAll();
  }

  /** Closes every app socket abruptly (a network fault): apps become inactive, channels stay. */
  dropAll(): void {
    const sockets = new Set([...this.owners.values()].map((o) => o.socket));
    this.owners.clear();
    for (const socket of sockets) socket.terminate();
  }

  private ownsAny(socket: WebSocket): boolean {
    return [...this.owners.values()].some((o) => o.socket === socket);
  }

  private envelope(app: string, type: string, fields: Record<string, unknown>): AriEvent {
    return { type, timestamp: ariTimestamp(this.now()), ...fields, asterisk_id: this.asteriskId, application: app };
  }

  private sendTo(socket: WebSocket, event: AriEvent): void {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
  }
}
