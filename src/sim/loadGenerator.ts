/**
 * Places callers into queues at a steady or Poisson rate, for the demo and the benchmarks.
 * Rates and patience are in simulated time, so the simulator's timeScale speeds them up too.
 * Bounded: stops after `maxCalls` or on `stop()`.
 */
import type { PlaceCallOptions, Simulator } from './simulator.js';

export interface LoadGeneratorOptions {
  queues: string[];
  /** Arrival rate per simulated minute. */
  callsPerMinute: number;
  /** Stop after this many calls (default: until stop()). */
  maxCalls?: number;
  /** Caller patience after being answered, uniform in [min, max] simulated ms; undefined: callers wait until served. */
  holdMs?: { min: number; max: number };
  /** `poisson` (random gaps, default) or `steady` (even gaps). */
  arrivals?: 'poisson' | 'steady';
  /** Stasis args for a queue (default `[queue]`). */
  args?: (queue: string) => string[];
  /** Injectable randomness for reproducible runs. */
  random?: () => number;
}

export interface LoadGeneratorStats {
  placed: number;
  /** Stasis channel ids of the calls placed, oldest first. */
  channelIds: string[];
  perQueue: Record<string, number>;
}

export class LoadGenerator {
  readonly stats: LoadGeneratorStats = { placed: 0, channelIds: [], perQueue: {} };
  private timer?: NodeJS.Timeout;
  private running = false;
  private finish!: () => void;
  /** Resolves once the generator stopped (maxCalls reached or stop()). */
  readonly done: Promise<void>;

  constructor(
    private readonly sim: Simulator,
    private readonly options: LoadGeneratorOptions,
  ) {
    if (options.queues.length === 0) throw new RangeError('LoadGenerator needs at least one queue');
    if (!(options.callsPerMinute > 0)) throw new RangeError('callsPerMinute must be > 0');
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  start(): this {
    if (this.running) return this;
    this.running = true;
    this.scheduleNext();
    return this;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.running = false;
    this.finish();
  }

  private scheduleNext(): void {
    const { maxCalls } = this.options;
    if (!this.running) return;
    if (maxCalls !== undefined && this.stats.placed >= maxCalls) return this.stop();
    this.timer = setTimeout(() => {
      this.placeOne();
      this.scheduleNext();
    }, this.gapMs() * this.sim.timeScale);
  }

  private gapMs(): number {
    const mean = 60_000 / this.options.callsPerMinute;
    if (this.options.arrivals === 'steady') return mean;
    return -Math.log(1 - this.random()) * mean;
  }

  private placeOne(): void {
    const { queues, holdMs, args } = this.options;
    const queue = queues[Math.floor(this.random() * queues.length)]!;
    const n = this.stats.placed + 1;
    const call: PlaceCallOptions = {
      queue,
      callerNumber: `555${String(n).padStart(4, '0')}`,
      callerName: `Caller ${n}`,
      ...(args ? { args: args(queue) } : {}),
      ...(holdMs ? { holdMs: holdMs.min + this.random() * (holdMs.max - holdMs.min) } : {}),
    };
    this.stats.channelIds.push(this.sim.placeCall(call));
    this.stats.placed = n;
    this.stats.perQueue[queue] = (this.stats.perQueue[queue] ?? 0) + 1;
  }

  private random(): number {
    return (this.options.random ?? Math.random)();
  }
}
