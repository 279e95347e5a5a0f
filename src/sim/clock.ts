/**
 * Simulated time: every duration the simulator plays out (ring, talk, hold, playback, dial
 * timeouts) goes through here and is multiplied by `timeScale`, so a 20 s talk lasts 1 s at 0.05.
 */
export type Cancel = () => void;

export class SimClock {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(readonly timeScale: number) {
    if (!(timeScale > 0)) throw new RangeError(`timeScale must be > 0, got ${timeScale}`);
  }

  /** Runs `fn` after `simulatedMs` of simulated time. */
  after(simulatedMs: number, fn: () => void): Cancel {
    return this.afterReal(simulatedMs * this.timeScale, fn);
  }

  /** Runs `fn` after `realMs` of wall time (processing latency, not part of the simulated call). */
  afterReal(realMs: number, fn: () => void): Cancel {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, Math.max(0, realMs));
    this.timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }

  /** Wall-clock milliseconds converted into simulated milliseconds. */
  toSimulated(realMs: number): number {
    return realMs / this.timeScale;
  }

  stopAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
