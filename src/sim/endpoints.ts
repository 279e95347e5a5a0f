/**
 * Scripted endpoints: how the phone behind a dial string behaves. Durations are simulated
 * milliseconds (multiplied by the simulator's timeScale).
 */
export type EndpointBehaviour =
  /**
   * Rings `ringMs`, answers, talks `talkMs` then hangs up (undefined: talks until hung up).
   * `dialAnswerLost`: dialed in Stasis, its answer sends no `Dial` ANSWER (the leg is Up all the
   * same), as Asterisk 22.10.1 now and then does for a leg that answers at once (src/acd/dialAnswerCheck.ts).
   */
  | { kind: 'answer'; ringMs: number; talkMs?: number; dialAnswerLost?: boolean }
  /** Rings until the dial times out or the app hangs up. */
  | { kind: 'noanswer' }
  /** Answers Busy: `Dial` BUSY, the leg stays until the app hangs it up. */
  | { kind: 'busy' }
  /** Rejects: the leg is hung up with cause 21. */
  | { kind: 'reject' }
  /** Not registered: create/originate fail with 500 `{"error":"Allocation failed"}`. */
  | { kind: 'unavailable' }
  /** Rings until the test calls `sim.answer(channelId)` or `sim.hangup(channelId, cause)`. */
  | { kind: 'manual' };

export class EndpointDirectory {
  private readonly scripted = new Map<string, EndpointBehaviour>();

  set(endpoint: string, behaviour: EndpointBehaviour): void {
    this.scripted.set(endpoint, { ...behaviour });
  }

  delete(endpoint: string): void {
    this.scripted.delete(endpoint);
  }

  get(endpoint: string): EndpointBehaviour | undefined {
    return this.scripted.get(endpoint);
  }

  names(): string[] {
    return [...this.scripted.keys()];
  }
}
